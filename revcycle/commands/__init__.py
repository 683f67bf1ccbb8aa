"""Command groups of the revcycle CLI, one module each."""
