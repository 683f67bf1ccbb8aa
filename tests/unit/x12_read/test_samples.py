"""Every public sample parses, writes back segment for segment, and validates to a known verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.x12.reader import parse
from shared.x12.segments import serialize
from shared.x12.tokenizer import tokenize
from shared.x12.validation import validate

from .conftest import sample_files, sample_id

SAMPLES = sample_files()

# The real problems validation (WEDI SNIP 1-5) finds in each sample ("segment:code"); every
# sample not listed here is valid. Cross-checked with ../shared/samples/x12/SOURCES.md notes
# and, where it has a map, pyx12: docs/x12-validation.md explains each difference (the TR3
# examples use made-up NPIs and five-digit billing ZIP codes, which SNIP 4/5 refuse).
EXPECTED_ERRORS: dict[str, set[str]] = {
    "270/Example1_IG_0x1D.txt": {"GS:version_mismatch"},
    "271/271-example-3.txt": {"NM1:invalid_npi"},
    "271/subscriber-health-benefit-check-error.271": {"SE:control_mismatch"},
    "276/claim-level-status-ncpdp.276": {"NM1:invalid_npi"},
    "276/claim-level-status.276": {"NM1:invalid_npi"},
    "276/information-receiver-level-status.276": {"NM1:invalid_npi"},
    "276/provider-level-status.276": {"NM1:invalid_npi"},
    "277/claim-level-status-ncpdp.277": {"NM1:invalid_npi"},
    "277/claim-level-status.277": {"NM1:invalid_npi"},
    "277/provider-level-status.277": {"NM1:invalid_npi", "STC:invalid_code"},
    "277/x12_277_x212.txt": {"NM1:invalid_npi", "STC:not_used_element", "IEA:control_mismatch"},
    "277CA/277_Deidentified_from_nth.txt": {
        "BHT:invalid_code",
        "BHT:invalid_time",
        "STC:invalid_code",
        "AMT:unbalanced_totals",
        "QTY:unbalanced_totals",
        "NM1:invalid_npi",
    },
    "277CA/x12_277CA_accepted.txt": {"DTP:invalid_date", "NM1:invalid_npi", "STC:required_missing"},
    "277CA/x12_277CA_rejected.txt": {
        "AMT:unbalanced_totals",
        "QTY:unbalanced_totals",
        "NM1:invalid_npi",
        "STC:required_missing",
    },
    "835/5010-835-example-2.txt": {"NM1:invalid_npi", "SE:control_mismatch"},
    "835/5010-835-example-3.txt": {"NM1:invalid_npi"},
    "835/ExampleFromNth.txt": {
        "BPR:unbalanced_payment",
        "CLP:unbalanced_claim",
        "N1:invalid_npi",
        "SVC:unbalanced_service",
        "SVC:invalid_code",
        "NM1:invalid_npi",
    },
    "835/blue_cross_nc_sample.txt": {
        "PER:element_too_long",
        "SE:count_mismatch",
        "PER:required_missing",
        "TRN:element_too_short",
        "SVC:required_element",
        "N1:invalid_npi",
        "SVC:too_many_elements",
    },
    "835/cob-contractural-adjustment.835": {
        "BPR:required_element",
        "SVC:component_separator",
        "PER:required_missing",
    },
    "835/emedny_sample.txt": {"N1:invalid_npi"},
    "835/managed-care.835": {"BPR:invalid_date", "PER:required_missing", "N1:invalid_npi"},
    "835/medicare-part-a.835": {"TS3:not_used_element", "PER:required_missing", "N1:invalid_npi"},
    "835/secondary-payment.835": {
        "BPR:required_element",
        "SVC:component_separator",
        "PER:required_missing",
    },
    "835/tertiary-payment.835": {
        "BPR:required_element",
        "SVC:element_too_short",
        "PER:required_missing",
        "SVC:required_component",
        "SVC:unbalanced_service",
    },
    "835/united_healthcare_legacy_sample.txt": {"N4:invalid_code"},
    "835-4010/835_DeIdent_02.dat": {
        "GS:invalid_time",
        "SE:element_too_long",
        "SE:control_mismatch",
        "PLB:invalid_code",
        "BPR:unbalanced_payment",
        "PER:required_missing",
        "CLP:unbalanced_claim",
        "N1:invalid_npi",
        "GS:unsupported_version",
        "SVC:unbalanced_service",
        "SVC:invalid_code",
        "ST:element_too_long",
        "CAS:invalid_code",
        "NM1:invalid_npi",
        "IEA:control_mismatch",
    },
    "835-4010/Example1_GripElements.txt": {
        "AMT:invalid_code",
        "BPR:unbalanced_payment",
        "PER:required_missing",
        "GS:unsupported_version",
        "SVC:invalid_code",
        "CAS:invalid_code",
        "QTY:invalid_code",
    },
    "837I/5010-837-institutional-example.txt": {
        "CLM:required_component",
        "GS:duplicate_control",
        "CLM:not_used_element",
        "SE:count_mismatch",
        "PRV:invalid_taxonomy",
        "CLM:required_element",
        "CLM:invalid_code",
        "DTP:invalid_date",
        "IEA:count_mismatch",
        "N4:billing_zip_nine_digits",
        "NM1:invalid_npi",
    },
    "837I/institutional-claim.837i": {
        "CLM:not_used_element",
        "PRV:invalid_taxonomy",
        "DTP:invalid_code",
        "N4:billing_zip_nine_digits",
        "NM1:invalid_npi",
    },
    "837I/out-of-network-repriced-claim.837i": {
        "CLM:not_used_element",
        "CLM:component_separator",
        "NM1:invalid_npi",
    },
    "837I/ppo-repriced-claim.837i": {
        "CLM:not_used_element",
        "CLM:component_separator",
        "NM1:invalid_npi",
    },
    "837I/two-claims-single-provider.837i": {
        "CLM:not_used_element",
        "PRV:invalid_taxonomy",
        "NM1:invalid_npi",
        "N4:billing_zip_nine_digits",
    },
    "837I/x223-test.txt": {
        "DTP:max_use",
        "REF:required_missing",
        "CLM:not_used_element",
        "SE:count_mismatch",
        "NM1:not_used_element",
        "DTP:invalid_code",
        "CLM:invalid_code",
        "CLM:patient_loop_required",
        "CLM:unbalanced_claim",
        "N4:billing_zip_nine_digits",
        "NM1:invalid_npi",
    },
    "837P/demo.ambulance.example5.837": {"CLM:required_component", "NM1:invalid_npi"},
    "837P/demo.autoaccident.837": {"NM1:invalid_npi", "N4:billing_zip_nine_digits"},
    "837P/demo.cob.2ndary.example4.837": {
        "CLM:component_separator",
        "NM1:invalid_npi",
        "N4:billing_zip_nine_digits",
    },
    "837P/demo.cob.example3.A.837": {
        "NM1:rendering_same_as_billing",
        "NM1:invalid_npi",
        "NM1:required_missing",
        "N4:billing_zip_nine_digits",
    },
    "837P/demo.cob.example3.B.837": {
        "N4:invalid_postal_code",
        "AMT:unbalanced_other_payer",
        "N4:billing_zip_nine_digits",
        "NM1:rendering_same_as_billing",
        "NM1:invalid_npi",
    },
    "837P/demo.cob.example3.C.837": {
        "AMT:unbalanced_other_payer",
        "NM1:rendering_same_as_billing",
        "NM1:invalid_npi",
        "N4:billing_zip_nine_digits",
    },
    "837P/demo.cob.example4.837": {
        "NM1:invalid_npi",
        "AMT:invalid_code",
        "AMT:max_use",
        "N4:billing_zip_nine_digits",
    },
    "837P/demo.drug.example10.1.837": {"N4:billing_zip_nine_digits"},
    "837P/demo.drug.example10.2.837": {"N4:billing_zip_nine_digits"},
    "837P/demo.drug.example10.3.837": {"N4:billing_zip_nine_digits"},
    "837P/demo.example1.837": {"PRV:invalid_taxonomy"},
    "837P/demo.example11.837": {"CLM:component_separator", "NM1:invalid_npi"},
    "837P/demo.example12.837": {"CLM:component_separator", "NM1:invalid_npi"},
    "837P/demo.example2.837": {
        "PRV:invalid_taxonomy",
        "NM1:invalid_npi",
        "N4:billing_zip_nine_digits",
    },
    "837P/demo.example7.837": {"NM1:invalid_npi", "N4:billing_zip_nine_digits"},
    "837P/demo.example8.837": {"NM1:invalid_npi", "N4:billing_zip_nine_digits"},
    "837P/demo.example9.837": {
        "SV1:invalid_number",
        "CLM:component_separator",
        "NM1:invalid_npi",
        "N4:billing_zip_nine_digits",
    },
    "837P/x12_complex.txt": {
        "GE:count_mismatch",
        "OI:invalid_code",
        "NM1:invalid_code",
        "REF:required_missing",
        "SVD:unbalanced_line_adjudication",
        "HL:hl_sequence",
        "N4:invalid_postal_code",
        "PRV:invalid_taxonomy",
        "HL:hl_parent",
        "SE:count_mismatch",
        "CLM:patient_loop_required",
        "CLM:unbalanced_claim",
        "N4:billing_zip_nine_digits",
        "N4:invalid_code",
        "HI:element_too_long",
        "NM1:invalid_npi",
        "HI:required_component",
        "HL:hl_duplicate",
    },
    "837P/x12_many_claims.txt": {
        "SE:count_mismatch",
        "HL:hl_parent",
        "CLM:patient_loop_required",
        "CLM:unbalanced_claim",
        "N4:billing_zip_nine_digits",
        "HI:element_too_long",
        "NM1:invalid_npi",
        "HI:required_component",
        "HL:hl_duplicate",
    },
    "837P/x12_valid.txt": {
        "SE:count_mismatch",
        "HL:hl_parent",
        "CLM:patient_loop_required",
        "CLM:unbalanced_claim",
        "N4:billing_zip_nine_digits",
        "HI:element_too_long",
        "NM1:invalid_npi",
        "HI:required_component",
        "HL:hl_duplicate",
    },
    "837P/x12_valid_different_separators.txt": {
        "SE:count_mismatch",
        "HL:hl_parent",
        "CLM:patient_loop_required",
        "CLM:unbalanced_claim",
        "N4:billing_zip_nine_digits",
        "HI:element_too_long",
        "NM1:invalid_npi",
        "HI:required_component",
        "HL:hl_duplicate",
    },
    "999/DHS_Wisconsin_Sample.txt": {
        "AK2:element_too_short",
        "CTX:invalid_number",
        "CTX:not_used_element",
    },
    "999/x12_999_accepted.txt": {"GS:invalid_time", "IEA:control_mismatch"},
}


def test_samples_folder_is_present_with_all_68_files(samples_dir: Path) -> None:
    assert len(sample_files()) == 68


@pytest.mark.parametrize("path", SAMPLES, ids=[sample_id(p) for p in SAMPLES])
def test_sample_parses_to_typed_models(samples_dir: Path, path: Path) -> None:
    result = parse(path)
    assert result.transactions, "no transaction set read"
    for t in result.transactions:
        assert t.model is not None, f"ST {t.envelope.id} not read into a typed model"
        # The loop tree holds every segment of the transaction exactly once, in order.
        assert [s.position for s in t.model.all_segments()] == [
            s.position for s in t.envelope.segments
        ]
    unexpected = [i for i in result.issues if i.code == "unexpected_segment"]
    assert unexpected == []


@pytest.mark.parametrize("path", SAMPLES, ids=[sample_id(p) for p in SAMPLES])
def test_sample_round_trips_segment_for_segment(samples_dir: Path, path: Path) -> None:
    original, tok = tokenize(path)
    result = parse(path)
    written = serialize(result.document.segments(), result.document.delimiters, trim=False)
    reread, _ = tokenize(written)
    assert [(s.id, s.elements) for s in reread] == [(s.id, s.elements) for s in original]


@pytest.mark.parametrize("path", SAMPLES, ids=[sample_id(p) for p in SAMPLES])
def test_sample_validates_to_its_known_verdict(samples_dir: Path, path: Path) -> None:
    report = validate(path)
    found = {f"{i.segment_id}:{i.code}" for i in report.errors}
    assert found == EXPECTED_ERRORS.get(sample_id(path), set())
    for issue in report.errors:
        assert issue.position is not None or issue.code.startswith("missing_"), issue
