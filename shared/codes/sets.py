"""All code sets as one frozen value, loaded from data files a billing office can replace
(a codes directory passed in or named by REVCYCLE_CODES_DIR), each with source and as-of date."""

from __future__ import annotations

import csv
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.codes.errors import CodeFileError

if TYPE_CHECKING:
    # Imported where the whole code sets are built (`_load_icd10`, `_load_ncci`): one list
    # (`load_code_list`: the X12 validator's CARC/RARC) needs neither loader.
    from shared.codes.icd10 import Icd10Catalog
    from shared.codes.ncci import NcciTables

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
SOURCES_FILE = "sources.yaml"
ENV_CODES_DIR = "REVCYCLE_CODES_DIR"

_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Where one code set came from: publisher/source text, as-of date, file and version."""

    name: str
    source: str
    as_of: date
    path: Path | None
    version: str
    effective_from: date | None = None
    effective_to: date | None = None


@dataclass(frozen=True, slots=True)
class Modifier:
    """A CPT/HCPCS modifier, its meaning and what it does (kind: pricing, ncci, telehealth, ...)."""

    code: str
    description: str
    kind: str


@dataclass(frozen=True)
class CodeSets:
    """Every code set the scrubber and the remit poster need; lookups are dict probes."""

    icd10: Icd10Catalog
    modifiers: dict[str, Modifier]
    place_of_service: dict[str, str]
    carc: dict[str, str]
    rarc: dict[str, str]
    claim_status_categories: dict[str, str]
    frequency_codes: dict[str, str]
    ncci: NcciTables
    sources: dict[str, SourceInfo]
    data_dir: Path | None = field(default=None)
    # Claim status codes (code list 508, STC01-2): code -> description ('' when the list
    # has none, as the shipped one).
    claim_status_codes: dict[str, str] = field(default_factory=dict)

    def modifiers_of_kind(self, kind: str) -> frozenset[str]:
        """Modifier codes of one kind, e.g. 'ncci' -> {'59', 'XE', 'XS', 'XP', 'XU', '25'}."""
        return frozenset(code for code, m in self.modifiers.items() if m.kind == kind)


# --------------------------------------------------------------------------- code lists

_LIST_SPECS: dict[str, tuple[list[str], re.Pattern[str]]] = {
    "modifiers": (["code", "description", "kind"], re.compile(r"[0-9A-Z]{2}")),
    "place_of_service": (["code", "name"], re.compile(r"[0-9]{2}")),
    "carc": (["code", "description"], re.compile(r"[A-Z]?[0-9]{1,3}")),
    "rarc": (["code", "description"], re.compile(r"[A-Z]{1,2}[0-9]{1,3}")),
    "claim_status_categories": (["code", "description"], re.compile(r"[A-Z][0-9]{1,2}[A-Z]?")),
    # Codes only (the source carries no descriptions): see data/claim_status_codes.csv.
    "claim_status_codes": (["code"], re.compile(r"[0-9]{1,4}")),
    "frequency_codes": (["code", "description"], re.compile(r"[0-9]")),
}


def _data_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if line.lstrip().startswith("#") or not line.strip():
                continue
            yield number, line


def read_code_list(
    path: Path, columns: list[str], code_pattern: re.Pattern[str]
) -> list[list[str]]:
    """Rows of a code-list CSV (header `columns`, '#' comment lines). The last column is free
    text: unquoted commas in it are kept, since descriptions are copied from published lists."""
    lines = list(_data_lines(path))
    if not lines:
        raise CodeFileError(path, None, "file has no header and no codes")
    header_line, header_text = lines[0]
    header = [h.strip().lower() for h in next(csv.reader([header_text]))]
    if header != columns:
        raise CodeFileError(
            path, header_line, f"header must be {','.join(columns)}, got {header_text.strip()!r}"
        )
    rows: list[list[str]] = []
    seen: dict[str, int] = {}
    for number, text in lines[1:]:
        try:
            cells = next(csv.reader([text], strict=True))
        except csv.Error as error:
            raise CodeFileError(path, number, f"not valid CSV ({error})") from None
        if len(cells) < len(columns):
            raise CodeFileError(
                path,
                number,
                f"expected {len(columns)} columns ({','.join(columns)}), got {len(cells)}",
            )
        if len(cells) > len(columns):
            cells = [*cells[: len(columns) - 1], ",".join(cells[len(columns) - 1 :])]
        cells = [c.strip() for c in cells]
        code = cells[0].upper()
        if not code_pattern.fullmatch(code):
            raise CodeFileError(
                path,
                number,
                f"{cells[0]!r} is not a valid {columns[0]} "
                f"(expected pattern {code_pattern.pattern})",
            )
        if not all(cells[1:]):
            raise CodeFileError(
                path, number, f"code {code} has an empty {columns[cells.index('')]}"
            )
        if code in seen:
            raise CodeFileError(path, number, f"code {code} already listed on line {seen[code]}")
        seen[code] = number
        rows.append([code, *cells[1:]])
    return rows


# --------------------------------------------------------------------------- sources


def _read_sources_yaml(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    # Imported here: the X12 validator's CARC/RARC lists start a command, and yaml is
    # ~15 ms of import. libyaml's loader when PyYAML has it (~10x the pure-Python one),
    # the pure-Python one otherwise; both build the same values and raise the same marked
    # errors (file and line below).
    import yaml

    loader = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else None
        raise CodeFileError(path, line, f"not valid YAML: {error.problem}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(v, dict) for v in loaded.values()):
        raise CodeFileError(path, None, "must map each code-set name to its source, as_of, ...")
    return loaded


def _header_metadata(path: Path) -> dict[str, str]:
    """'# source: ...', '# as_of: YYYY-MM-DD', '# version: ...' comment lines at a file's top."""
    found: dict[str, str] = {}
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            match = re.match(r"#\s*(source|as_of|version)\s*:\s*(.+?)\s*$", line)
            if match:
                found[match.group(1)] = match.group(2)
    return found


