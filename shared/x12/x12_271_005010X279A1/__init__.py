"""X12 271 Eligibility response (x12_271_005010X279A1): typed models, reader and writer."""
