"""Intake adapters: outside formats (X12 837, FHIR, JSON) translated to the intake Claim."""
