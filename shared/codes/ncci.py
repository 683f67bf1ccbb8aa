"""NCCI loader: CMS procedure-to-procedure (PTP) and medically unlikely edit (MUE) files as
published quarterly, read as-is (tab-delimited or CSV after CMS's header lines), date-effective."""

from __future__ import annotations

import csv
import hashlib
import marshal
import os
import re
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from shared.codes.errors import CodeFileError
from shared.codes.icd10 import cache_dir

ModifierIndicator = Literal["0", "1", "9"]

# CMS MUE Adjudication Indicator: 1 = claim line edit, 2 = date of service edit (absolute,
# policy), 3 = date of service edit (clinical: may be appealed with documentation).
MUE_ADJUDICATION_INDICATORS = {
    "1": "Line Edit",
    "2": "Date of Service Edit: Policy",
    "3": "Date of Service Edit: Clinical",
}
MODIFIER_INDICATORS: dict[str, str] = {
    "0": "not allowed: no modifier bypasses this edit",
    "1": "allowed: a modifier (e.g. 59, XE, XS, XP, XU, anatomic) bypasses it when documented",
    "9": "not applicable: the edit was deleted retroactively and does not apply",
}
_PROCEDURE = re.compile(r"[0-9A-Z]{4}[0-9A-Z]")
_YYYYMMDD = re.compile(r"\d{8}")
_PTP_INDEX_SCHEMA = 1
_FILE_EFFECTIVE = re.compile(r"eff(?:ective)?[_ -]?(\d{2})[-_](\d{2})[-_](\d{4})", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """One PTP edit: column 2 is not paid with column 1 on the same day unless the indicator allows
    a modifier. Active from `effective` through `deletion` (both inclusive; None = not deleted)."""

    column1: str
    column2: str
    effective: date
    deletion: date | None
    modifier_indicator: ModifierIndicator
    prior_1996: bool = False
    rationale: str = ""

    def active_on(self, on: date) -> bool:
        return self.effective <= on and (self.deletion is None or on <= self.deletion)

    @property
    def modifier_allowed(self) -> bool:
        return self.modifier_indicator == "1"


@dataclass(frozen=True, slots=True)
class MueEdit:
    """Most units of `code` a provider reports for one patient per line or date of service.
    `adjudication_indicator` is the MAI digit ('1', '2' or '3'); the full CMS text is alongside."""

    code: str
    units: int
    adjudication_indicator: str
    rationale: str
    adjudication_description: str = ""
    service_type: str = ""

    @property
    def per_date_of_service(self) -> bool:
        """MAI 2 and 3 count units across all lines of the date of service; MAI 1 per line."""
        return self.adjudication_indicator in ("2", "3")


@dataclass(frozen=True, slots=True)
class MueFile:
    """One quarterly MUE file: its edits apply to dates of service from `effective` on."""

    path: Path
    effective: date
    edits: dict[str, MueEdit]


@dataclass(frozen=True, slots=True)
class NcciFileInfo:
    """What was read from one NCCI file, for `CodeSets.sources`."""

    path: Path
    kind: Literal["ptp", "mue"]
    rows: int
    as_of: date | None


_PAIR_MEMO_LIMIT = 200_000
_INDICATORS = ("0", "1", "9")
# Packed edit value, most significant first: effective ordinal (22 bits), deletion ordinal
# (22 bits, 0 = not deleted), indicator position (2), prior-1996 (1), rationale number (10).
_RATIONALE_BITS = 10
_VALUE_SHIFT = 57
_CODE_SPACE = 36**5  # a five-character code read as a base-36 number


def _pack_pair(column1: str, column2: str) -> int:
    return int(column1, 36) * _CODE_SPACE + int(column2, 36)


class PtpIndex:
    """One PTP file's edits as two sorted arrays: pair keys and packed edits; a lookup is a
    binary search (about 21 steps for two million edits) and unpacks only what it finds."""

    __slots__ = ("_keys", "_values", "_rationales")

    def __init__(self, keys: array[int], values: array[int], rationales: list[str]) -> None:
        self._keys = keys
        self._values = values
        self._rationales = rationales

    def __len__(self) -> int:
        return len(self._keys)

    @classmethod
    def build(cls, rows: Iterable[tuple[int, int]], rationales: list[str]) -> PtpIndex:
        # Sort (key, value) once as single integers: far less memory than tuples.
        combined = sorted((key << _VALUE_SHIFT) | value for key, value in rows)
        mask = (1 << _VALUE_SHIFT) - 1
        keys = array("Q", (c >> _VALUE_SHIFT for c in combined))
        values = array("Q", (c & mask for c in combined))
        return cls(keys, values, rationales)

    @classmethod
    def from_edits(cls, edits: Iterable[PtpEdit]) -> PtpIndex:
        rationales: dict[str, int] = {}
        rows = []
        for edit in edits:
            number = rationales.setdefault(edit.rationale, len(rationales))
            rows.append(
                (
                    _pack_pair(edit.column1, edit.column2),
                    _pack_edit(
                        edit.effective.toordinal(),
                        edit.deletion.toordinal() if edit.deletion else 0,
                        _INDICATORS.index(edit.modifier_indicator),
                        edit.prior_1996,
                        number,
                    ),
                )
            )
        return cls.build(rows, list(rationales))

    def edits(self, column1: str, column2: str) -> list[PtpEdit]:
        """Edits published with exactly this column 1 and column 2, oldest first."""
        if len(column1) != 5 or len(column2) != 5 or not (column1 + column2).isalnum():
            return []
        try:
            key = _pack_pair(column1, column2)
        except ValueError:
            return []
        found = []
        position = bisect_left(self._keys, key)
        while position < len(self._keys) and self._keys[position] == key:
            found.append(self._unpack(column1, column2, self._values[position]))
            position += 1
        return found

    def _unpack(self, column1: str, column2: str, value: int) -> PtpEdit:
        rationale = value & ((1 << _RATIONALE_BITS) - 1)
        value >>= _RATIONALE_BITS
        prior = bool(value & 1)
        value >>= 1
        indicator = _INDICATORS[value & 3]
        value >>= 2
        deletion = value & ((1 << 22) - 1)
        effective = value >> 22
        return PtpEdit(
            column1=column1,
            column2=column2,
            effective=date.fromordinal(effective),
            deletion=date.fromordinal(deletion) if deletion else None,
            modifier_indicator=indicator,  # type: ignore[arg-type]
            prior_1996=prior,
            rationale=self._rationales[rationale],
        )

    @property
    def newest_effective(self) -> date | None:
        if not self._values:
            return None
        return date.fromordinal(max(self._values) >> (_RATIONALE_BITS + 3 + 22))

    def pack(self) -> tuple[bytes, bytes, list[str]]:
        return self._keys.tobytes(), self._values.tobytes(), self._rationales

    @classmethod
    def unpack(cls, packed: tuple[bytes, bytes, list[str]]) -> PtpIndex:
        keys, values = array("Q"), array("Q")
        keys.frombytes(packed[0])
        values.frombytes(packed[1])
        if len(keys) != len(values):
            raise ValueError("PTP index arrays differ in length")
        return cls(keys, values, list(packed[2]))


def _pack_edit(effective: int, deletion: int, indicator: int, prior: bool, rationale: int) -> int:
    return (
        (((effective << 22 | deletion) << 2 | indicator) << 1 | int(prior)) << _RATIONALE_BITS
    ) | rationale


@dataclass
class NcciTables:
    """All loaded PTP edits and MUE files. PTP pairs sit in compact sorted indexes (16 bytes
    an edit: CMS's files hold millions); pairs already asked about are memoized."""

    _ptp_indexes: list[PtpIndex] = field(default_factory=list)
    _mue_files: list[MueFile] = field(default_factory=list)
    files: list[NcciFileInfo] = field(default_factory=list)
    _pair_memo: dict[tuple[str, str], tuple[PtpEdit, ...]] = field(default_factory=dict)

    def add_ptp_index(self, index: PtpIndex) -> None:
        self._ptp_indexes.append(index)
        self._pair_memo.clear()

    def add_ptp(self, edits: Iterable[PtpEdit]) -> None:
        """Add edits built in code (tests, payer-specific pairs) as one more index."""
        self.add_ptp_index(PtpIndex.from_edits(edits))

    def add_mue_file(self, mue_file: MueFile) -> None:
        self._mue_files.append(mue_file)
        # Newest first, so a lookup picks the latest file in effect on the date of service.
        self._mue_files.sort(key=lambda f: f.effective, reverse=True)

    @property
    def ptp_count(self) -> int:
        return sum(len(index) for index in self._ptp_indexes)

    @property
    def mue_count(self) -> int:
        return sum(len(f.edits) for f in self._mue_files)

    def _edits(self, column1: str, column2: str) -> tuple[PtpEdit, ...]:
        key = (column1, column2)
        found = self._pair_memo.get(key)
        if found is None:
            found = tuple(
                edit
                for pair in (key, (column2, column1))
                for index in self._ptp_indexes
                for edit in index.edits(*pair)
            )
            if len(self._pair_memo) >= _PAIR_MEMO_LIMIT:
                self._pair_memo.clear()
            self._pair_memo[key] = found
        return found

    def ptp(self, column1: str, column2: str, on: date) -> PtpEdit | None:
        """The PTP edit between two codes in effect on `on`, in either order; the result keeps
        column 1 / column 2 as CMS published them (column 2 is the one denied)."""
        for edit in self._edits(column1, column2):
            if edit.active_on(on):
                return edit
        return None

    def ptp_history(self, column1: str, column2: str) -> list[PtpEdit]:
        """Every edit ever published for the pair (either order), oldest first."""
        return sorted(self._edits(column1, column2), key=lambda e: e.effective)

    def mue(self, code: str, on: date) -> MueEdit | None:
        """The MUE for `code` from the latest MUE file in effect on `on` (None: no edit)."""
        for mue_file in self._mue_files:
            if mue_file.effective <= on:
                return mue_file.edits.get(code)
        return None


# --------------------------------------------------------------------------- file reading


def _split_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Cells of each line: tab-delimited when the line has a tab, else CSV (CMS ships both)."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            if "\t" in text:
                cells = text.split("\t")
            else:
                cells = next(csv.reader([text]))
            yield number, [c.strip().strip('"').strip() for c in cells]


def _is_ptp_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0].lower().replace(" ", "").startswith("column1")


