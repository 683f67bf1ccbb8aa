"""FHIR R4 intake: `POST /fhir/Claim` and `POST /fhir` (transaction Bundle) become intake claims.

`validation` checks the JSON against the FHIR models (`fhir.resources`, R4B: see
docs/fhir-mapping.md for why R4B validates R4), `mapping` turns a valid R4 `Claim` and the
resources it references into the intake `Claim`, `outcome` builds the `OperationOutcome`
every error is, `store` keeps the received resource and `api` is the router.
"""
