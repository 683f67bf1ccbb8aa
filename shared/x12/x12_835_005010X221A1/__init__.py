"""X12 835 Health Care Claim Payment/Advice (005010X221A1): typed models, reader and writer."""
