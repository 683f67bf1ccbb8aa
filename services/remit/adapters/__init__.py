"""The remit service's edge: files and protocols turned into its commands (X12 835, bank files)."""
