"""Write 277CA (005010X214) claim acknowledgments: which claims of an 837 batch were accepted.

The clearinghouse/payer simulator answers each 837 batch with one 277CA: the receiver
level (2000B) totals the batch, one provider level (2000C) per billing provider totals its
claims, and one patient level (2000D) per claim carries that claim's status (STC): A1/A2
acknowledged/accepted (STC03 WQ), A3/A6/A7/A8 returned or rejected (STC03 U).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import DEFAULT_DELIMITERS, Party, TransactionSet, write_interchange
from shared.x12.segments import Delimiters, Segment, segment
from shared.x12.writing import bht_segment, d8, date_segment, member_name, money

__all__ = [
    "IMPLEMENTATION",
    "AckStatusWriteError",
    "ClaimStatus",
    "ProviderClaims",
    "ClaimAcknowledgment",
    "ACCEPTED_CATEGORIES",
    "build_277ca_body",
    "write_277ca",
]

IMPLEMENTATION = "005010X214"
ACCEPTED_CATEGORIES = frozenset({"A1", "A2", "A5"})
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8", "R3"})
ZERO = Decimal("0.00")


class AckStatusWriteError(ValueError):
    """The acknowledgment cannot be written as a valid 277CA."""


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    """Loop 2000D/2200D: one claim's status. `statuses` are (category, code, entity) STC01s."""

    patient_control_number: str  # 2200D TRN02 = the 837's CLM01
    charge: Decimal
    patient_last_name: str
    patient_first_name: str | None
    member_id: str
    statuses: tuple[tuple[str, str, str | None], ...]  # e.g. (("A2", "20", None),)
    service_from: date
    service_to: date | None = None
    payer_claim_number: str | None = None  # REF*1K
    clearinghouse_trace: str | None = None  # REF*D9
    bill_type: str | None = None  # REF*BLT (institutional claims)
    status_date: date | None = None  # STC02; the process date when None
    message: str | None = None  # STC12 free-form message

    @property
    def accepted(self) -> bool:
        return self.statuses[0][0] in ACCEPTED_CATEGORIES

    def __post_init__(self) -> None:
        if not self.statuses or len(self.statuses) > 3:
            raise AckStatusWriteError(
                f"claim {self.patient_control_number}: 1 to 3 status codes (STC01, STC10, STC11)"
            )
        for category, _code, _entity in self.statuses:
            if category not in ACCEPTED_CATEGORIES | REJECTED_CATEGORIES:
                raise AckStatusWriteError(
                    f"claim {self.patient_control_number}: {category!r} is not an "
                    "acknowledgment status category (A1-A8, R3)"
                )


@dataclass(frozen=True, slots=True)
class ProviderClaims:
    """Loop 2000C: a billing provider and the status of each of its claims."""

    name: str
    npi: str
    claims: tuple[ClaimStatus, ...]
    tax_id: str | None = None  # REF*TJ


@dataclass(frozen=True, slots=True)
class ClaimAcknowledgment:
    """One 277CA: the payer's (or clearinghouse's) answer to one 837 batch."""

    source_name: str  # 2100A: payer or clearinghouse
    source_id: str
    receiver_name: str  # 2100B: the 837 submitter
    receiver_id: str
    batch_reference: str  # 2200B TRN02: the 837's BHT03 (or file id)
    received_date: date
    processed_date: date
    providers: tuple[ProviderClaims, ...]
    reference: str = "1"  # BHT03 and 2100A TRN02

    def claims(self) -> list[ClaimStatus]:
        return [c for p in self.providers for c in p.claims]


def _stc(
    statuses: Sequence[tuple[str, str, str | None]],
    when: date | None,
    action: str | None,
    amount: Decimal | None,
    message: str | None = None,
) -> Segment:
    def composite(item: tuple[str, str, str | None]) -> list[str]:
        category, code, entity = item
        return [category, code, entity] if entity else [category, code]

    return segment(
        "STC",
        composite(statuses[0]),
        d8(when) if when else None,
        action,
        money(amount) if amount is not None else None,
        None, None, None, None, None,
        composite(statuses[1]) if len(statuses) > 1 else None,
        composite(statuses[2]) if len(statuses) > 2 else None,
        message,
    )  # fmt: skip