def _as_date(value: object, path: Path, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CodeFileError(
            path, None, f"{what} must be a date YYYY-MM-DD, got {value!r}"
        ) from None


def _source_info(name: str, meta: dict[str, Any], path: Path | None, where: Path) -> SourceInfo:
    if not meta.get("source") or not meta.get("as_of"):
        raise CodeFileError(
            where,
            None,
            f"code set {name!r} needs 'source' and 'as_of' "
            f"(in {SOURCES_FILE} or as '# source:' / '# as_of:' lines)",
        )
    return SourceInfo(
        name=name,
        source=str(meta["source"]),
        as_of=_as_date(meta["as_of"], where, f"{name} as_of"),
        path=path,
        version=str(meta.get("version", "")),
        effective_from=_as_date(meta["effective_from"], where, f"{name} effective_from")
        if meta.get("effective_from")
        else None,
        effective_to=_as_date(meta["effective_to"], where, f"{name} effective_to")
        if meta.get("effective_to")
        else None,
    )


_packaged: dict[str, dict[str, Any]] = {}


def _packaged_sources() -> dict[str, dict[str, Any]]:
    """The packaged sources.yaml, read once per process (every `load_code_list` makes a
    resolver); callers only read it. Forgotten by `clear_code_sets_cache`."""
    if not _packaged:
        _packaged.update(_read_sources_cached(DEFAULT_DATA_DIR / SOURCES_FILE))
    return _packaged


def cache_dir() -> Path:
    """Where built indexes and caches of the code sets are kept: $REVCYCLE_CODES_CACHE_DIR,
    else the user cache dir."""
    explicit = os.environ.get("REVCYCLE_CODES_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "revcycle" / "codes"


def _read_sources_cached(path: Path) -> dict[str, dict[str, Any]]:
    """`_read_sources_yaml(path)` through a cache file holding the exact text it was parsed
    from and the values (marshal): importing yaml is ~15 ms of a `revcycle x12 validate`
    that needs the packaged file's names of the CARC/RARC files. Any other text (an edited
    file), or a missing, unreadable or unwritable cache, reads the YAML as before."""
    import marshal
    import zlib

    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return _read_sources_yaml(path)  # missing: {}; unreadable: its own error
    data = text.encode()
    cache = cache_dir() / f"sources-{len(data)}-{zlib.crc32(data):08x}.marshal"
    try:
        cached_text, values = marshal.loads(cache.read_bytes())
        if cached_text == text:
            thawed: dict[str, dict[str, Any]] = _thaw(values)
            return thawed
    except (OSError, EOFError, ValueError, TypeError):
        pass  # no cache yet, or not one this code wrote: parse
    loaded = _read_sources_yaml(path)
    try:
        frozen = marshal.dumps((text, _freeze(loaded)))
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        partial.write_bytes(frozen)
        os.replace(partial, cache)  # whole or absent for a concurrent reader
    except (OSError, ValueError):
        pass  # a read-only cache dir, or a value marshal cannot hold: parse next time
    return loaded


def _freeze(value: Any) -> Any:
    """YAML's values as marshal holds them: dates as tagged tuples (YAML gives no tuples)."""
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_freeze(v) for v in value]
    if isinstance(value, datetime):
        return ("datetime", value.isoformat())
    if isinstance(value, date):
        return ("date", value.isoformat())
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_thaw(v) for v in value]
    if isinstance(value, tuple):
        kind, iso = value
        return datetime.fromisoformat(iso) if kind == "datetime" else date.fromisoformat(iso)
    return value


