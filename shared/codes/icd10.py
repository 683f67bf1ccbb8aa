"""ICD-10-CM catalog: existence, billable leaf, description, chapter, sex/age limits, manifestation,
external cause and fiscal-year validity, built from the CMS list and indexed for O(1) lookups."""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import marshal
import os
import re
import sys
import tempfile
import warnings
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from shared.codes.errors import CodeFileError

Sex = Literal["M", "F"]

# Bumped whenever the cached index layout changes, so stale caches are never read.
_INDEX_SCHEMA = 4
_PACKAGE = "simple-icd-10-cm"
_CODE_SHAPE = re.compile(r"[A-Z][0-9A-Z][0-9A-Z]([0-9A-Z]{1,4})?")
# "in diseases classified elsewhere" and its variants mark manifestation codes (ICD-10-CM
# guideline I.A.13). B95-B97 say "as the cause of diseases classified elsewhere": those are
# infectious-agent codes, not manifestations, so they are excluded.
_MANIFESTATION_PHRASE = re.compile(r"classified elsewhere", re.IGNORECASE)
_NOT_MANIFESTATION_PHRASE = re.compile(r"as the cause of", re.IGNORECASE)
# Twice the code count, so every real code in both spellings fits.
_MEMO_LIMIT = 250_000


@dataclass(frozen=True, slots=True)
class Icd10Code:
    """One ICD-10-CM code (stored without the dot) with the facts a scrubber needs."""

    code: str
    description: str
    billable: bool
    chapter: str
    chapter_range: str
    sex: Sex | None = None
    age_min: int | None = None
    age_max: int | None = None
    manifestation: bool = False
    external_cause: bool = False
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def dotted(self) -> str:
        """The code as printed on paper, e.g. 'E11.9' (claims carry it without the dot)."""
        return self.code if len(self.code) <= 3 else f"{self.code[:3]}.{self.code[3:]}"


@dataclass(frozen=True, slots=True)
class Chapter:
    """An ICD-10-CM chapter: number ('19'), code range ('S00-T88') and title."""

    number: str
    code_range: str
    title: str

    @property
    def first(self) -> str:
        return self.code_range.split("-")[0]

    @property
    def last(self) -> str:
        return self.code_range.split("-")[1]


@dataclass(frozen=True, slots=True)
class SexAgeRule:
    """Codes from `first` to `last` (prefix comparison) are limited to a sex and/or an age range."""

    first: str
    last: str
    sex: Sex | None
    age_min: int | None
    age_max: int | None
    category: str

    def covers(self, code: str) -> bool:
        return _in_range(code, self.first, self.last)


@dataclass(frozen=True, slots=True)
class BillableWindow:
    """A period in which a code was billable (from the year-over-year change history)."""

    code: str
    description: str
    valid_from: date | None
    valid_to: date | None
    change: str

    def covers(self, on: date) -> bool:
        return (self.valid_from is None or on >= self.valid_from) and (
            self.valid_to is None or on <= self.valid_to
        )


def normalize_icd10(code: str) -> str:
    """'e11.9 ' -> 'E119': claims carry ICD-10-CM codes without the dot, upper case."""
    return code.strip().replace(".", "").upper()


def _in_range(code: str, first: str, last: str) -> bool:
    # Range bounds are compared on their own length, so 'O00'-'O9A' covers 'O9A211' and
    # 'N40'-'N53' covers 'N529'. ASCII order puts letters after digits ('D3A' between
    # 'D39' and 'D40'), which is the order CMS publishes codes in.
    return code[: len(first)] >= first and code[: len(last)] <= last


