"""docs/scrub-edits.md is generated from the registry and must match it."""

from __future__ import annotations

from shared.scrubber import REGISTRY
from shared.scrubber.docs import DOCS_PATH, main, render_markdown


def test_checked_in_edit_docs_are_current() -> None:
    assert DOCS_PATH.read_text(encoding="utf-8") == render_markdown(), (
        "docs/scrub-edits.md is stale: run python -m shared.scrubber.docs"
    )


def test_docs_list_every_edit_with_severity_and_fix() -> None:
    text = render_markdown()
    for spec in REGISTRY.values():
        row = next(line for line in text.splitlines() if line.startswith(f"| {spec.code} |"))
        assert f"| {spec.severity.value} |" in row
        if spec.fix:
            assert spec.fix.replace("|", "\\|") in row


def test_check_mode_reports_a_stale_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    stale = tmp_path / "scrub-edits.md"
    stale.write_text("# old\n", encoding="utf-8")
    monkeypatch.setattr("shared.scrubber.docs.DOCS_PATH", stale)
    assert main(["--check"]) == 1
    assert main([]) == 0
    assert main(["--check"]) == 0