def _totals(claims: Sequence[ClaimStatus], qty_accepted: str, qty_rejected: str) -> list[Segment]:
    accepted = [c for c in claims if c.accepted]
    rejected = [c for c in claims if not c.accepted]
    out: list[Segment] = []
    if accepted:
        out.append(segment("QTY", qty_accepted, str(len(accepted))))
    if rejected:
        out.append(segment("QTY", qty_rejected, str(len(rejected))))
    if accepted:
        out.append(segment("AMT", "YU", money(sum((c.charge for c in accepted), ZERO))))
    if rejected:
        out.append(segment("AMT", "YY", money(sum((c.charge for c in rejected), ZERO))))
    return out


def build_277ca_body(ack: ClaimAcknowledgment, created_at: datetime) -> list[Segment]:
    """The segments of one 277CA transaction set between ST and SE."""
    claims = ack.claims()
    if not claims:
        raise AckStatusWriteError("a 277CA needs at least one claim")
    total = sum((c.charge for c in claims), ZERO)
    batch_ok = any(c.accepted for c in claims)
    out = [
        bht_segment("0085", "08", ack.reference, created_at, "TH"),
        segment("HL", "1", None, "20", "1"),
        segment("NM1", "PR", "2", ack.source_name, None, None, None, None, "46", ack.source_id),
        segment("TRN", "1", ack.reference),
        segment("DTP", "050", "D8", d8(ack.received_date)),
        segment("DTP", "009", "D8", d8(ack.processed_date)),
        segment("HL", "2", "1", "21", "1"),
        segment("NM1", "41", "2", ack.receiver_name, None, None, None, None, "46", ack.receiver_id),
        segment("TRN", "2", ack.batch_reference),
        # The batch as a whole: received (A1:19) when any claim went on, else rejected (A3).
        _stc(
            [("A1", "19", None) if batch_ok else ("A3", "19", None)],
            ack.processed_date,
            "WQ" if batch_ok else "U",
            total,
        ),
        *_totals(claims, "90", "AA"),
    ]
    counter = 2
    for provider in ack.providers:
        counter += 1
        provider_hl = counter
        provider_ok = any(c.accepted for c in provider.claims)
        out += [
            segment("HL", str(provider_hl), "2", "19", "1"),
            segment("NM1", "85", "2", provider.name, None, None, None, None, "XX", provider.npi),
            segment("TRN", "1", "0"),
            _stc(
                [("A1", "19", "85") if provider_ok else ("A3", "19", "85")],
                None,
                "WQ" if provider_ok else "U",
                sum((c.charge for c in provider.claims), ZERO),
            ),
        ]
        if provider.tax_id:
            out.append(segment("REF", "TJ", provider.tax_id))
        out += _totals(provider.claims, "QA", "QC")
        for claim in provider.claims:
            counter += 1
            out += [
                segment("HL", str(counter), str(provider_hl), "PT"),
                member_name(
                    "QC", claim.patient_last_name, claim.patient_first_name, claim.member_id
                ),
                segment("TRN", "2", claim.patient_control_number),
                _stc(
                    claim.statuses,
                    claim.status_date or ack.processed_date,
                    "WQ" if claim.accepted else "U",
                    claim.charge,
                    claim.message,
                ),
            ]
            if claim.payer_claim_number:
                out.append(segment("REF", "1K", claim.payer_claim_number))
            if claim.clearinghouse_trace:
                out.append(segment("REF", "D9", claim.clearinghouse_trace))
            if claim.bill_type:
                out.append(segment("REF", "BLT", claim.bill_type))
            out.append(date_segment("472", claim.service_from, claim.service_to))
    return out


def write_277ca(
    acks: Sequence[ClaimAcknowledgment],
    *,
    sender: Party,
    receiver: Party,
    created_at: datetime,
    numbers: ControlNumberSource,
    usage: str = "P",
    delimiters: Delimiters = DEFAULT_DELIMITERS,
) -> str:
    """One interchange with one 277CA per acknowledged 837 batch."""
    if not acks:
        raise AckStatusWriteError("nothing to write: no acknowledgment")
    return write_interchange(
        [TransactionSet("277", IMPLEMENTATION, build_277ca_body(a, created_at)) for a in acks],
        functional_id="HN",
        sender=sender,
        receiver=receiver,
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        delimiters=delimiters,
    )
