"""Edits on the people on a claim: patient demographics, subscriber and relationship."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shared.claim_model import Address, Relationship, Sex
from shared.scrubber.context import Scrubbing
from shared.scrubber.model import Category, Finding, Severity
from shared.scrubber.registry import edit

_ZIP = re.compile(r"^\d{5}(\d{4})?$")
_STATE = re.compile(r"^[A-Z]{2}$")
# Payers' member ids are letters, digits and sometimes hyphens; a space or a slash is
# nearly always a keying error (two ids pasted together, a group number appended).
_MEMBER_ID = re.compile(r"^[A-Za-z0-9-]{2,80}$")
# Medicare is billed to the beneficiary: the patient is always the subscriber (SBR02 = 18).
_MEDICARE_FILING = frozenset({"MA", "MB"})
_OLDEST_PLAUSIBLE_AGE = 120

E, W = Severity.ERROR, Severity.WARNING


@edit(
    "DM001",
    E,
    Category.DEMOGRAPHICS,
    "Patient last name missing",
    "The patient's last name (NM103) is empty; payers match the patient by name.",
    fix="Enter the patient's last name as on the insurance card.",
)
def patient_last_name(s: Scrubbing) -> Iterator[Finding]:
    if not s.patient.last_name:
        yield Finding(f"{s.patient_path}.last_name", "patient last name is missing")


@edit(
    "DM002",
    E,
    Category.DEMOGRAPHICS,
    "Patient first name missing",
    "The patient's first name (NM104) is empty; it is required for a person.",
    fix="Enter the patient's first name as on the insurance card.",
)
def patient_first_name(s: Scrubbing) -> Iterator[Finding]:
    if not s.patient.first_name:
        yield Finding(f"{s.patient_path}.first_name", "patient first name is missing")


@edit(
    "DM003",
    E,
    Category.DEMOGRAPHICS,
    "Patient birth date missing",
    "The patient's birth date (DMG02) is required to match the member and to check age edits.",
    fix="Enter the patient's date of birth.",
)
def patient_birth_date(s: Scrubbing) -> Iterator[Finding]:
    if s.patient.birth_date is None:
        yield Finding(f"{s.patient_path}.birth_date", "patient birth date is missing")


@edit(
    "DM004",
    E,
    Category.DEMOGRAPHICS,
    "Patient birth date implausible",
    f"The birth date is after today or more than {_OLDEST_PLAUSIBLE_AGE} years before the "
    "date of service: almost always a keying error.",
    fix="Check the birth date against the registration record.",
)
def patient_birth_date_plausible(s: Scrubbing) -> Iterator[Finding]:
    born = s.patient.birth_date
    if born is None:
        return
    field = f"{s.patient_path}.birth_date"
    if born > s.today:
        yield Finding(field, "patient birth date is in the future")
        return
    on = s.service_date or s.today
    if on.year - born.year > _OLDEST_PLAUSIBLE_AGE:
        yield Finding(
            field, f"patient would be over {_OLDEST_PLAUSIBLE_AGE} on the date of service"
        )


@edit(
    "DM005",
    E,
    Category.DEMOGRAPHICS,
    "Patient sex missing",
    "The patient's sex code (DMG03) is required; sex-specific diagnosis edits depend on it.",
    fix="Enter M, F or U (unknown).",
)
def patient_sex_missing(s: Scrubbing) -> Iterator[Finding]:
    if s.patient.sex is None:
        yield Finding(f"{s.patient_path}.sex", "patient sex code is missing")


@edit(
    "DM006",
    W,
    Category.DEMOGRAPHICS,
    "Patient sex unknown",
    "Sex code U is accepted, but sex-specific diagnoses cannot be checked and some payers "
    "pend such claims.",
    fix="Enter M or F when the registration record has it.",
)
def patient_sex_unknown(s: Scrubbing) -> Iterator[Finding]:
    if s.patient.sex is Sex.UNKNOWN:
        yield Finding(f"{s.patient_path}.sex", "patient sex is U (unknown)")


def _address_problems(address: Address, path: str) -> Iterator[Finding]:
    if not _ZIP.match(address.postal_code):
        yield Finding(f"{path}.postal_code", "ZIP code must be 5 or 9 digits")
    if not _STATE.match(address.state):
        yield Finding(f"{path}.state", "state must be a two-letter code")


@edit(
    "DM007",
    E,
    Category.DEMOGRAPHICS,
    "Patient address missing",
    "The patient's (or subscriber-patient's) address, N3/N4 of loop 2010BA or 2010CA, is required.",
    fix="Enter the patient's street, city, state and ZIP.",
)
def patient_address_missing(s: Scrubbing) -> Iterator[Finding]:
    if s.patient.address is None:
        yield Finding(f"{s.patient_path}.address", "patient address is missing")


@edit(
    "DM008",
    E,
    Category.DEMOGRAPHICS,
    "Patient address malformed",
    "The patient's ZIP code must be 5 or 9 digits and the state a two-letter code.",
    fix="Correct the ZIP (digits only, 5 or 9) and the state code.",
)
def patient_address_format(s: Scrubbing) -> Iterator[Finding]:
    if s.patient.address is not None:
        yield from _address_problems(s.patient.address, f"{s.patient_path}.address")


@edit(
    "SB001",
    E,
    Category.SUBSCRIBER,
    "Member id missing",
    "The subscriber's member id (NM109 of loop 2010BA) is empty.",
    fix="Enter the member id from the insurance card.",
)
def member_id_missing(s: Scrubbing) -> Iterator[Finding]:
    if not s.claim.subscriber.member_id:
        yield Finding("subscriber.member_id", "member id is missing")


@edit(
    "SB002",
    E,
    Category.SUBSCRIBER,
    "Member id malformed",
    "A member id is 2 to 80 letters, digits or hyphens; spaces and other characters are "
    "nearly always keying errors and the payer will not find the member.",
    fix="Re-key the member id exactly as on the card, without spaces or punctuation.",
)
def member_id_format(s: Scrubbing) -> Iterator[Finding]:
    member_id = s.claim.subscriber.member_id
    if member_id and not _MEMBER_ID.match(member_id):
        yield Finding(
            "subscriber.member_id",
            "member id must be 2 to 80 letters, digits or hyphens",
        )


@edit(
    "SB003",
    E,
    Category.SUBSCRIBER,
    "Relationship self with a different patient",
    "Relationship 18 (self) says the patient is the subscriber, yet a separate patient with a "
    "different name or birth date is given.",
    fix="Set the patient's relationship to the subscriber (19 child, 01 spouse...) or remove "
    "the separate patient.",
)
def self_with_other_patient(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    if claim.relationship is not Relationship.SELF or claim.patient is None:
        return
    if not _same_person(claim.patient, claim.subscriber):
        yield Finding(
            "relationship", "relationship is 18 (self) but the patient is not the subscriber"
        )


@edit(
    "SB004",
    E,
    Category.SUBSCRIBER,
    "Dependent without patient",
    "The relationship is not self, so the patient (loop 2000C/2010CA) must be given.",
    fix="Enter the patient's name, birth date and sex, or set the relationship to 18 (self).",
)
def dependent_without_patient(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    if claim.relationship is not Relationship.SELF and claim.patient is None:
        yield Finding(
            "patient",
            f"relationship is {claim.relationship.value} but no patient is given",
        )


@edit(
    "SB005",
    W,
    Category.SUBSCRIBER,
    "Dependent identical to subscriber",
    "The separate patient has the subscriber's name and birth date although the relationship "
    "is not self: probably the subscriber themselves.",
    fix="Set the relationship to 18 (self) and remove the separate patient, or correct the "
    "patient.",
)
def dependent_same_as_subscriber(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    if (
        claim.relationship is not Relationship.SELF
        and claim.patient is not None
        and _same_person(claim.patient, claim.subscriber)
    ):
        yield Finding("relationship", "the patient has the subscriber's name and birth date")


@edit(
    "SB006",
    E,
    Category.SUBSCRIBER,
    "Subscriber name missing",
    "When the patient is a dependent, the subscriber's own last and first name are still required.",
    fix="Enter the subscriber's name as on the insurance card.",
)
def subscriber_name(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    if claim.patient is None:
        return  # the patient edits DM001/DM002 already judge this person
    if not claim.subscriber.last_name:
        yield Finding("subscriber.last_name", "subscriber last name is missing")
    if not claim.subscriber.first_name:
        yield Finding("subscriber.first_name", "subscriber first name is missing")


@edit(
    "SB007",
    E,
    Category.SUBSCRIBER,
    "Medicare patient not the subscriber",
    "Medicare (filing indicator MA/MB) covers the beneficiary only: the relationship must be "
    "18 (self).",
    fix="Bill the beneficiary as the subscriber with relationship 18, under their own MBI.",
)
def medicare_self_only(s: Scrubbing) -> Iterator[Finding]:
    claim = s.claim
    if (
        claim.payer.claim_filing_indicator in _MEDICARE_FILING
        and claim.relationship is not Relationship.SELF
    ):
        yield Finding("relationship", "Medicare claims require relationship 18 (self)")


def _same_person(a: object, b: object) -> bool:
    def key(p: object) -> tuple[object, ...]:
        return (
            (getattr(p, "last_name", "") or "").casefold(),
            (getattr(p, "first_name", "") or "").casefold(),
            getattr(p, "birth_date", None),
        )

    return key(a) == key(b)