class Icd10Catalog:
    """Lookup of ICD-10-CM codes; every lookup is a dict probe, memoized per code."""

    def __init__(
        self,
        codes: Mapping[str, tuple[str, bool]],
        manifestations: Iterable[str],
        chapters: list[Chapter],
        sex_age_rules: list[SexAgeRule],
        curated_manifestations: Iterable[str] = (),
        history: Iterable[BillableWindow] = (),
    ) -> None:
        self._codes = codes
        self._derived_manifestations = frozenset(manifestations)
        self._curated_manifestations = tuple(curated_manifestations)
        self._chapters = sorted(chapters, key=lambda c: c.first)
        self._chapter_starts = [c.first for c in self._chapters]
        self._rules = list(sex_age_rules)
        # Rules bucketed by the code's first letter: a lookup scans only the few that can apply.
        self._rules_by_letter: dict[str, list[SexAgeRule]] = {}
        for rule in self._rules:
            for letter in map(chr, range(ord(rule.first[0]), ord(rule.last[0]) + 1)):
                self._rules_by_letter.setdefault(letter, []).append(rule)
        self._history: dict[str, list[BillableWindow]] = {}
        for window in history:
            self._history.setdefault(window.code, []).append(window)
        self._memo: dict[str, Icd10Code | None] = {}

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.lookup(code) is not None

    @property
    def chapters(self) -> list[Chapter]:
        return list(self._chapters)

    def chapter_of(self, code: str) -> Chapter | None:
        """The chapter whose range holds `code` (by its first three characters)."""
        category = normalize_icd10(code)[:3]
        index = bisect_right(self._chapter_starts, category) - 1
        if index < 0:
            return None
        chapter = self._chapters[index]
        return chapter if _in_range(category, chapter.first, chapter.last) else None

    def lookup(self, code: str) -> Icd10Code | None:
        """The code (with or without the dot, any case), or None when CMS never listed it."""
        if not isinstance(code, str):
            return None
        try:
            return self._memo[code]
        except KeyError:
            pass
        normalized = normalize_icd10(code)
        found = self._build(normalized)
        if len(self._memo) >= _MEMO_LIMIT:
            # Arbitrary input strings must not grow the memo without bound.
            self._memo.clear()
        # Memoize both the raw and normalized spelling: the scrubber asks for the same few
        # hundred codes over and over, so the second ask is one dict probe.
        self._memo[code] = found
        self._memo[normalized] = found
        return found

    def valid_on(self, code: str, on: date) -> bool:
        """True when `code` is a billable code on date `on` (the date of service)."""
        found = self.lookup(code)
        if found is not None and found.billable:
            if (found.valid_from is None or on >= found.valid_from) and (
                found.valid_to is None or on <= found.valid_to
            ):
                return True
        # A code may have been billable in an earlier fiscal year and since deleted or
        # expanded into subcodes; the change history keeps those windows.
        return any(w.covers(on) for w in self._history.get(normalize_icd10(code), ()))

    def history(self, code: str) -> list[BillableWindow]:
        """Earlier billable windows of `code` known from the change history file."""
        return list(self._history.get(normalize_icd10(code), ()))

    def _build(self, code: str) -> Icd10Code | None:
        if not _CODE_SHAPE.fullmatch(code):
            return None
        entry = self._codes.get(code)
        windows = self._history.get(code, [])
        valid_from: date | None = None
        valid_to: date | None = None
        if entry is not None:
            description, billable = entry
            added = [w for w in windows if w.change == "added" and w.valid_from is not None]
            if added:
                valid_from = min(w.valid_from for w in added if w.valid_from is not None)
        else:
            deleted = [w for w in windows if w.change == "deleted"]
            if not deleted:
                return None
            # A deleted code is still known, so the scrubber can say "deleted on ..." rather
            # than "does not exist"; its window ends at its deletion.
            last = max(deleted, key=lambda w: w.valid_to or date.max)
            description, billable = last.description, True
            valid_from, valid_to = last.valid_from, last.valid_to
        chapter = self.chapter_of(code)
        sex: Sex | None = None
        age_min: int | None = None
        age_max: int | None = None
        for rule in self._rules_by_letter.get(code[0], ()):
            if not rule.covers(code):
                continue
            if rule.sex is not None:
                sex = rule.sex
            # Several rules may cover one code (female-only and maternity age): the
            # narrowest window that satisfies all of them applies.
            if rule.age_min is not None:
                age_min = rule.age_min if age_min is None else max(age_min, rule.age_min)
            if rule.age_max is not None:
                age_max = rule.age_max if age_max is None else min(age_max, rule.age_max)
        manifestation = code in self._derived_manifestations or any(
            code.startswith(prefix) for prefix in self._curated_manifestations
        )
        return Icd10Code(
            code=code,
            description=description,
            billable=billable,
            chapter=chapter.number if chapter else "",
            chapter_range=chapter.code_range if chapter else "",
            sex=sex,
            age_min=age_min,
            age_max=age_max,
            manifestation=manifestation,
            external_cause=_in_range(code, "V00", "Y99"),
            valid_from=valid_from,
            valid_to=valid_to,
        )


