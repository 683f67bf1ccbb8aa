"""X12 277CA Claim acknowledgment (x12_277_005010X214): typed models, reader and writer."""
