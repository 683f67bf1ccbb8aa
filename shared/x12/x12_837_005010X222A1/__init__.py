"""X12 837 Professional claim (x12_837_005010X222A1): typed models, reader and writer."""
