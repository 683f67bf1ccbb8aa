"""Eligibility (270/271): intake asks the payer whether a claim's coverage is active.

`process` reacts to `claim.eligibility_requested` (answering from the cache, or sending a
270 through the clearinghouse adapter); `ingest` reads the 271 (`revcycle ingest FILE.271`)
into `claim.eligibility_verified` or `claim.eligibility_failed`, holding a claim whose
coverage is inactive; `answers` is the pure reading of a 271; `api` is `POST
/v1/eligibility`; `tables` keeps the inquiries sent and the answers per member, payer, date.
"""
