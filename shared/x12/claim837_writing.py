"""Loops shared by the 837P (005010X222A1) and 837I (005010X223A2) writers.

Both guides have the same hierarchy and envelope: header (BHT, 1000A/1000B), one billing
provider loop (2000A) per distinct billing provider, one subscriber loop (2000B) per claim,
a patient loop (2000C) when the patient is not the subscriber, other payers (2320/2330x)
and prior-payer line adjudication (2430). Each writer supplies only its own loop 2300/2400.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.claim_model import (
    Claim,
    ClaimKind,
    Frequency,
    OtherPayer,
    Payer,
    PriorLineAdjudication,
    Provider,
    Relationship,
    ServiceLine,
    Subscriber,
)
from shared.x12.control_numbers import ControlNumberSource
from shared.x12.envelope_writer import Party, TransactionSet, write_interchange
from shared.x12.segments import Delimiters, Segment, segment
from shared.x12.writing import (
    address_segments,
    bht_segment,
    cas_segments,
    d8,
    demographics,
    money,
    payer_name,
    person_name,
    provider_nm1,
    quantity,
    reference_or_timestamp,
)

__all__ = [
    "ClaimWriteError",
    "Submitter",
    "Receiver",
    "ClaimSegments",
    "provider_name",
    "clm_segment",
    "claim_references",
    "other_payer_segments",
    "medicare_secondary_type",
    "other_payers_and_lines",
    "line_adjudication_segments",
    "drug_segments",
    "service_facility_segments",
    "build_837_body",
    "write_837",
]

# Loop 2300 and its children for one claim: what differs between 837P and 837I.
ClaimSegments = Callable[[Claim], list[Segment]]


class ClaimWriteError(ValueError):
    """A claim cannot be written as an 837: names the claim (CLM01) and the field."""

    def __init__(self, claim: Claim | None, problem: str) -> None:
        where = f"claim {claim.patient_control_number}: " if claim is not None else ""
        super().__init__(where + problem)


@dataclass(frozen=True, slots=True)
class Submitter:
    """Loop 1000A: who sends the file (us, or the clearinghouse account we use)."""

    name: str
    id: str
    contact_name: str
    phone: str  # digits only, e.g. 8135550100


@dataclass(frozen=True, slots=True)
class Receiver:
    """Loop 1000B: who receives the file (clearinghouse or payer)."""

    name: str
    id: str


def provider_name(entity: str, provider: Provider, claim: Claim) -> Segment:
    """NM1 for a provider: an organisation (NM102=2) or a person (NM102=1), with its NPI."""
    if not provider.organization_name and not provider.last_name:
        raise ClaimWriteError(claim, f"provider {entity} needs an organization or last name")
    return provider_nm1(entity, provider, "XX" if provider.npi else None)


def payer_segments(payer: Payer) -> list[Segment]:
    """Loop 2010BB / 2330B head: payer name and id (NM1*PR), its address when known."""
    return [
        payer_name(payer),
        *address_segments(payer.address),
    ]


def subscriber_loop_segments(claim: Claim) -> list[Segment]:
    """SBR, 2010BA subscriber and 2010BB payer of loop 2000B (after its HL)."""
    subscriber: Subscriber = claim.subscriber
    is_patient = claim.relationship is Relationship.SELF
    out = [
        segment(
            "SBR",
            "P" if not claim.other_payers else _responsibility_after(claim.other_payers),
            "18" if is_patient else None,
            subscriber.group_number,
            subscriber.group_name if not subscriber.group_number else None,
            medicare_secondary_type(claim),
            None,
            None,
            None,
            claim.payer.claim_filing_indicator,
        ),  # fmt: skip
        person_name("IL", subscriber, "MI", subscriber.member_id),
        *address_segments(subscriber.address),
    ]
    # DMG in 2010BA is required when the subscriber is the patient, and not sent otherwise.
    if is_patient:
        out += demographics(subscriber)
    out += payer_segments(claim.payer)
    return out


MEDICARE_FILING_INDICATORS = frozenset({"MA", "MB"})
"""SBR09 codes naming Medicare (Part A, Part B) as the payer."""

# SBR05 (X222A1 2000B) from the claim filing indicator (SBR09) of the payer Medicare is
# secondary to: no-fault and auto (14), workers' compensation (15), another federal
# program (16), veterans' plan (42), liability (47). Any other primary (a group health
# plan) is the working aged (12) or the disabled beneficiary's large group plan (43).
_SECONDARY_TO: dict[str, str] = {
    "AM": "14",
    "WC": "15",
    "OF": "16",
    "VA": "42",
    "LI": "47",
    "LM": "47",
}


def medicare_secondary_type(claim: Claim) -> str | None:
    """837P 2000B SBR05 (Insurance Type Code), or None when the guide says not to send it.

    X222A1 requires it when the destination payer is Medicare and Medicare is not the
    primary payer, and forbids it otherwise; X223A2 does not use it. The claim carries no
    such field (its snapshot is a frozen contract): it is derived from what the claim says.
    The payer primary to Medicare is the first-ranked other payer; its claim filing
    indicator gives the reason (`_SECONDARY_TO`); a group health plan gives 12 when the
    patient was 65 or older on the first date of service, else 43 (disability). ESRD (13)
    and black lung (41) cannot be told from the claim: a claim in those cases needs the
    code set by hand before it goes out.
    """
    if claim.kind is not ClaimKind.PROFESSIONAL or not claim.other_payers:
        return None
    if claim.payer.claim_filing_indicator not in MEDICARE_FILING_INDICATORS:
        return None
    if _responsibility_after(claim.other_payers) == "P":
        return None  # Medicare is billed as the primary payer (the others come after it)
    return _why_medicare_is_secondary(claim, "2000B")


def other_medicare_secondary_type(claim: Claim, other: OtherPayer) -> str | None:
    """837P 2320 SBR05 for `other`, or None when the guide says not to send it.

    X222A1 2320 SBR05 is required when the other payer of the loop (2330B) is Medicare and
    Medicare was not the primary payer (a tertiary claim after a group plan and Medicare,
    say), and not sent otherwise; X223A2 does not use it. The code is chosen as for 2000B:
    from the payer primary to Medicare (the first-ranked other payer).
    """
    if claim.kind is not ClaimKind.PROFESSIONAL:
        return None
    if other.payer.claim_filing_indicator not in MEDICARE_FILING_INDICATORS:
        return None
    if other.responsibility == "P":
        return None  # Medicare was the primary payer
    return _why_medicare_is_secondary(claim, "2320")


def _why_medicare_is_secondary(claim: Claim, loop: str) -> str:
    """The insurance type code saying why Medicare is not primary (see the two above)."""
    ranks = "PSTABCDEFGH"
    primary = min(
        claim.other_payers,
        key=lambda o: ranks.index(o.responsibility) if o.responsibility in ranks else 99,
    )
    indicator = primary.payer.claim_filing_indicator
    if indicator in _SECONDARY_TO:
        return _SECONDARY_TO[indicator]
    born = claim.patient_person.birth_date
    served = claim.first_service_date
    if born is None or served is None:
        raise ClaimWriteError(
            claim,
            f"Medicare is not the primary payer: {loop} SBR05 (insurance type code) is "
            "required, and the patient's birth date and the date of service are needed to "
            "choose it (12 working aged, 43 disabled)",
        )
    age = served.year - born.year - ((served.month, served.day) < (born.month, born.day))
    return "12" if age >= 65 else "43"


def _responsibility_after(others: Sequence[OtherPayer]) -> str:
    """SBR01 for the payer billed now: the next rank after those already on the claim."""
    ranks = "PSTABCDEFGH"
    taken = {o.responsibility for o in others}
    for code in ranks:
        if code not in taken:
            return code
    return "U"


def patient_loop_segments(claim: Claim) -> list[Segment]:
    """PAT and 2010CA of loop 2000C (after its HL), for a patient who is not the subscriber."""
    patient = claim.patient_person
    if patient.birth_date is None or patient.sex is None:
        raise ClaimWriteError(claim, "patient birth date and sex are required (2010CA DMG)")
    return [
        segment("PAT", claim.relationship.value),
        person_name("QC", patient, "", None),
        *address_segments(patient.address),
        *demographics(patient),
    ]


def needs_patient_loop(claim: Claim) -> bool:
    return claim.relationship is not Relationship.SELF


def clm_segment(claim: Claim, facility_code: str, form_code: str, signature: str | None) -> Segment:
    """CLM of loop 2300: CLM05 is facility code, form code ('B' 837P, 'A' 837I), frequency."""
    return segment(
        "CLM",
        claim.patient_control_number,
        money(claim.total_charge),
        None,
        None,
        [facility_code, form_code, claim.frequency.value],
        signature,
        "A" if claim.accept_assignment else "C",
        "Y",
        "Y",
    )


def claim_references(claim: Claim) -> list[Segment]:
    """REF segments of loop 2300 in guide order (F8 payer claim control number, 9F, G1)."""
    out: list[Segment] = []
    if claim.frequency in (Frequency.REPLACEMENT, Frequency.VOID):
        if not claim.original_payer_claim_number:
            raise ClaimWriteError(claim, "frequency 7/8 needs original_payer_claim_number (REF*F8)")
        out.append(segment("REF", "F8", claim.original_payer_claim_number))
    if claim.referral_number:
        out.append(segment("REF", "9F", claim.referral_number))
    if claim.prior_authorization:
        out.append(segment("REF", "G1", claim.prior_authorization))
    return out


def other_payer_segments(claim: Claim, other: OtherPayer) -> list[Segment]:
    """Loops 2320 (SBR, CAS, AMT*D, OI), 2330A (other subscriber) and 2330B (other payer)."""
    out = [
        segment(
            "SBR",
            other.responsibility,
            other.relationship.value,
            other.subscriber.group_number,
            other.subscriber.group_name if not other.subscriber.group_number else None,
            other_medicare_secondary_type(claim, other),
            None,
            None,
            None,
            other.payer.claim_filing_indicator,
        ),  # fmt: skip
        *cas_segments(other.claim_adjustments),
    ]
    if other.paid_amount is not None:
        out.append(segment("AMT", "D", money(other.paid_amount)))
    out.append(segment("OI", None, None, "Y", None, None, "Y"))
    out.append(person_name("IL", other.subscriber, "MI", other.subscriber.member_id))
    out += address_segments(other.subscriber.address)
    out += payer_segments(other.payer)
    if other.adjudication_date is not None and not other.line_adjudications:
        # 2330B DTP*573 only when no line-level (2430) adjudication dates are given.
        out.append(segment("DTP", "573", "D8", d8(other.adjudication_date)))
    return out


def other_payers_and_lines(
    claim: Claim, line_segments: Callable[[Claim, ServiceLine], list[Segment]]
) -> list[Segment]:
    """The end of loop 2300: other payers (2320/2330x), then each line (2400) as `line_segments`.

    LX01 is the guide's assigned number: 1 for the first service line, incremented by one
    for each next line (pyx12 checks the count). A claim's own line numbers may skip (an
    office's charge lines, FHIR item sequences) and are the claim's identity of a line
    inside our services (2430 is matched to its line by them), so the line segments get the
    line's position for LX01, never its number."""
    out: list[Segment] = []
    for other in claim.other_payers:
        out += other_payer_segments(claim, other)
    for position, line in enumerate(claim.lines, start=1):
        out += lx_first(line_segments(claim, line), position)
    return out