# --------------------------------------------------------------------------- index building


def derive_manifestations(codes: Mapping[str, tuple[str, bool]]) -> frozenset[str]:
    """Codes titled '... in diseases classified elsewhere', and every code below one of them."""
    marked: set[str] = set()
    for code in sorted(codes, key=len):
        description = codes[code][0]
        if _MANIFESTATION_PHRASE.search(description) and not _NOT_MANIFESTATION_PHRASE.search(
            description
        ):
            marked.add(code)
            continue
        # Subcodes inherit the parent's nature (D63.1 'Anemia in chronic kidney disease'
        # sits under D63 'Anemia in chronic diseases classified elsewhere').
        if any(code[:n] in marked for n in range(3, len(code))):
            marked.add(code)
    return frozenset(marked)


def parse_cms_order_file(path: Path) -> dict[str, tuple[str, bool]]:
    """Read CMS's ICD-10-CM order file (icd10cm_order_YYYY.txt), fixed-width:
    order number (1-5), code (7-13), header flag (15: 0 header, 1 valid for submission),
    short description (17-76), long description (78-)."""
    codes: dict[str, tuple[str, bool]] = {}
    with path.open(encoding="utf-8", errors="strict") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            if len(line) < 17 or not line[:5].strip().isdigit():
                raise CodeFileError(
                    path,
                    number,
                    "not a CMS order-file line (expected "
                    "5-digit order number, code in columns 7-13, flag in 15)",
                )
            code = line[6:13].strip()
            flag = line[14]
            if not _CODE_SHAPE.fullmatch(code):
                raise CodeFileError(path, number, f"{code!r} is not an ICD-10-CM code")
            if flag not in "01":
                raise CodeFileError(path, number, f"header flag must be 0 or 1, got {flag!r}")
            description = line[77:].strip() or line[16:76].strip()
            if not description:
                raise CodeFileError(path, number, f"code {code} has no description")
            if code in codes:
                raise CodeFileError(path, number, f"code {code} listed twice")
            codes[code] = (description, flag == "1")
    if not codes:
        raise CodeFileError(path, None, "no ICD-10-CM codes in the file")
    return codes


def _codes_from_package() -> dict[str, tuple[str, bool]]:
    # Importing simple_icd_10_cm parses the whole tabular XML (~3 s); it only happens when
    # the on-disk index for this package version is missing.
    with warnings.catch_warnings():
        # The package reads its data with importlib.resources' legacy API (deprecated).
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd  # type: ignore[import-untyped]

    codes: dict[str, tuple[str, bool]] = {}
    for code in icd.get_all_codes(False):
        # Chapters ('19') and blocks ('S70-S79') are groupings, not codes.
        if code.isdigit() or "-" in code:
            continue
        # The package joins alternative seventh-character titles with "/\t" ("... type I or
        # II/\tinitial encounter for open fracture NOS"); CMS's order file keeps the first.
        description = icd.get_description(code).split("/\t")[0].strip()
        codes[code] = (description, bool(icd.is_leaf(code)))
    return codes


@dataclass(frozen=True, slots=True)
class PackageSource:
    """Where the default ICD-10-CM list comes from: the simple-icd-10-cm wheel's CMS files."""

    version: str
    code_list: Path
    tabular: Path
    fiscal_year: int | None


def package_source() -> PackageSource:
    """Locate the package's CMS files without importing it (importing parses the XML)."""
    dist = importlib.metadata.distribution(_PACKAGE)
    code_list: Path | None = None
    tabular: Path | None = None
    for file in dist.files or ():
        name = file.name
        if name.startswith("code-list") and name.endswith(".txt"):
            code_list = Path(str(dist.locate_file(file)))
        elif name.endswith(".xml") and "tabular" in name:
            tabular = Path(str(dist.locate_file(file)))
    if code_list is None or tabular is None:
        raise RuntimeError(f"{_PACKAGE} {dist.version} does not ship its CMS data files")
    fiscal_year: int | None = None
    with tabular.open(encoding="utf-8") as handle:
        head = handle.read(400)
    match = re.search(r"<version>(\d{4})</version>", head)
    if match:
        fiscal_year = int(match.group(1))
    return PackageSource(dist.version, code_list, tabular, fiscal_year)


