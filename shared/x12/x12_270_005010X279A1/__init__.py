"""X12 270 Eligibility inquiry (x12_270_005010X279A1): typed models, reader and writer."""
