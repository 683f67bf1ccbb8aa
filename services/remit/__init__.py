"""remit package."""
