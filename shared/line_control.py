"""Line item control numbers: how a claim's service line is named in an 837 and echoed in the 835.

The 837's REF*6R (loop 2400) is the provider's own identifier of a service line; payers
return it in the 835 (REF*6R, loop 2110), which lets a remittance line be matched to the
line billed even when the payer changed its procedure code or modifiers. Our claims name
a line by claim id and line number (at most 36 + 1 + 3 characters, within REF02's 50):

    >>> line_item_control_number("clm_0123456789abcdef0123456789abcdef", 2)
    'clm_0123456789abcdef0123456789abcdef.2'

An 837 writer that sends REF*6R uses this function; the remit service's line matching
reads it back with `line_number_of`.
"""

from __future__ import annotations


def line_item_control_number(claim_id: str, line_number: int) -> str:
    """The REF*6R value of a claim's service line."""
    return f"{claim_id}.{line_number}"


def line_number_of(control_number: str, claim_id: str) -> int | None:
    """The line number a REF*6R names on this claim, or None when it names no line of it."""
    prefix = f"{claim_id}."
    if not control_number.startswith(prefix):
        return None
    rest = control_number[len(prefix) :]
    return int(rest) if rest.isdigit() and not rest.startswith("0") else None