def _is_mue_header(cells: list[str]) -> bool:
    # "HCPCS/CPT Code" then a "... MUE Values" column: copyright lines also mention CPT.
    first = cells[0].lower() if cells else ""
    return (
        len(cells) >= 3
        and ("hcpcs" in first or "cpt" in first)
        and any("mue value" in c.lower() for c in cells[1:])
    )


def detect_kind(path: Path) -> Literal["ptp", "mue"] | None:
    """'ptp' when a header names 'Column 1', 'mue' when it names MUE values, else None."""
    for _, cells in _split_lines(path):
        if _is_ptp_header(cells):
            return "ptp"
        if _is_mue_header(cells):
            return "mue"
    return None


def _parse_yyyymmdd(path: Path, line: int, text: str, what: str) -> date:
    if not _YYYYMMDD.fullmatch(text):
        raise CodeFileError(path, line, f"{what} must be YYYYMMDD, got {text!r}")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CodeFileError(path, line, f"{what} {text!r} is not a calendar date") from None


def _is_ptp_data_row(cells: list[str]) -> bool:
    return (
        len(cells) >= 6
        and _PROCEDURE.fullmatch(cells[0]) is not None
        and _PROCEDURE.fullmatch(cells[1]) is not None
    )


def _parse_ptp(path: Path) -> PtpIndex:
    """Parse a CMS practitioner or hospital PTP file: after the copyright and header lines,
    Column 1, Column 2, '*' (in existence prior to 1996), Effective Date, Deletion Date
    (YYYYMMDD or '*'), Modifier indicator (0/1/9), PTP Edit Rationale."""
    rows: list[tuple[int, int]] = []
    rationales: dict[str, int] = {}
    header_seen = False
    procedure = _PROCEDURE.fullmatch
    for number, cells in _split_lines(path):
        if not header_seen:
            header_seen = _is_ptp_header(cells)
            continue
        if not rows and not _is_ptp_data_row(cells):
            # CMS spreads its header over more than one row in some formats.
            continue
        if len(cells) < 6:
            raise CodeFileError(
                path,
                number,
                f"a PTP row needs at least 6 columns "
                f"(column 1, column 2, prior-1996, effective, deletion, modifier), "
                f"got {len(cells)}",
            )
        column1, column2, prior, effective_text, deletion_text, indicator = cells[:6]
        if procedure(column1) is None:
            raise CodeFileError(path, number, f"column 1 {column1!r} is not a CPT/HCPCS code")
        if procedure(column2) is None:
            raise CodeFileError(path, number, f"column 2 {column2!r} is not a CPT/HCPCS code")
        if prior not in ("", "*"):
            raise CodeFileError(
                path, number, f"prior-1996 column must be '*' or empty, got {prior!r}"
            )
        effective = _parse_yyyymmdd(path, number, effective_text, "effective date")
        deletion = (
            None
            if deletion_text in ("", "*")
            else _parse_yyyymmdd(path, number, deletion_text, "deletion date")
        )
        if deletion is not None and deletion < effective:
            raise CodeFileError(
                path,
                number,
                f"deletion date {deletion_text} is before effective date {effective_text}",
            )
        if indicator not in _INDICATORS:
            raise CodeFileError(
                path, number, f"modifier indicator must be 0, 1 or 9, got {indicator!r}"
            )
        rationale = cells[6] if len(cells) > 6 else ""
        rationale_number = rationales.setdefault(rationale, len(rationales))
        if rationale_number >= 1 << _RATIONALE_BITS:
            raise CodeFileError(path, number, "more than 1024 distinct PTP edit rationales")
        rows.append(
            (
                _pack_pair(column1, column2),
                _pack_edit(
                    effective.toordinal(),
                    deletion.toordinal() if deletion else 0,
                    _INDICATORS.index(indicator),
                    prior == "*",
                    rationale_number,
                ),
            )
        )
    if not header_seen:
        raise CodeFileError(path, None, "no PTP header line ('Column 1', 'Column 2', ...) found")
    return PtpIndex.build(rows, list(rationales))


