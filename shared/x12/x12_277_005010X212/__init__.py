"""X12 277 Claim status response (x12_277_005010X212): typed models, reader and writer."""
