"""An R4 `Claim` (and the resources it references) as the intake `Claim`, field by field.

Runs on a resource `validation` found structurally valid; what a claim needs beyond FHIR's
own rules (a member id on the coverage, a charge on each item, a professional or
institutional type) is checked here and reported as issues with FHIRPath locations, all
of them at once. The table of what maps to what, with the codes and systems read, is
docs/fhir-mapping.md; keep the two together.

References are resolved among the claim's `contained` resources (`#id`) and, for a claim
posted in a transaction Bundle, among the Bundle's entries (by `fullUrl`, or `Type/id`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from services.intake.fhir.outcome import Issue
from shared.claim_model import (
    MAX_LINES,
    Address,
    Claim,
    ClaimKind,
    OtherPayer,
    Payer,
    Person,
    Provider,
    Relationship,
    ServiceLine,
    Sex,
    Subscriber,
)
from shared.money import MoneyError, to_money

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
TIN_SYSTEM = "urn:oid:2.16.840.1.113883.4.4"
CLAIM_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/claim-type"
ICD10_SYSTEMS = ("http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10")
PROCEDURE_SYSTEMS = ("http://www.ama-assn.org/go/cpt", "urn:oid:2.16.840.1.113883.6.285")
"""CPT, then HCPCS Level II: the codes an 837 line carries (SV101-2, SV202-2)."""
REVENUE_SYSTEMS = ("https://www.nubc.org/CodeSystem/RevenueCodes",)
PLACE_OF_SERVICE_SYSTEMS = (
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set",
)
NDC_SYSTEM = "http://hl7.org/fhir/sid/ndc"
SOURCE_OF_PAYMENT_SYSTEM = "https://nahdo.org/sopt"
"""Coverage.type: the Source of Payment Typology US Core and CARIN use."""
RESPONSIBILITY = "PSTABCDEFGH"
"""SBR01 by position in the payer order: primary, secondary, tertiary, then payers 4 to 11."""

RELATIONSHIPS = {
    # Coverage.relationship (subscriber-relationship) -> X12 individual relationship code.
    "self": Relationship.SELF,
    "spouse": Relationship.SPOUSE,
    "child": Relationship.CHILD,
    "common": Relationship.LIFE_PARTNER,
    "parent": Relationship.OTHER,
    "injured": Relationship.OTHER,
    "other": Relationship.OTHER,
}
SEXES = {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.UNKNOWN, "unknown": Sex.UNKNOWN}
CARE_TEAM_ROLES = {
    # careTeam.role codes (claimcareteamrole, and CARIN's C4BBClaimCareTeamRole) -> claim field.
    "primary": "rendering_provider",
    "rendering": "rendering_provider",
    "performing": "rendering_provider",
    "attending": "attending_provider",
    "referring": "referring_provider",
}
INSTITUTIONAL_INFO = {
    # supportingInfo.category codes (CARIN C4BBSupportingInfoType) -> claim field.
    "typeofbill": "type_of_bill",
    "admtype": "admission_type",
    "pointoforigin": "admission_source",
    "discharge-status": "discharge_status",
}


FHIR_ELEMENTS = {
    # Intake claim field -> the FHIR element it came from, to name a value the claim model
    # refuses (too long for its X12 element, characters X12 cannot carry) where it was sent.
    "patient_control_number": "identifier",
    "total_charge": "total",
    "line_number": "sequence",
    "procedure_code": "productOrService",
    "modifiers": "modifier",
    "revenue_code": "revenue",
    "units": "quantity.value",
    "charge": "net",
    "service_date": "servicedDate",
    "place_of_service": "locationCodeableConcept",
    "ndc": "productOrService",
    "last_name": "name.family",
    "first_name": "name.given",
    "middle_name": "name.given",
    "suffix": "name.suffix",
    "birth_date": "birthDate",
    "member_id": "subscriberId",
    "group_number": "class.value",
    "group_name": "class.name",
    "npi": "identifier",
    "tax_id": "identifier",
    "organization_name": "name",
    "payer_id": "identifier",
    "name": "name",
    "line1": "line",
    "line2": "line",
    "city": "city",
    "state": "state",
    "postal_code": "postalCode",
    "country": "country",
    "diagnoses": "diagnosis",
    "prior_authorization": "insurance.preAuthRef",
    "statement_from": "billablePeriod.start",
    "statement_to": "billablePeriod.end",
    "type_of_bill": "supportingInfo",
    "admission_type": "supportingInfo",
    "admission_source": "supportingInfo",
    "discharge_status": "supportingInfo",
    "drg": "diagnosis.packageCode",
    "lines": "item",
}


class ClaimMappingError(Exception):
    """The resource is valid FHIR but cannot become a claim; every issue found."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(f"{len(issues)} issue(s)")
        self.issues = issues


