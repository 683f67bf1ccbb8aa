"""X12 276 Claim status request (x12_276_005010X212): typed models, reader and writer."""