def lx_first(segments: list[Segment], position: int) -> list[Segment]:
    """The line's segments with LX01 set to its position in the claim (see above)."""
    if not segments or segments[0].id != "LX":
        raise ValueError("a service line's segments must begin with LX")
    return [segment("LX", str(position)), *segments[1:]]


def line_adjudication_segments(claim: Claim, line: ServiceLine) -> list[Segment]:
    """Loop 2430 for `line`: each prior payer's SVD, CAS and DTP*573."""
    out: list[Segment] = []
    for other in claim.other_payers:
        for adjudication in other.line_adjudications:
            if adjudication.line_number != line.line_number:
                continue
            out += _svd(other, adjudication, line)
    return out


def _svd(other: OtherPayer, adj: PriorLineAdjudication, line: ServiceLine) -> list[Segment]:
    procedure = ["HC", adj.procedure_code]
    if line.revenue_code and not adj.procedure_code:
        procedure = []
    return [
        segment(
            "SVD",
            other.payer.payer_id,
            money(adj.paid_amount),
            procedure or None,
            line.revenue_code if line.revenue_code and not adj.procedure_code else None,
            quantity(adj.paid_units),
        ),  # fmt: skip
        *cas_segments(adj.adjustments),
        segment("DTP", "573", "D8", d8(adj.adjudication_date)),
    ]