def load_ptp_file(path: Path) -> PtpIndex:
    """A PTP file's index, parsed once and then read from the on-disk cache (keyed by the
    file's path, size and modification time): CMS's quarterly files hold millions of rows."""
    stat = path.stat()
    text = "|".join(
        str(p) for p in (_PTP_INDEX_SCHEMA, path.resolve(), stat.st_size, stat.st_mtime_ns)
    )
    cached_path = cache_dir() / f"ncci-ptp-{hashlib.sha256(text.encode()).hexdigest()[:20]}.marshal"
    try:
        with cached_path.open("rb") as handle:
            return PtpIndex.unpack(marshal.load(handle))
    except (OSError, EOFError, ValueError, TypeError, IndexError):
        pass  # not built yet, or unreadable: parse the file
    index = _parse_ptp(path)
    try:
        cached_path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=cached_path.parent, prefix=cached_path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            marshal.dump(index.pack(), handle)
        os.replace(temp, cached_path)
    except OSError:
        pass  # a read-only cache dir only costs speed
    return index


def read_ptp_file(path: Path) -> list[PtpEdit]:
    """Every edit of a PTP file as PtpEdit values, in pair order (for inspection and tests)."""
    index = _parse_ptp(path)
    return [
        index._unpack(*_unpack_pair(index._keys[i]), index._values[i]) for i in range(len(index))
    ]


