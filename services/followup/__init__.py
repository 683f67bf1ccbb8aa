"""followup package."""