def check_batch(claims: Sequence[Claim], kind: ClaimKind) -> None:
    if not claims:
        raise ClaimWriteError(None, "a batch needs at least one claim")
    payer_ids = {c.payer.payer_id for c in claims}
    if len(payer_ids) != 1:
        raise ClaimWriteError(None, f"one file is for one payer; got payers {sorted(payer_ids)}")
    for claim in claims:
        if claim.kind is not kind:
            raise ClaimWriteError(claim, f"is {claim.kind.value}, not {kind.value}")
        if claim.billing_provider is None or not claim.billing_provider.npi:
            raise ClaimWriteError(claim, "billing provider with an NPI is required (2010AA)")
        if claim.billing_provider.address is None:
            raise ClaimWriteError(claim, "billing provider address is required (2010AA N3/N4)")
        if not claim.billing_provider.tax_id:
            raise ClaimWriteError(claim, "billing provider tax id is required (2010AA REF*EI)")
        if claim.relationship is not Relationship.SELF and claim.patient is None:
            raise ClaimWriteError(
                claim, f"relationship {claim.relationship.value} needs the patient (2010CA)"
            )
        if claim.total_charge != claim.line_total:
            raise ClaimWriteError(
                claim, f"CLM02 {claim.total_charge} differs from the line total {claim.line_total}"
            )