@dataclass(frozen=True)
class Located:
    """A resource and the FHIRPath of where it sits in the request."""

    resource: Mapping[str, Any]
    path: str


@dataclass
class References:
    """What a reference may point at: the claim's contained resources, a Bundle's entries."""

    by_key: dict[str, Located] = field(default_factory=dict)

    @classmethod
    def of_claim(cls, claim: Mapping[str, Any], path: str, bundle: References | None) -> References:
        found = dict(bundle.by_key) if bundle is not None else {}
        for index, resource in enumerate(claim.get("contained") or ()):
            if isinstance(resource, dict) and resource.get("id"):
                found["#" + str(resource["id"])] = Located(resource, f"{path}.contained[{index}]")
        return cls(found)

    @classmethod
    def of_bundle(cls, entries: list[tuple[str | None, Mapping[str, Any], str]]) -> References:
        """From (fullUrl, resource, path) of each entry: found by fullUrl and Type/id."""
        found: dict[str, Located] = {}
        for full_url, resource, path in entries:
            located = Located(resource, path)
            if full_url:
                found[full_url] = located
            if resource.get("id"):
                found[f"{resource.get('resourceType')}/{resource['id']}"] = located
        return cls(found)


def claim_from_fhir(resource: Mapping[str, Any], path: str, references: References) -> Claim:
    """The intake claim for an R4 Claim at `path`; ClaimMappingError naming every problem."""
    mapper = _Mapper(references)
    claim = mapper.claim(resource, path)
    if mapper.issues or claim is None:
        raise ClaimMappingError(mapper.issues or [Issue("processing", "not a claim", path)])
    return claim


# --- small readers of FHIR data types ---------------------------------------------------------


def _codes(concept: Any) -> list[tuple[str | None, str]]:
    """(system, code) of each coding of a CodeableConcept, in order."""
    if not isinstance(concept, dict):
        return []
    return [
        (c.get("system"), str(c["code"]))
        for c in concept.get("coding") or ()
        if isinstance(c, dict) and c.get("code") not in (None, "")
    ]


def _code(concept: Any, systems: tuple[str, ...] = (), *, only: bool = False) -> str | None:
    """The code in the first of `systems` the concept has, else its first code.

    With `only`, a coding of another system does not count (a coding without a system
    still does: senders often leave it out).
    """
    codes = _codes(concept)
    for system in systems:
        for found_system, code in codes:
            if found_system == system:
                return code
    if only:
        return next((code for system, code in codes if not system), None)
    return codes[0][1] if codes else None


def _identifier(resource: Mapping[str, Any], system: str) -> str | None:
    for identifier in resource.get("identifier") or ():
        if isinstance(identifier, dict) and identifier.get("system") == system:
            value = identifier.get("value")
            return str(value) if value else None
    return None


