"""X12 835 Health Care Claim Payment/Advice (x12_835_005010X221A1): typed models, reader and writer."""