class _Resolver:
    """Finds each set's file: the office's directory first, the packaged default otherwise."""

    def __init__(self, override: Path | None) -> None:
        self.override = override
        self.defaults = _packaged_sources()
        self.overrides = _read_sources_yaml(override / SOURCES_FILE) if override else {}
        unknown = sorted(set(self.overrides) - set(self.defaults))
        if override is not None and unknown:
            # A misspelt set name would otherwise leave the packaged file silently in use.
            raise CodeFileError(
                override / SOURCES_FILE,
                None,
                f"unknown code set(s) {', '.join(unknown)}; known: {', '.join(self.defaults)}",
            )

    def file(self, name: str) -> tuple[Path, SourceInfo]:
        default = self.defaults[name]
        own = self.overrides.get(name, {})
        file_name = own.get("file") or default["file"]
        if (
            self.override is not None
            and own.get("file")
            and not (self.override / file_name).exists()
        ):
            raise CodeFileError(
                self.override / SOURCES_FILE,
                None,
                f"{name}: file {file_name} is not in {self.override}",
            )
        if self.override is not None and (self.override / file_name).exists():
            path = self.override / file_name
            # A replaced file must say where it came from: its own entry or header lines,
            # never the packaged default's (that would misstate the as-of date).
            meta = own or _header_metadata(path)
            where = self.override / SOURCES_FILE if own else path
            return path, _source_info(name, meta, path, where)
        path = DEFAULT_DATA_DIR / file_name
        return path, _source_info(name, default, path, DEFAULT_DATA_DIR / SOURCES_FILE)


def _package_date(file_name: str) -> date | None:
    """'icd10c-tabular-April-1-2026.xml' -> 2026-04-01."""
    match = re.search(r"([A-Za-z]+)-(?:(\d{1,2})-)?(\d{4})", file_name)
    if not match or match.group(1).lower() not in _MONTHS:
        return None
    return date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2) or 1))


