"""The claim scrubber: edits that catch what payers would reject, before they see the claim.

Usage::

    context = ScrubContext(today=..., codes=load_code_sets(), rules=load_payer_rules())
    result = scrub_claim(claim, context)
    result.held, result.edits, result.claim  # the claim as the payer rules corrected it
"""

from shared.scrubber.context import ScrubContext
from shared.scrubber.engine import ScrubResult, default_context, scrub, scrub_claim
from shared.scrubber.fingerprint import claim_fingerprint
from shared.scrubber.model import Category, Edit, EditSpec, Severity
from shared.scrubber.registry import REGISTRY
from shared.scrubber.rules import PayerRules, PayerRulesError, load_payer_rules, parse_payer_rules

__all__ = [
    "REGISTRY",
    "Category",
    "Edit",
    "EditSpec",
    "PayerRules",
    "PayerRulesError",
    "ScrubContext",
    "ScrubResult",
    "Severity",
    "claim_fingerprint",
    "default_context",
    "load_payer_rules",
    "parse_payer_rules",
    "scrub",
    "scrub_claim",
]
