"""The ACK intake answers each message with: MSA AA, or AE/AR with one ERR per problem.

ERR carries the location twice, for receivers of every 2.x version: ERR-1 as 2.3/2.4 read it
(segment^sequence^field^code&text&HL70357) and ERR-2/3/4/8 as 2.5 and later do (ERL
location, HL70357 code, severity E, the reason for a person).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.intake.hl7.message import ERROR_TEXT, Hl7Problem

ACCEPT, ERROR, REJECT = "AA", "AE", "AR"


def _escape(value: str) -> str:
    """HL7 escape sequences for the standard delimiters in free text (ERR-8, MSA-3)."""
    out = value.replace("\\", "\\E\\")
    for char, code in (("|", "F"), ("^", "S"), ("&", "T"), ("~", "R")):
        out = out.replace(char, f"\\{code}\\")
    return " ".join(out.split())  # no segment terminators inside a field


def _field(value: str | None) -> str:
    return _escape(value or "")


def build_ack(
    *,
    code: str,
    control_id: str,
    now: datetime,
    ack_control_id: str,
    sending_application: str = "",
    sending_facility: str = "",
    trigger: str = "",
    version: str = "2.5.1",
    processing_id: str = "P",
    problems: Sequence[Hl7Problem] = (),
    text: str = "",
) -> str:
    """The ACK message (segments joined by carriage returns), addressed back to the sender."""
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            "REVCYCLE",
            "INTAKE",
            _field(sending_application),
            _field(sending_facility),
            now.strftime("%Y%m%d%H%M%S"),
            "",
            f"ACK^{_field(trigger)}^ACK" if trigger else "ACK",
            _field(ack_control_id),
            _field(processing_id) or "P",
            _field(version) or "2.5.1",
        ]
    )
    msa = "|".join(["MSA", code, _field(control_id), _field(text)])
    segments = [msh, msa]
    for problem in problems:
        location = [
            problem.segment,
            str(problem.sequence),
            str(problem.field) if problem.field is not None else "",
        ]
        error_text = ERROR_TEXT.get(problem.code, "")
        err1 = "^".join([*location, f"{problem.code}&{error_text}&HL70357"])
        erl = "^".join(
            [
                *location,
                "1" if problem.field is not None else "",
                str(problem.component) if problem.component else "",
            ]
        ).rstrip("^")
        err3 = f"{problem.code}^{error_text}^HL70357"
        segments.append(
            "|".join(["ERR", err1, erl, err3, "E", "", "", "", _escape(problem.reason)])
        )
    return "\r".join(segments)
