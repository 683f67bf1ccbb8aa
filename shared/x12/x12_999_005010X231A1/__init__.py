"""X12 999 Implementation acknowledgment (x12_999_005010X231A1): typed models, reader and writer."""