def billing_provider_segments(provider: Provider, claim: Claim) -> list[Segment]:
    """PRV (2000A) and loop 2010AA after the 2000A HL."""
    out: list[Segment] = []
    if provider.taxonomy:
        out.append(segment("PRV", "BI", "PXC", provider.taxonomy))
    out.append(provider_name("85", provider, claim))
    out += address_segments(provider.address)
    out.append(segment("REF", "EI", provider.tax_id))
    return out


def header_segments(
    submitter: Submitter, receiver: Receiver, reference: str, created_at: datetime, purpose: str
) -> list[Segment]:
    """BHT and loops 1000A/1000B."""
    return [
        bht_segment("0019", "00", reference, created_at, purpose),
        segment("NM1", "41", "2", submitter.name, None, None, None, None, "46", submitter.id),
        segment("PER", "IC", submitter.contact_name, "TE", submitter.phone),
        segment("NM1", "40", "2", receiver.name, None, None, None, None, "46", receiver.id),
    ]


def hierarchy(
    claims: Sequence[Claim],
    claim_segments: ClaimSegments,
) -> list[Segment]:
    """HL 20 per billing provider, HL 22 per claim's subscriber, HL 23 for another patient."""
    out: list[Segment] = []
    counter = 0
    groups: dict[tuple[str | None, str | None], list[Claim]] = {}
    for claim in claims:
        provider = claim.billing_provider
        assert provider is not None  # checked by check_batch
        groups.setdefault((provider.npi, provider.tax_id), []).append(claim)
    for group in groups.values():
        counter += 1
        provider_hl = counter
        provider = group[0].billing_provider
        assert provider is not None
        out.append(segment("HL", str(provider_hl), None, "20", "1"))
        out += billing_provider_segments(provider, group[0])
        for claim in group:
            counter += 1
            subscriber_hl = counter
            child = needs_patient_loop(claim)
            out.append(
                segment("HL", str(subscriber_hl), str(provider_hl), "22", "1" if child else "0")
            )
            out += subscriber_loop_segments(claim)
            if child:
                counter += 1
                out.append(segment("HL", str(counter), str(subscriber_hl), "23", "0"))
                out += patient_loop_segments(claim)
            out += claim_segments(claim)
    return out


def service_facility_segments(claim: Claim) -> list[Segment]:
    """Loop 2310C (837P) / 2310E (837I): service facility name and address, when given."""
    if claim.service_facility is None:
        return []
    return [
        provider_name("77", claim.service_facility, claim),
        *address_segments(claim.service_facility.address),
    ]


def drug_segments(line: ServiceLine) -> list[Segment]:
    """Loop 2410: the line's drug (LIN*N4 with its NDC, CTP quantity), when given."""
    if not line.ndc:
        return []
    return [segment("LIN", None, "N4", line.ndc), segment("CTP", None, None, None, "1", ["UN"])]


def build_837_body(
    claims: Sequence[Claim],
    kind: ClaimKind,
    claim_segments: ClaimSegments,
    *,
    submitter: Submitter,
    receiver: Receiver,
    reference: str,
    created_at: datetime,
) -> list[Segment]:
    """The segments of one 837 transaction set between ST and SE, all claims of `kind`."""
    check_batch(claims, kind)
    return [
        *header_segments(submitter, receiver, reference, created_at, "CH"),
        *hierarchy(claims, claim_segments),
    ]


def write_837(
    claims: Sequence[Claim],
    kind: ClaimKind,
    implementation: str,
    claim_segments: ClaimSegments,
    *,
    submitter: Submitter,
    receiver: Receiver,
    created_at: datetime,
    numbers: ControlNumberSource,
    reference: str | None,
    sender: Party | None,
    receiver_party: Party | None,
    usage: str,
    delimiters: Delimiters,
) -> str:
    """One 837 file for `claims` (all for one payer), enveloped with fresh control numbers."""
    if created_at.tzinfo is None:
        raise ClaimWriteError(None, "created_at must be timezone-aware")
    body = build_837_body(
        claims,
        kind,
        claim_segments,
        submitter=submitter,
        receiver=receiver,
        reference=reference_or_timestamp(reference, created_at),
        created_at=created_at,
    )
    return write_interchange(
        [TransactionSet("837", implementation, body)],
        functional_id="HC",
        sender=sender or Party(submitter.id),
        receiver=receiver_party or Party(receiver.id),
        created_at=created_at,
        numbers=numbers,
        usage=usage,
        delimiters=delimiters,
    )