def _unpack_pair(key: int) -> tuple[str, str]:
    return _base36(key // _CODE_SPACE), _base36(key % _CODE_SPACE)


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for _ in range(5):
        number, remainder = divmod(number, 36)
        out.append(digits[remainder])
    return "".join(reversed(out))


def read_mue_file(path: Path) -> dict[str, MueEdit]:
    """Read a CMS MUE file (practitioner, outpatient hospital or DME): after the header lines,
    HCPCS/CPT Code, MUE Value, MUE Adjudication Indicator ('2 Date of Service Edit: Policy'),
    MUE Rationale."""
    edits: dict[str, MueEdit] = {}
    header: list[str] | None = None
    service_type = ""
    for number, cells in _split_lines(path):
        if header is None:
            if _is_mue_header(cells):
                header = cells
                # "Practitioner Services MUE Values" -> "Practitioner Services"
                service_type = re.sub(r"\s*MUE Values?\s*$", "", cells[1], flags=re.IGNORECASE)
            continue
        if not edits and not _PROCEDURE.fullmatch(cells[0]):
            continue
        if len(cells) < 3:
            raise CodeFileError(
                path,
                number,
                f"an MUE row needs code, units and adjudication "
                f"indicator, got {len(cells)} columns",
            )
        code, units_text, indicator_text = cells[:3]
        if not _PROCEDURE.fullmatch(code):
            raise CodeFileError(path, number, f"{code!r} is not a CPT/HCPCS code")
        if not units_text.isdigit():
            raise CodeFileError(
                path, number, f"MUE value must be a whole number of units, got {units_text!r}"
            )
        indicator = indicator_text[:1]
        if indicator not in MUE_ADJUDICATION_INDICATORS:
            raise CodeFileError(
                path,
                number,
                f"MUE adjudication indicator must start with 1, 2 or 3, got {indicator_text!r}",
            )
        if code in edits:
            raise CodeFileError(path, number, f"code {code} listed twice")
        edits[code] = MueEdit(
            code=code,
            units=int(units_text),
            adjudication_indicator=indicator,
            rationale=cells[3] if len(cells) > 3 else "",
            adjudication_description=indicator_text[1:].strip()
            or MUE_ADJUDICATION_INDICATORS[indicator],
            service_type=service_type,
        )
    if header is None:
        raise CodeFileError(path, None, "no MUE header line ('HCPCS/CPT Code', ... MUE ...) found")
    return edits


def effective_from_file_name(path: Path) -> date | None:
    """CMS names MUE files '..._Eff_01-01-2026.csv': the quarter they take effect."""
    match = _FILE_EFFECTIVE.search(path.name)
    if not match:
        return None
    month, day, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def load_ncci_dir(directory: Path, effective_dates: dict[str, date] | None = None) -> NcciTables:
    """Every PTP and MUE file in `directory` (.txt, .csv, .tsv), kind detected from its header.
    MUE files take effect on the date given in `effective_dates` (by file name, e.g. from
    sources.yaml) or in the file name ('Eff_MM-DD-YYYY')."""
    tables = NcciTables()
    effective_dates = effective_dates or {}
    files = sorted(
        p
        for p in directory.iterdir()
        if p.is_file() and p.suffix.lower() in (".txt", ".csv", ".tsv")
    )
    for path in files:
        kind = detect_kind(path)
        if kind == "ptp":
            index = load_ptp_file(path)
            tables.add_ptp_index(index)
            tables.files.append(NcciFileInfo(path, "ptp", len(index), index.newest_effective))
        elif kind == "mue":
            effective = effective_dates.get(path.name) or effective_from_file_name(path)
            if effective is None:
                raise CodeFileError(
                    path,
                    None,
                    "MUE file has no effective date: name it like "
                    "CMS does ('..._Eff_01-01-2026.csv') or give 'effective' "
                    "for it in sources.yaml",
                )
            mue_edits = read_mue_file(path)
            tables.add_mue_file(MueFile(path, effective, mue_edits))
            tables.files.append(NcciFileInfo(path, "mue", len(mue_edits), effective))
        else:
            raise CodeFileError(
                path,
                None,
                "not an NCCI PTP or MUE file (no 'Column 1' or "
                "'HCPCS/CPT Code ... MUE' header line)",
            )
    return tables