def _date(value: Any) -> date | None:
    """A FHIR date or dateTime's calendar date (the date as written, whatever the zone)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _name(resource: Mapping[str, Any]) -> dict[str, Any]:
    """Person name parts from the official (else first) HumanName."""
    names = [n for n in resource.get("name") or () if isinstance(n, dict)]
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = [str(g) for g in chosen.get("given") or ()]
    return {
        "last_name": chosen.get("family"),
        "first_name": given[0] if given else None,
        "middle_name": given[1] if len(given) > 1 else None,
        "suffix": (chosen.get("suffix") or [None])[0],
    }


def _address(resource: Mapping[str, Any], key: str = "address") -> dict[str, Any] | None:
    value = resource.get(key)
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, dict):
        return None
    lines = [str(line) for line in value.get("line") or ()]
    return {
        "line1": lines[0] if lines else None,
        "line2": lines[1] if len(lines) > 1 else None,
        "city": value.get("city"),
        "state": value.get("state"),
        "postal_code": value.get("postalCode"),
        "country": value.get("country"),
    }


class _Mapper:
    def __init__(self, references: References) -> None:
        self.references = references
        self.issues: list[Issue] = []

    def problem(self, expression: str, message: str, code: str = "required") -> None:
        self.issues.append(Issue(code, message, expression))

    def build(
        self,
        model: Callable[..., Any],
        values: dict[str, Any],
        path: str,
        ignore: frozenset[str] | set[str] = frozenset(),
    ) -> Any:
        """`model(**values)`, its validation errors reported at the FHIR element they came from.

        Errors under the fields in `ignore` (stand-ins for parts already reported) are not.
        """
        try:
            return model(**{k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            for error in exc.errors(include_input=False):
                loc = [str(p) for p in error["loc"]]
                if loc and loc[0] in ignore:
                    continue
                element = FHIR_ELEMENTS.get(loc[0]) if loc else None
                where = f"{path}.{element}" if element else path
                message = str(error["msg"]).removeprefix("Value error, ")
                if not element:
                    message = f"{'.'.join(loc)}: {message}"
                self.problem(where, message, code="value")
            return None

    def resolve(self, reference: Any, path: str, types: tuple[str, ...]) -> Located | None:
        """The resource `reference` (at `path`) points at, of one of `types`; else an issue."""
        if not isinstance(reference, dict) or not reference.get("reference"):
            self.problem(path, f"a reference to a {' or '.join(types)} is required")
            return None
        key = str(reference["reference"])
        located = self.references.by_key.get(key)
        if located is None:
            self.problem(
                f"{path}.reference",
                "does not resolve: reference a contained resource ('#id') or an entry of the "
                "same transaction Bundle (its fullUrl)",
                code="not-found",
            )
            return None
        if located.resource.get("resourceType") not in types:
            self.problem(
                f"{path}.reference",
                f"must reference a {' or '.join(types)}",
                code="value",
            )
            return None
        return located

    def money(self, value: Any, path: str) -> Decimal | None:
        if not isinstance(value, dict) or value.get("value") is None:
            return None
        currency = value.get("currency")
        if currency not in (None, "USD"):
            self.problem(f"{path}.currency", "only USD is billed", code="not-supported")
            return None
        try:
            return to_money(Decimal(value["value"]))
        except (MoneyError, InvalidOperation, TypeError) as exc:
            self.problem(f"{path}.value", str(exc), code="value")
            return None

    # --- the claim ------------------------------------------------------------------------

    def claim(self, resource: Mapping[str, Any], path: str) -> Claim | None:
        kind = self.kind(resource, path)
        if resource.get("status") != "active":
            self.problem(
                f"{path}.status", "only an active claim can be billed", code="business-rule"
            )
        if resource.get("use") != "claim":
            self.problem(
                f"{path}.use",
                "only use 'claim' is billed (not a preauthorization or predetermination)",
                code="not-supported",
            )
        pcn = next(
            (
                str(i["value"])
                for i in resource.get("identifier") or ()
                if isinstance(i, dict) and i.get("value")
            ),
            None,
        )
        if pcn is None:
            self.problem(
                f"{path}.identifier",
                "the claim's identifier is required (its value is the patient control number, "
                "CLM01)",
            )
        diagnoses, sequence_position, admitting, drg = self.diagnoses(resource, path)
        payer, subscriber, patient, relationship, others, prior_auth = self.coverage(
            resource, path, kind
        )
        lines = self.lines(resource, path, kind, sequence_position)
        billing = self.provider(resource.get("provider"), f"{path}.provider")
        facility = self.facility(resource, path)
        team = self.care_team(resource, path)
        info = self.supporting_info(resource, path) if kind is ClaimKind.INSTITUTIONAL else {}
        total = self.money(resource.get("total"), f"{path}.total")
        # Parts that failed are replaced by stand-ins so the claim's own fields are still
        # judged (every problem in one answer); the stand-ins' fields report nothing.
        stand_ins = {
            "lines": lines is None,
            "payer": payer is None,
            "subscriber": subscriber is None,
            "kind": kind is None,
        }
        if lines is None:
            lines = [ServiceLine(line_number=1, charge=Decimal("0.00"))]
        if total is None:
            # No Claim.total: the claim is its items' sum (CLM02 must equal it anyway).
            total = sum((line.charge for line in lines), Decimal("0.00"))
        period = resource.get("billablePeriod") or {}
        place = lines[0].place_of_service if kind is ClaimKind.PROFESSIONAL else None
        values: dict[str, Any] = {
            "kind": kind or ClaimKind.PROFESSIONAL,
            "patient_control_number": pcn or "-",
            "total_charge": total,
            "place_of_service": place,
            "billing_provider": billing,
            "service_facility": facility,
            "payer": payer or Payer(payer_id="--", name="-"),
            "subscriber": subscriber or Subscriber(last_name="-", member_id="--"),
            "patient": patient,
            "relationship": relationship,
            "diagnoses": tuple(diagnoses),
            "admitting_diagnosis": admitting,
            "drg": drg,
            "statement_from": _date(period.get("start")),
            "statement_to": _date(period.get("end")),
            "prior_authorization": prior_auth,
            "other_payers": tuple(others),
            "lines": tuple(lines),
            **team,
            **info,
        }
        claim: Claim | None = self.build(
            Claim, values, path, ignore={k for k, failed in stand_ins.items() if failed}
        )
        return None if self.issues or any(stand_ins.values()) or pcn is None else claim

    def kind(self, resource: Mapping[str, Any], path: str) -> ClaimKind | None:
        code = _code(resource.get("type"), (CLAIM_TYPE_SYSTEM,))
        if code == "professional":
            return ClaimKind.PROFESSIONAL
        if code == "institutional":
            return ClaimKind.INSTITUTIONAL
        self.problem(
            f"{path}.type",
            "claim type must be 'professional' (837P) or 'institutional' (837I) "
            f"({CLAIM_TYPE_SYSTEM})",
            code="not-supported",
        )
        return None

    def diagnoses(
        self, resource: Mapping[str, Any], path: str
    ) -> tuple[list[str], dict[int, int], str | None, str | None]:
        """Diagnosis codes in sequence order, sequence -> position, admitting, DRG."""
        entries = []
        admitting = drg = None
        for index, diagnosis in enumerate(resource.get("diagnosis") or ()):
            at = f"{path}.diagnosis[{index}]"
            code = self.diagnosis_code(diagnosis, at)
            types = {c for t in diagnosis.get("type") or () for _, c in _codes(t)}
            package = _code(diagnosis.get("packageCode"))
            if package is not None and drg is None:
                drg = package
            if code is None:
                continue
            if types == {"admitting"}:
                admitting = code.replace(".", "").upper()
                continue
            entries.append((int(diagnosis["sequence"]), code))
        entries.sort()
        positions = {sequence: position for position, (sequence, _) in enumerate(entries, 1)}
        return [code for _, code in entries], positions, admitting, drg

    def diagnosis_code(self, diagnosis: Mapping[str, Any], at: str) -> str | None:
        concept = diagnosis.get("diagnosisCodeableConcept")
        where = f"{at}.diagnosisCodeableConcept"
        if concept is None:
            condition = self.resolve(
                diagnosis.get("diagnosisReference"), f"{at}.diagnosisReference", ("Condition",)
            )
            if condition is None:
                return None
            concept, where = condition.resource.get("code"), f"{condition.path}.code"
        code = _code(concept, ICD10_SYSTEMS)
        if code is None:
            self.problem(where, "an ICD-10-CM code (coding.code) is required")
        return code

    def lines(
        self,
        resource: Mapping[str, Any],
        path: str,
        kind: ClaimKind | None,
        positions: dict[int, int],
    ) -> list[ServiceLine] | None:
        items = resource.get("item") or ()
        if not items:
            self.problem(f"{path}.item", "a claim needs at least one item (service line)")
            return None
        limit = MAX_LINES[kind.value] if kind is not None else MAX_LINES["institutional"]
        if len(items) > limit:
            self.problem(
                f"{path}.item", f"at most {limit} items for this claim type", code="too-long"
            )
            return None
        lines = []
        for index, item in enumerate(items):
            line = self.line(item, f"{path}.item[{index}]", kind, positions)
            if line is not None:
                lines.append(line)
        return lines if len(lines) == len(items) else None

    def line(
        self,
        item: Mapping[str, Any],
        at: str,
        kind: ClaimKind | None,
        positions: dict[int, int],
    ) -> ServiceLine | None:
        procedure = _code(item.get("productOrService"), PROCEDURE_SYSTEMS, only=True)
        revenue = _code(item.get("revenue"), REVENUE_SYSTEMS)
        if kind is ClaimKind.INSTITUTIONAL and revenue is None:
            self.problem(f"{at}.revenue", "an institutional item needs its revenue code (NUBC)")
        if procedure is None and kind is not ClaimKind.INSTITUTIONAL:
            self.problem(
                f"{at}.productOrService",
                f"a CPT or HCPCS code is required ({' or '.join(PROCEDURE_SYSTEMS)})",
            )
        modifiers = []
        for m_index, modifier in enumerate(item.get("modifier") or ()):
            code = _code(modifier)
            if code is None:
                self.problem(f"{at}.modifier[{m_index}]", "a modifier needs its code")
            else:
                modifiers.append(code)
        pointers = []
        for p_index, sequence in enumerate(item.get("diagnosisSequence") or ()):
            position = positions.get(int(sequence))
            if position is None or position > 12:
                self.problem(
                    f"{at}.diagnosisSequence[{p_index}]",
                    "must name the sequence of one of the claim's first 12 diagnoses",
                    code="value",
                )
            else:
                pointers.append(position)
        charge = self.money(item.get("net"), f"{at}.net")
        quantity = item.get("quantity") or {}
        units = quantity.get("value")
        if charge is None and isinstance(item.get("unitPrice"), dict):
            unit_price = self.money(item.get("unitPrice"), f"{at}.unitPrice")
            # Absent means 1 (FHIR: "if not specified, 1"); a factor of 0 is kept and judged.
            given = item.get("factor")
            factor = Decimal(1) if given is None else Decimal(str(given))
            if unit_price is not None:
                try:
                    charge = to_money(
                        unit_price * Decimal(str(units) if units is not None else 1) * factor
                    )
                except MoneyError as exc:
                    self.problem(f"{at}.net", f"unitPrice x quantity x factor: {exc}", code="value")
                    return None
        if charge is None:
            self.problem(f"{at}.net", "the item's charge (net, or unitPrice) is required")
            return None
        period = item.get("servicedPeriod") or {}
        service_date = _date(item.get("servicedDate")) or _date(period.get("start"))
        service_end = _date(period.get("end"))
        place = _code(item.get("locationCodeableConcept"), PLACE_OF_SERVICE_SYSTEMS)
        if item.get("locationReference") is not None or item.get("locationAddress") is not None:
            self.problem(
                f"{at}.location",
                "give the place of service as locationCodeableConcept (CMS POS code)",
                code="not-supported",
            )
        values = {
            "line_number": item.get("sequence"),
            "procedure_code": procedure,
            "modifiers": tuple(modifiers),
            "revenue_code": revenue,
            "units": Decimal(units) if units is not None else None,
            "unit_type": "MJ" if quantity.get("code") == "min" else None,
            "charge": charge,
            "diagnosis_pointers": tuple(pointers) if pointers else None,
            "service_date": service_date,
            "service_date_end": service_end,
            "place_of_service": place,
            "ndc": next(
                (c for s, c in _codes(item.get("productOrService")) if s == NDC_SYSTEM), None
            ),
        }
        line: ServiceLine | None = self.build(ServiceLine, values, at)
        return line

    # --- parties ------------------------------------------------------------------------

    def provider(self, reference: Any, path: str) -> Provider | None:
        located = self.resolve(
            reference, path, ("Organization", "Practitioner", "PractitionerRole")
        )
        if located is None:
            return None
        resource = located.resource
        if resource.get("resourceType") == "PractitionerRole":
            practitioner = self.resolve(
                resource.get("practitioner"), f"{located.path}.practitioner", ("Practitioner",)
            )
            if practitioner is None:
                return None
            taxonomy = _code((resource.get("specialty") or [None])[0])
            resource, located = practitioner.resource, practitioner
        else:
            taxonomy = None
        values: dict[str, Any] = {
            "npi": _identifier(resource, NPI_SYSTEM),
            "tax_id": _identifier(resource, TIN_SYSTEM),
            "taxonomy": taxonomy,
            "address": _address(resource),
        }
        if resource.get("resourceType") == "Organization":
            values["organization_name"] = resource.get("name")
        else:
            name = _name(resource)
            values["last_name"], values["first_name"] = name["last_name"], name["first_name"]
        if values["npi"] is None:
            self.problem(f"{located.path}.identifier", f"an NPI ({NPI_SYSTEM}) is required")
        if values["address"] is not None:
            values["address"] = self.build(Address, values["address"], f"{located.path}.address")
        provider: Provider | None = self.build(Provider, values, located.path)
        return provider

    def facility(self, resource: Mapping[str, Any], path: str) -> Provider | None:
        if resource.get("facility") is None:
            return None
        located = self.resolve(resource["facility"], f"{path}.facility", ("Location",))
        if located is None:
            return None
        values = {
            "organization_name": located.resource.get("name"),
            "npi": _identifier(located.resource, NPI_SYSTEM),
            "address": self.build(
                Address, _address(located.resource) or {}, f"{located.path}.address"
            )
            if located.resource.get("address")
            else None,
        }
        facility: Provider | None = self.build(Provider, values, located.path)
        return facility

    def care_team(self, resource: Mapping[str, Any], path: str) -> dict[str, Provider]:
        found: dict[str, Provider] = {}
        for index, member in enumerate(resource.get("careTeam") or ()):
            role = _code(member.get("role"))
            target = CARE_TEAM_ROLES.get(role or "")
            if target is None or target in found:
                continue
            provider = self.provider(member.get("provider"), f"{path}.careTeam[{index}].provider")
            if provider is not None:
                found[target] = provider
        return found

    def supporting_info(self, resource: Mapping[str, Any], path: str) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for info in resource.get("supportingInfo") or ():
            category = _code(info.get("category"))
            if category == "admissionperiod":
                period = info.get("timingPeriod") or {}
                found["admission_date"] = _date(period.get("start"))
                continue
            target = INSTITUTIONAL_INFO.get(category or "")
            if target is not None and target not in found:
                found[target] = _code(info.get("code"))
        return found

    def person(self, located: Located) -> dict[str, Any]:
        resource = located.resource
        values = {
            **_name(resource),
            "birth_date": _date(resource.get("birthDate")),
            "sex": SEXES.get(str(resource.get("gender"))) if resource.get("gender") else None,
            "address": _address(resource),
        }
        if values["last_name"] is None:
            self.problem(f"{located.path}.name", "the family name is required")
        if values["address"] is not None:
            values["address"] = self.build(Address, values["address"], f"{located.path}.address")
        return values

    def coverage(
        self, resource: Mapping[str, Any], path: str, kind: ClaimKind | None
    ) -> tuple[
        Payer | None, Subscriber | None, Person | None, Relationship, list[OtherPayer], str | None
    ]:
        """The focal insurance's payer and subscriber, the patient, and the other payers."""
        patient_ref = self.resolve(resource.get("patient"), f"{path}.patient", ("Patient",))
        insurances = sorted(
            enumerate(resource.get("insurance") or ()), key=lambda pair: int(pair[1]["sequence"])
        )
        focal = [(i, ins) for i, ins in insurances if ins.get("focal") is True]
        none: tuple[Any, ...] = (None, None, None, Relationship.SELF, [], None)
        if len(focal) != 1:
            self.problem(
                f"{path}.insurance",
                "exactly one insurance must be focal (the payer this claim is billed to)",
                code="business-rule",
            )
            return none
        parties = []
        for position, (index, insurance) in enumerate(insurances):
            if position >= len(RESPONSIBILITY):
                self.problem(f"{path}.insurance[{index}]", "at most 11 payers", code="too-long")
                return none
            parties.append(
                (
                    position,
                    index,
                    insurance,
                    self.insured(insurance, f"{path}.insurance[{index}]", kind, patient_ref),
                )
            )
        payer = subscriber = patient = None
        relationship = Relationship.SELF
        others: list[OtherPayer] = []
        prior_auth = None
        for position, index, insurance, party in parties:
            if party is None:
                continue
            this_payer, this_subscriber, this_patient, this_relationship = party
            if insurance.get("focal") is True:
                payer, subscriber, patient, relationship = party
                prior_auth = (insurance.get("preAuthRef") or [None])[0]
            else:
                other = self.build(
                    OtherPayer,
                    {
                        "payer": this_payer,
                        "responsibility": RESPONSIBILITY[position],
                        "subscriber": this_subscriber,
                        "relationship": this_relationship,
                    },
                    f"{path}.insurance[{index}]",
                )
                if other is not None:
                    others.append(other)
        return payer, subscriber, patient, relationship, others, prior_auth

    def insured(
        self,
        insurance: Mapping[str, Any],
        at: str,
        kind: ClaimKind | None,
        patient_ref: Located | None,
    ) -> tuple[Payer, Subscriber, Person | None, Relationship] | None:
        located = self.resolve(insurance.get("coverage"), f"{at}.coverage", ("Coverage",))
        if located is None:
            return None
        coverage, cpath = located.resource, located.path
        relationship_code = _code(coverage.get("relationship"))
        relationship = RELATIONSHIPS.get(relationship_code or "self")
        if relationship is None:
            self.problem(
                f"{cpath}.relationship", "not a subscriber-relationship code", code="code-invalid"
            )
            return None
        member_id = coverage.get("subscriberId") or _member_identifier(coverage)
        if not member_id:
            self.problem(f"{cpath}.subscriberId", "the member id (subscriberId) is required")
        payer_ref = self.resolve(
            (coverage.get("payor") or [None])[0], f"{cpath}.payor[0]", ("Organization",)
        )
        payer = self.payer(payer_ref, coverage, cpath, kind) if payer_ref else None
        beneficiary = self.resolve(
            coverage.get("beneficiary"), f"{cpath}.beneficiary", ("Patient",)
        )
        if relationship is Relationship.SELF:
            holder = beneficiary
        else:
            holder = self.resolve(
                coverage.get("subscriber"), f"{cpath}.subscriber", ("Patient", "RelatedPerson")
            )
        if holder is None or beneficiary is None or payer is None or not member_id:
            return None
        if patient_ref is not None and beneficiary.resource is not patient_ref.resource:
            self.problem(
                f"{cpath}.beneficiary", "must be the claim's patient", code="business-rule"
            )
            return None
        group = _group(coverage)
        subscriber = self.build(
            Subscriber,
            {**self.person(holder), "member_id": str(member_id), **group},
            holder.path,
        )
        patient = None
        if relationship is not Relationship.SELF:
            patient = self.build(Person, self.person(beneficiary), beneficiary.path)
        if subscriber is None:
            return None
        return payer, subscriber, patient, relationship

    def payer(
        self, located: Located, coverage: Mapping[str, Any], cpath: str, kind: ClaimKind | None
    ) -> Payer | None:
        organization = located.resource
        payer_id = next(
            (
                str(i["value"])
                for i in organization.get("identifier") or ()
                if isinstance(i, dict) and i.get("value") and i.get("system") != TIN_SYSTEM
            ),
            None,
        )
        if payer_id is None:
            self.problem(
                f"{located.path}.identifier", "the payer id (an identifier's value) is required"
            )
            return None
        values: dict[str, Any] = {
            "payer_id": payer_id,
            "name": organization.get("name"),
            "claim_filing_indicator": _filing_indicator(coverage, kind),
            "address": _address(organization),
        }
        if values["name"] is None:
            self.problem(f"{located.path}.name", "the payer's name is required")
            return None
        if values["address"] is not None:
            values["address"] = self.build(Address, values["address"], f"{located.path}.address")
        payer: Payer | None = self.build(Payer, values, located.path)
        return payer


def _member_identifier(coverage: Mapping[str, Any]) -> str | None:
    for identifier in coverage.get("identifier") or ():
        if isinstance(identifier, dict) and _code(identifier.get("type")) == "MB":
            return str(identifier.get("value") or "") or None
    return None


def _group(coverage: Mapping[str, Any]) -> dict[str, Any]:
    for cls in coverage.get("class") or ():
        if _code(cls.get("type")) == "group":
            return {"group_number": cls.get("value"), "group_name": cls.get("name")}
    return {}


def _filing_indicator(coverage: Mapping[str, Any], kind: ClaimKind | None) -> str | None:
    """SBR09 from the Source of Payment Typology of Coverage.type; None keeps the default (CI)."""
    code = _code(coverage.get("type"), (SOURCE_OF_PAYMENT_SYSTEM,)) or ""
    if not code.isdigit():
        return None
    if code.startswith("1"):
        return "MA" if kind is ClaimKind.INSTITUTIONAL else "MB"
    if code.startswith("2"):
        return "MC"
    if code.startswith("6"):
        return "BL"
    if code.startswith("5"):
        return "CI"
    return None
