"""X12 TA1 Interchange acknowledgment (ISA version 00501): typed model, reader and writer."""
