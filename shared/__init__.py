"""Code shared by every service: events, event store, messaging, X12, code sets, config."""
