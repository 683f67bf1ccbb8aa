"""The scrubber's edits, one module per area; importing this package registers them all."""

# ruff: isort: skip_file
from shared.scrubber.edits import (  # noqa: F401  (import order is the edits' run order)
    people,
    parties,
    diagnoses,
    procedures,
    ncci,
    dates_and_claim,
    institutional,
)
