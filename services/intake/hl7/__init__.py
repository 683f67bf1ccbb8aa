"""HL7 v2 intake over MLLP: ADT and DFT^P03 messages become visits, and visits become claims.

`message` reads a message (the `hl7` package parses, see there why that one) into typed
parts and names each problem as an ERR location; `ack` writes the ACK; `visit` is the
visit stream's pure rules and the claim a visit becomes; `service` applies a message
through the kernel (idempotent by MSH-10); `mllp` is the socket server; `release` bills
visits whose bill hold ended. docs/hl7.md is the field-by-field description.
"""
