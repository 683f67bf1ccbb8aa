"""`revcycle mllp`: HL7 v2 ADT and DFT^P03 messages over MLLP, each answered with an ACK."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="HL7 v2 over MLLP")


@app.command("mllp")
def mllp(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port (2575 is HL7's registered port)")] = 2575,
    organization: Annotated[
        str | None,
        typer.Option(help="Organization the messages belong to (default: ORGANIZATION_ID)"),
    ] = None,
) -> None:
    """Listen for ADT^A01/A03/A04/A08 and DFT^P03; charges accumulate per visit (PV1-19)."""
    import signal
    import threading
    from datetime import UTC, datetime

    from rich.console import Console

    from revcycle.embedded import open_embedded
    from services.intake.hl7.ack import REJECT, build_ack
    from services.intake.hl7.config import billing_provider, get_hl7_settings
    from services.intake.hl7.message import Hl7Problem
    from services.intake.hl7.mllp import MllpServer
    from services.intake.hl7.service import Hl7Channel

    err = Console(stderr=True)
    settings = get_hl7_settings()
    embedded = open_embedded(settings)
    channel = Hl7Channel(
        embedded.intake,
        organization or settings.organization_id,
        billing=billing_provider(settings),
    )
    settle_lock = threading.Lock()

    def handled() -> None:
        # Embedded default: the message's effects (readiness, the claim view) before the next.
        with settle_lock:
            embedded.settle()
        if server.handled % 100 == 0:
            err.print(f"{server.handled} messages answered", markup=False)

    def too_large() -> str:
        problem = Hl7Problem("MSH", 1, None, "100", "message larger than the limit", reject=True)
        return build_ack(
            code=REJECT, control_id="", now=datetime.now(UTC), ack_control_id="", problems=[problem]
        )

    server = MllpServer(
        (host, port),
        channel.handle,
        max_message_bytes=settings.hl7_max_message_bytes,
        too_large=too_large,
        on_message=handled,
    )

    def stop(signum: int, frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    from services.intake.hl7.mllp import address_of

    bound_host, bound_port = address_of(server)
    err.print(f"listening for HL7 v2 over MLLP on {bound_host}:{bound_port}", markup=False)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        embedded.close()
        err.print(f"stopped after {server.handled} messages", markup=False)
