"""Test wrapper: the real relay (`revcycle relay run` settings and options), SIGKILLed after N
records were handed to the producer, with records in flight.

Usage: python tests/integration/relay/crashing_relay.py N [--topic-prefix P] [--batch-size B]
"""

from __future__ import annotations

import argparse
import logging

from revcycle.commands.relay import RelaySettings, run_relay
from testsupport.crash import CrashingPublisher

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("sends", type=int)
    parser.add_argument("--topic-prefix")
    parser.add_argument("--batch-size", type=int)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    run_relay(
        RelaySettings(),
        topic_prefix=args.topic_prefix,
        batch_size=args.batch_size,
        create_topics=False,
        wrap_publisher=lambda producer: CrashingPublisher(producer, args.sends),
    )
