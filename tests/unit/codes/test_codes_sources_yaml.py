"""sources.yaml reading: libyaml's loader when PyYAML has it, the pure-Python one otherwise,
errors naming file and line with either; the packaged file read once per process (each
`load_code_list` of the X12 validator used to re-read it: ~9 ms a read, two per 835)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.codes import sets
from shared.codes.errors import CodeFileError
from shared.codes.sets import DEFAULT_DATA_DIR, SOURCES_FILE, load_code_list

BROKEN = "carc:\n  source: x\n  file: carc.csv\n as_of: [unclosed\n"


def _loaders_used(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    used: list[Any] = []
    real = yaml.load

    def spy(stream: Any, Loader: Any) -> Any:  # noqa: N803 - yaml's own keyword
        used.append(Loader)
        return real(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "load", spy)
    return used


def test_the_c_loader_reads_sources_yaml_when_pyyaml_has_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML has no libyaml")  # pragma: no cover - wheels carry it
    used = _loaders_used(monkeypatch)
    assert "carc" in sets._read_sources_yaml(DEFAULT_DATA_DIR / SOURCES_FILE)
    assert used == [yaml.CSafeLoader]


@pytest.mark.parametrize("c_loader", [True, False], ids=["libyaml", "pure-python"])
def test_both_loaders_read_the_same_values_and_name_file_and_line(
    c_loader: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not c_loader:
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML has no libyaml")  # pragma: no cover - wheels carry it
    packaged = DEFAULT_DATA_DIR / SOURCES_FILE
    expected = yaml.load(packaged.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert sets._read_sources_yaml(packaged) == expected  # dates are dates with both
    broken = tmp_path / SOURCES_FILE
    broken.write_text(BROKEN)
    with pytest.raises(CodeFileError, match="not valid YAML") as raised:
        sets._read_sources_yaml(broken)
    assert (raised.value.path, raised.value.line) == (broken, 4)


def test_the_packaged_sources_yaml_is_read_once_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[tuple[str, Path]] = []

    def counting(how: str, real: Any) -> Any:
        def read(path: Path) -> dict[str, dict[str, Any]]:
            reads.append((how, path))
            return real(path)  # type: ignore[no-any-return]

        return read

    # The packaged file goes through the cache (parsed there when the cache is cold), an
    # office's is parsed.
    monkeypatch.setattr(
        sets, "_read_sources_cached", counting("packaged", sets._read_sources_cached)
    )
    monkeypatch.setattr(sets, "_read_sources_yaml", counting("parsed", sets._read_sources_yaml))
    packaged = ("packaged", DEFAULT_DATA_DIR / SOURCES_FILE)
    sets.clear_code_sets_cache()
    try:
        carc, rarc = load_code_list("carc"), load_code_list("rarc")
        statuses = load_code_list("claim_status_categories")
        assert carc and rarc and statuses
        office = tmp_path / "codes"
        office.mkdir()
        (office / SOURCES_FILE).write_text("carc:\n  source: office\n  as_of: 2026-01-01\n")
        load_code_list("carc", office)
        load_code_list("rarc", office)
        # The packaged file once; an office's own sources.yaml per load, as before.
        assert reads.count(packaged) == 1
        assert reads.count(("parsed", office / SOURCES_FILE)) == 2
        # clear_code_sets_cache forgets it too (a replaced file is read again).
        sets.clear_code_sets_cache()
        load_code_list("carc")
        assert reads.count(packaged) == 2
    finally:
        sets.clear_code_sets_cache()


def test_an_office_override_still_wins_over_the_cached_defaults(tmp_path: Path) -> None:
    sets.clear_code_sets_cache()
    try:
        load_code_list("carc")  # the packaged sources cached first
        office = tmp_path / "codes"
        office.mkdir()
        (office / "carc.csv").write_text(
            "# source: office list\n# as_of: 2026-02-01\ncode,description\n45,office meaning\n"
        )
        assert load_code_list("carc", office) == {"45": "office meaning"}
        assert load_code_list("carc")["45"] != "office meaning"
    finally:
        sets.clear_code_sets_cache()


# ---- the parsed packaged file kept in the codes cache (no yaml import on a warm start)

PACKAGED = DEFAULT_DATA_DIR / SOURCES_FILE


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("REVCYCLE_CODES_CACHE_DIR", str(directory))
    return directory


def _yaml_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(path: Path) -> dict[str, dict[str, Any]]:
        raise AssertionError(f"{path} was parsed as YAML")

    monkeypatch.setattr(sets, "_read_sources_yaml", refused)


def test_a_warm_cache_gives_the_yaml_values_without_parsing(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = sets._read_sources_yaml(PACKAGED)
    assert sets._read_sources_cached(PACKAGED) == parsed  # cold: parsed, then kept
    assert len(list(cache_dir.glob("sources-*.marshal"))) == 1
    _yaml_never_read(monkeypatch)
    warm = sets._read_sources_cached(PACKAGED)
    assert warm == parsed
    assert type(warm["carc"]["as_of"]) is type(parsed["carc"]["as_of"])  # a date, not text


def test_an_edited_sources_yaml_is_parsed_again(cache_dir: Path, tmp_path: Path) -> None:
    own = tmp_path / SOURCES_FILE
    own.write_text("carc:\n  file: carc.csv\n  source: a\n  as_of: 2026-01-01\n")
    assert sets._read_sources_cached(own)["carc"]["source"] == "a"
    own.write_text("carc:\n  file: carc.csv\n  source: b\n  as_of: 2026-01-01\n")  # same size
    assert sets._read_sources_cached(own)["carc"]["source"] == "b"


def test_a_broken_or_unwritable_cache_falls_back_to_yaml(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = sets._read_sources_yaml(PACKAGED)
    sets._read_sources_cached(PACKAGED)
    (cached,) = cache_dir.glob("sources-*.marshal")
    cached.write_bytes(b"\x00not marshal")
    assert sets._read_sources_cached(PACKAGED) == parsed
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("REVCYCLE_CODES_CACHE_DIR", str(blocked / "cache"))
    assert sets._read_sources_cached(PACKAGED) == parsed


def test_a_broken_sources_yaml_still_names_file_and_line_through_the_cache(
    cache_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / SOURCES_FILE
    broken.write_text(BROKEN)
    with pytest.raises(CodeFileError, match="not valid YAML") as raised:
        sets._read_sources_cached(broken)
    assert (raised.value.path, raised.value.line) == (broken, 4)
