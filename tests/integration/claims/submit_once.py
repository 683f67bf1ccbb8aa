"""Test wrapper: one `submit_ready_claims` run, SIGKILLed at a crash point when asked.

Usage: python submit_once.py --outbound DIR [--crash-at prepared|sent]
Environment: DATABASE_URL. Prints the run's JSON report on success.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
from pathlib import Path

from services.claims.bootstrap import bootstrap
from services.claims.config import ClaimsSettings
from services.claims.submission import submit_ready_claims

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--outbound", required=True, type=Path)
    parser.add_argument("--crash-at")
    args = parser.parse_args()

    def crash(point: str) -> None:
        if point == args.crash_at:
            os.kill(os.getpid(), signal.SIGKILL)

    settings = ClaimsSettings(exchange_outbound_dir=args.outbound)
    deps = bootstrap(settings, crash_hook=crash)
    report = submit_ready_claims(deps)
    print(json.dumps({"submitted": report.submitted, "recovered": report.recovered}))