def cache_dir() -> Path:
    """Where built indexes are kept: $REVCYCLE_CODES_CACHE_DIR, else the user cache dir."""
    from shared.codes.sets import cache_dir as codes_cache_dir  # sets imports this module lazily

    return codes_cache_dir()


def _cache_key(parts: Iterable[object]) -> str:
    text = "|".join(str(p) for p in (_INDEX_SCHEMA, sys.version_info[:2], *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class CodeTable(Mapping[str, tuple[str, bool]]):
    """code -> (description, billable), stored as three parallel sequences so the on-disk index
    loads as a few large strings (tens of ms) instead of 98,000 small objects."""

    __slots__ = ("_index", "_descriptions", "_billable")

    def __init__(self, codes: list[str], descriptions: list[str], billable: bytes) -> None:
        if not len(codes) == len(descriptions) == len(billable):
            raise ValueError("codes, descriptions and billable flags differ in length")
        self._index = {code: i for i, code in enumerate(codes)}
        self._descriptions = descriptions
        self._billable = billable

    @classmethod
    def from_mapping(cls, codes: Mapping[str, tuple[str, bool]]) -> CodeTable:
        items = list(codes.items())
        return cls(
            [code for code, _ in items],
            [description for _, (description, _) in items],
            bytes(1 if billable else 0 for _, (_, billable) in items),
        )

    def __getitem__(self, code: str) -> tuple[str, bool]:
        i = self._index[code]
        return self._descriptions[i], self._billable[i] == 1

    def __contains__(self, code: object) -> bool:
        return code in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def pack(self) -> tuple[str, str, bytes]:
        return (
            _SEPARATOR.join(self._index),
            _SEPARATOR.join(self._descriptions),
            self._billable,
        )

    @classmethod
    def unpack(cls, packed: tuple[str, str, bytes]) -> CodeTable:
        codes, descriptions, billable = packed
        return cls(codes.split(_SEPARATOR), descriptions.split(_SEPARATOR), billable)


# ASCII unit separator: never in a CMS description (tabs and slashes are).
_SEPARATOR = "\x1f"

Icd10Index = tuple[CodeTable, frozenset[str]]


def _read_index(path: Path) -> Icd10Index | None:
    try:
        with path.open("rb") as handle:
            packed, manifestations = marshal.load(handle)
        return CodeTable.unpack(packed), frozenset(manifestations.split(_SEPARATOR))
    except (OSError, EOFError, ValueError, TypeError):
        # Missing, truncated or from another layout: rebuild from the source.
        return None


def _write_index(path: Path, table: CodeTable, manifestations: frozenset[str]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a concurrent reader never sees half a file.
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            marshal.dump((table.pack(), _SEPARATOR.join(sorted(manifestations))), handle)
        os.replace(temp, path)
    except OSError:
        # A read-only home directory only costs speed: the index is rebuilt next time.
        return


def load_icd10_index(order_file: Path | None = None) -> Icd10Index:
    """Codes (code -> (description, billable)) and derived manifestations, from a CMS order
    file when given, else from the simple-icd-10-cm package; cached on disk per source."""
    if order_file is not None:
        stat = order_file.stat()
        key = _cache_key(("order", order_file.resolve(), stat.st_size, stat.st_mtime_ns))
    else:
        source = package_source()
        key = _cache_key(("package", source.version, source.code_list.name, source.tabular.name))
    # Code sets loaded for several directories share one index per source in this process.
    in_memory = _loaded_indexes.get(key)
    if in_memory is not None:
        return in_memory
    cached_path = cache_dir() / f"icd10cm-{key}.marshal"
    cached = _read_index(cached_path)
    if cached is None:
        codes = (
            parse_cms_order_file(order_file) if order_file is not None else _codes_from_package()
        )
        if any(_SEPARATOR in d for d, _ in codes.values()):
            raise ValueError("an ICD-10-CM description contains the index separator \\x1f")
        cached = CodeTable.from_mapping(codes), derive_manifestations(codes)
        _write_index(cached_path, *cached)
    _loaded_indexes[key] = cached
    return cached


_loaded_indexes: dict[str, Icd10Index] = {}


# --------------------------------------------------------------------------- curated tables


def _rows(path: Path, columns: list[str]) -> Iterable[tuple[int, dict[str, str]]]:
    """CSV rows as dicts with their line numbers; '#' lines are comments; header checked."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [(n, line) for n, line in enumerate(handle, start=1) if not line.startswith("#")]
    if not lines:
        raise CodeFileError(path, None, "file is empty")
    reader = csv.reader(line for _, line in lines)
    header = [h.strip() for h in next(reader)]
    if header[: len(columns)] != columns:
        raise CodeFileError(
            path, lines[0][0], f"header must start with {','.join(columns)}, got {','.join(header)}"
        )
    for (number, _), row in zip(lines[1:], reader, strict=False):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(columns):
            raise CodeFileError(
                path,
                number,
                f"expected {len(columns)} columns ({','.join(columns)}), got {len(row)}",
            )
        yield number, {name: row[i].strip() for i, name in enumerate(columns)}


def _optional_int(path: Path, line: int, text: str, field: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise CodeFileError(path, line, f"{field} must be a whole number of years, got {text!r}")
    return int(text)


def _optional_date(path: Path, line: int, text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CodeFileError(
            path, line, f"{field} must be a date YYYY-MM-DD, got {text!r}"
        ) from None


def read_chapters(path: Path) -> list[Chapter]:
    chapters: list[Chapter] = []
    for line, row in _rows(path, ["chapter", "range", "title"]):
        if not re.fullmatch(r"[A-Z][0-9A-Z]{2}-[A-Z][0-9A-Z]{2}", row["range"]):
            raise CodeFileError(path, line, f"range must look like A00-B99, got {row['range']!r}")
        chapters.append(Chapter(row["chapter"], row["range"], row["title"]))
    return chapters


def read_sex_age_rules(path: Path) -> list[SexAgeRule]:
    rules: list[SexAgeRule] = []
    for line, row in _rows(path, ["first", "last", "sex", "age_min", "age_max", "category"]):
        first, last = normalize_icd10(row["first"]), normalize_icd10(row["last"])
        for bound in (first, last):
            if not _CODE_SHAPE.fullmatch(bound):
                raise CodeFileError(path, line, f"{bound!r} is not an ICD-10-CM code or category")
        if last[: len(first)] < first[: len(last)]:
            raise CodeFileError(path, line, f"range {first}-{last} is backwards")
        sex = row["sex"].upper() or None
        if sex not in (None, "M", "F"):
            raise CodeFileError(path, line, f"sex must be M, F or empty, got {row['sex']!r}")
        age_min = _optional_int(path, line, row["age_min"], "age_min")
        age_max = _optional_int(path, line, row["age_max"], "age_max")
        if age_min is not None and age_max is not None and age_min > age_max:
            raise CodeFileError(path, line, f"age_min {age_min} is above age_max {age_max}")
        if sex is None and age_min is None and age_max is None:
            raise CodeFileError(path, line, "a rule needs a sex or an age limit")
        rules.append(SexAgeRule(first, last, sex, age_min, age_max, row["category"]))  # type: ignore[arg-type]
    return rules


def read_curated_manifestations(path: Path) -> list[str]:
    prefixes: list[str] = []
    for line, row in _rows(path, ["code", "description"]):
        code = normalize_icd10(row["code"])
        if not _CODE_SHAPE.fullmatch(code):
            raise CodeFileError(path, line, f"{row['code']!r} is not an ICD-10-CM code")
        prefixes.append(code)
    return prefixes


def read_history(path: Path) -> list[BillableWindow]:
    windows: list[BillableWindow] = []
    for line, row in _rows(path, ["code", "change", "valid_from", "valid_to", "description"]):
        code = normalize_icd10(row["code"])
        if not _CODE_SHAPE.fullmatch(code):
            raise CodeFileError(path, line, f"{row['code']!r} is not an ICD-10-CM code")
        if row["change"] not in ("added", "deleted", "expanded"):
            raise CodeFileError(
                path, line, f"change must be added, deleted or expanded, got {row['change']!r}"
            )
        windows.append(
            BillableWindow(
                code=code,
                description=row["description"],
                valid_from=_optional_date(path, line, row["valid_from"], "valid_from"),
                valid_to=_optional_date(path, line, row["valid_to"], "valid_to"),
                change=row["change"],
            )
        )
    return windows