def _load_icd10(resolver: _Resolver) -> tuple[Icd10Catalog, dict[str, SourceInfo]]:
    from shared.codes.icd10 import (
        Icd10Catalog,
        load_icd10_index,
        package_source,
        read_chapters,
        read_curated_manifestations,
        read_history,
        read_sex_age_rules,
    )

    sources: dict[str, SourceInfo] = {}
    order_files = sorted(resolver.override.glob("icd10cm_order*.txt")) if resolver.override else []
    if len(order_files) > 1:
        raise CodeFileError(
            order_files[1],
            None,
            "more than one icd10cm_order*.txt in "
            f"{resolver.override}: keep only the fiscal year in use",
        )
    if order_files:
        order_file = order_files[0]
        codes, manifestations = load_icd10_index(order_file)
        own = resolver.overrides.get("icd10cm")
        if own:
            sources["icd10cm"] = _source_info(
                "icd10cm", own, order_file, order_file.parent / SOURCES_FILE
            )
        else:
            year = re.search(r"(20\d\d)", order_file.name)
            if not year:
                raise CodeFileError(
                    order_file,
                    None,
                    "name the file icd10cm_order_YYYY.txt "
                    "(fiscal year) or describe it under 'icd10cm' in sources.yaml",
                )
            fiscal_year = int(year.group(1))
            sources["icd10cm"] = SourceInfo(
                "icd10cm",
                f"CMS ICD-10-CM order file {order_file.name}",
                date(fiscal_year - 1, 10, 1),
                order_file,
                f"FY{fiscal_year}",
                date(fiscal_year - 1, 10, 1),
                date(fiscal_year, 9, 30),
            )
    else:
        codes, manifestations = load_icd10_index(None)
        package = package_source()
        default = resolver.defaults["icd10cm"]
        package_year = package.fiscal_year
        sources["icd10cm"] = SourceInfo(
            name="icd10cm",
            source=f"CMS/NCHS ICD-10-CM FY{package_year} ({package.code_list.name}), "
            f"as shipped in PyPI simple-icd-10-cm {package.version}",
            as_of=_package_date(package.tabular.name)
            or _as_date(default["as_of"], DEFAULT_DATA_DIR, "as_of"),
            path=package.code_list,
            version=f"FY{package_year}",
            effective_from=date(package_year - 1, 10, 1) if package_year else None,
            effective_to=date(package_year, 9, 30) if package_year else None,
        )
    chapters_path, sources["icd10cm_chapters"] = resolver.file("icd10cm_chapters")
    rules_path, sources["icd10cm_sex_age"] = resolver.file("icd10cm_sex_age")
    manif_path, sources["icd10cm_manifestation"] = resolver.file("icd10cm_manifestation")
    history_path, sources["icd10cm_history"] = resolver.file("icd10cm_history")
    catalog = Icd10Catalog(
        codes=codes,
        manifestations=manifestations,
        chapters=read_chapters(chapters_path),
        sex_age_rules=read_sex_age_rules(rules_path),
        curated_manifestations=read_curated_manifestations(manif_path),
        history=read_history(history_path),
    )
    return catalog, sources


def _load_ncci(resolver: _Resolver) -> tuple[NcciTables, dict[str, SourceInfo]]:
    from shared.codes.ncci import load_ncci_dir

    default = resolver.defaults["ncci"]
    own = resolver.overrides.get("ncci", {})
    directory_name = own.get("directory") or default.get("directory", "ncci")
    candidate = resolver.override / directory_name if resolver.override else None
    # The office's ncci/ directory, even empty, replaces the demo tables: an empty one is how
    # an office that applies no NCCI edits (no Medicare or Medicaid business) says so.
    uses_override = candidate is not None and candidate.is_dir()
    directory = candidate if uses_override and candidate else DEFAULT_DATA_DIR / directory_name
    meta = own if uses_override else default
    effective_raw = meta.get("effective") or {}
    where = (resolver.override or DEFAULT_DATA_DIR) / SOURCES_FILE
    effective = {
        str(k): _as_date(v, where, f"ncci effective date of {k}") for k, v in effective_raw.items()
    }
    tables = load_ncci_dir(directory, effective)
    sources: dict[str, SourceInfo] = {}
    for info in tables.files:
        sources[f"ncci:{info.path.name}"] = SourceInfo(
            name=f"ncci:{info.path.name}",
            source=f"NCCI {info.kind.upper()} file {info.path.name} ({info.rows} edits)"
            + (f"; {meta['source']}" if meta.get("source") else ""),
            as_of=info.as_of or date.min,
            path=info.path,
            version=str(meta.get("version", "")),
        )
    if meta.get("source") and meta.get("as_of"):
        sources["ncci"] = _source_info("ncci", meta, directory, where)
    else:
        newest = max((i.as_of for i in tables.files if i.as_of), default=None)
        sources["ncci"] = SourceInfo(
            "ncci",
            f"CMS NCCI files in {directory}: " + ", ".join(i.path.name for i in tables.files)
            if tables.files
            else f"no NCCI files in {directory}: no NCCI edits applied",
            newest or date.min,
            directory,
            "",
        )
    return tables, sources


