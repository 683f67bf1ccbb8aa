"""Test wrapper: the real follow-up worker, SIGKILLed after N database commits.

Usage: python tests/integration/consumer/crashing_worker.py N [worker arguments...]
The kill comes after the database commit and before the Kafka offset commit.
"""

from __future__ import annotations

import sys

from services.followup.worker import main
from testsupport.crash import kill_after_db_commits

if __name__ == "__main__":
    main(sys.argv[2:], after_db_commit=kill_after_db_commits(int(sys.argv[1])))
