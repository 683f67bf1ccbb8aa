"""`revcycle sim respond --in DIR --out DIR [--profile FILE] [--seed N] [--as-of DATE]`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from revcycle.cli import app
from testsupport.claims import professional_claim, random_professional_claims


def test_respond_answers_a_folder_of_837s_with_999_277ca_835_and_truth(sim) -> None:
    sim.add_837p(random_professional_claims(30, seed=4))
    result = CliRunner().invoke(
        app,
        ["sim", "respond", "--in", str(sim.inbound), "--out", str(sim.out),
         "--profile", "clean", "--seed", "5", "--as-of", "2026-10-01"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "claims: 30" in result.output
    names = sim.names()
    assert "batch.837.999" in names
    assert "batch.837.277ca" in names
    assert any(name.endswith(".835") for name in names)
    assert "truth.jsonl" in names
    truth = sim.truth()
    assert len(truth.claims) == 30
    assert truth.files[0].answers[:2] == ["batch.837.999", "batch.837.277ca"]
    # Nothing half written or temporary is left in the answer folder.
    assert not [p for p in sim.out.iterdir() if p.name.startswith(".")]


def test_respond_refuses_a_bad_profile_naming_the_key_and_line(sim, tmp_path: Path) -> None:
    sim.add_837p([professional_claim()])
    profile = tmp_path / "bad.yaml"
    profile.write_text(
        "version: 1\npayers:\n  - payer_id: '87726'\n    name: X\n    shares:\n      deny: 2\n"
    )
    result = CliRunner().invoke(
        app,
        ["sim", "respond", "--in", str(sim.inbound), "--out", str(sim.out),
         "--profile", str(profile)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "line 6" in result.output
    assert "payers[0].shares.deny" in result.output
    assert not sim.out.exists()


def test_respond_refuses_a_date_it_cannot_read(sim) -> None:
    result = CliRunner().invoke(
        app,
        [
            "sim",
            "respond",
            "--in",
            str(sim.inbound),
            "--out",
            str(sim.out),
            "--as-of",
            "2026-13-45",
        ],
    )
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_respond_refuses_to_answer_into_the_folder_it_reads(sim) -> None:
    sim.add_837p([professional_claim()])
    result = CliRunner().invoke(
        app, ["sim", "respond", "--in", str(sim.inbound), "--out", str(sim.inbound)]
    )
    assert result.exit_code == 2
    assert "--out must be another folder" in result.output
    assert sorted(p.name for p in sim.inbound.iterdir()) == ["batch.837"]
