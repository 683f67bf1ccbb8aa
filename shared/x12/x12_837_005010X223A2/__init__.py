"""X12 837 Institutional claim (x12_837_005010X223A2): typed models, reader and writer."""