def _build(override: Path | None) -> CodeSets:
    if override is not None and not override.is_dir():
        raise CodeFileError(override, None, "codes directory does not exist")
    resolver = _Resolver(override)
    sources: dict[str, SourceInfo] = {}
    icd10, icd_sources = _load_icd10(resolver)
    sources.update(icd_sources)
    lists: dict[str, list[list[str]]] = {}
    for name, (columns, pattern) in _LIST_SPECS.items():
        path, sources[name] = resolver.file(name)
        lists[name] = read_code_list(path, columns, pattern)
    ncci, ncci_sources = _load_ncci(resolver)
    sources.update(ncci_sources)
    return CodeSets(
        icd10=icd10,
        modifiers={r[0]: Modifier(r[0], r[1], r[2]) for r in lists["modifiers"]},
        place_of_service={r[0]: r[1] for r in lists["place_of_service"]},
        carc={r[0]: r[1] for r in lists["carc"]},
        rarc={r[0]: r[1] for r in lists["rarc"]},
        claim_status_categories={r[0]: r[1] for r in lists["claim_status_categories"]},
        frequency_codes={r[0]: r[1] for r in lists["frequency_codes"]},
        ncci=ncci,
        sources=sources,
        data_dir=override,
        claim_status_codes=_described(lists["claim_status_codes"]),
    )


def _described(rows: list[list[str]]) -> dict[str, str]:
    """code -> description of a list's rows; '' for a codes-only list."""
    return {r[0]: r[1] if len(r) > 1 else "" for r in rows}


_cache: dict[Path | None, CodeSets] = {}
_cache_lock = threading.Lock()


def load_code_sets(data_dir: Path | None = None) -> CodeSets:
    """The code sets, from `data_dir` (or $REVCYCLE_CODES_DIR) over the packaged defaults;
    built once per directory and cached. Raises CodeFileError naming file and line."""
    if data_dir is None:
        # Read at call time, never at import: settings are not read at import time.
        env = os.environ.get(ENV_CODES_DIR)
        data_dir = Path(env) if env else None
    key = data_dir.resolve() if data_dir is not None else None
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        built = _build(key)
        _cache[key] = built
        return built


def clear_code_sets_cache() -> None:
    """Forget loaded code sets, so the next load re-reads replaced files (tests, reloads)."""
    with _cache_lock:
        _cache.clear()
        _list_cache.clear()
        _packaged.clear()


_list_cache: dict[tuple[str, Path | None], dict[str, str]] = {}


def load_code_list(name: str, data_dir: Path | None = None) -> dict[str, str]:
    """One code list (`place_of_service`, `carc`, `rarc`, `claim_status_categories`,
    `claim_status_codes`, `frequency_codes`): code -> description, without loading the
    whole CodeSets (the X12 validator checks an 835's CARC/RARC codes without reading
    ICD-10-CM)."""
    if data_dir is None:
        env = os.environ.get(ENV_CODES_DIR)
        data_dir = Path(env) if env else None
    key = (name, data_dir.resolve() if data_dir is not None else None)
    with _cache_lock:
        cached = _list_cache.get(key)
        if cached is not None:
            return cached
        columns, pattern = _LIST_SPECS[name]
        path, _ = _Resolver(key[1]).file(name)
        rows = _described(read_code_list(path, columns, pattern))
        _list_cache[key] = rows
        return rows
