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

# The real problems strict validation finds in each sample ("segment:code"); every sample
# not listed here is valid. Cross-checked with ../shared/samples/x12/SOURCES.md notes and,
# where it has a map, pyx12 (see test_pyx12_agreement.py).
EXPECTED_ERRORS: dict[str, set[str]] = {
    "271/subscriber-health-benefit-check-error.271": {
        "SE:control_mismatch"
    },  # SE02 4323 != ST02 4321
    "277/x12_277_x212.txt": {"IEA:control_mismatch"},  # ISA13 != IEA02
    "277CA/277_Deidentified_from_nth.txt": {"STC:invalid_code", "BHT:invalid_code"},  # masked codes
    "277CA/x12_277CA_accepted.txt": {"DTP:invalid_date", "STC:required_missing"},
    "277CA/x12_277CA_rejected.txt": {"STC:required_missing"},
    "835/5010-835-example-2.txt": {"SE:control_mismatch"},
    "835/ExampleFromNth.txt": {  # de-identified: amounts masked, SVC01 qualifier 'XX'
        "BPR:unbalanced_payment",
        "CLP:unbalanced_claim",
        "SVC:invalid_code",
        "SVC:unbalanced_service",
    },
    "835/blue_cross_nc_sample.txt": {  # no ISA; PER*CX*TE*...: the number sits in PER03
        "SE:count_mismatch",
        "PER:required_missing",
        "PER:invalid_code",
        "SVC:required_element",
    },
    "835/cob-contractural-adjustment.835": {
        "BPR:required_element",
        "PER:required_missing",
        "SVC:component_separator",
    },
    "835/managed-care.835": {"BPR:invalid_date", "PER:required_missing"},  # BPR16 20002316
    "835/medicare-part-a.835": {"PER:required_missing"},
    "835/secondary-payment.835": {
        "BPR:required_element",
        "PER:required_missing",
        "SVC:component_separator",
    },
    "835/tertiary-payment.835": {
        "BPR:required_element",
        "PER:required_missing",
        "SVC:unbalanced_service",
        "SVC:required_component",
    },
    "835/united_healthcare_legacy_sample.txt": {"N4:invalid_code"},  # N402 'NP'
    "835-4010/835_DeIdent_02.dat": {
        "SVC:unbalanced_service",
        "SE:control_mismatch",
        "CLP:unbalanced_claim",
        "SE:element_length",
        "PER:required_missing",
        "CAS:invalid_code",
        "GS:unsupported_version",
        "IEA:control_mismatch",
        "BPR:unbalanced_payment",
        "SVC:invalid_code",
        "ST:element_length",
        "GS:invalid_time",
    },
    "835-4010/Example1_GripElements.txt": {
        "PER:required_missing",
        "CAS:invalid_code",
        "GS:unsupported_version",
        "BPR:unbalanced_payment",
        "SVC:invalid_code",
    },
    "837I/5010-837-institutional-example.txt": {
        "DTP:invalid_date",
        "CLM:required_component",
        "SE:count_mismatch",
        "IEA:count_mismatch",
    },
    "837I/out-of-network-repriced-claim.837i": {"CLM:component_separator"},
    "837I/ppo-repriced-claim.837i": {"CLM:component_separator"},
    "837I/x223-test.txt": {"CLM:unbalanced_claim", "SE:count_mismatch", "CLM:invalid_code"},
    "837P/demo.cob.2ndary.example4.837": {"CLM:component_separator"},
    "837P/demo.cob.example3.B.837": {"N4:invalid_postal_code"},  # ZIP '3111'
    "837P/demo.example11.837": {"CLM:component_separator"},
    "837P/demo.example12.837": {"CLM:component_separator"},
    "837P/demo.example9.837": {"CLM:component_separator"},
    "837P/x12_complex.txt": {
        "HL:hl_duplicate",
        "CLM:unbalanced_claim",
        "GE:count_mismatch",
        "SE:count_mismatch",
        "HL:hl_sequence",
        "HL:hl_parent",
        "HI:required_component",
        "N4:invalid_code",
        "N4:invalid_postal_code",
        "NM1:invalid_code",  # NM108 'X'
    },
    "837P/x12_many_claims.txt": {
        "HL:hl_duplicate",
        "CLM:unbalanced_claim",
        "SE:count_mismatch",
        "HL:hl_parent",
        "HI:required_component",
    },
    "837P/x12_valid.txt": {
        "HL:hl_duplicate",
        "CLM:unbalanced_claim",
        "SE:count_mismatch",
        "HL:hl_parent",
        "HI:required_component",
    },
    "837P/x12_valid_different_separators.txt": {
        "HL:hl_duplicate",
        "CLM:unbalanced_claim",
        "SE:count_mismatch",
        "HL:hl_parent",
        "HI:required_component",
    },
    "999/DHS_Wisconsin_Sample.txt": {"AK2:element_length"},  # AK202 '002'
    "999/x12_999_accepted.txt": {"IEA:control_mismatch", "GS:invalid_time"},  # GS05 '102497'
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
