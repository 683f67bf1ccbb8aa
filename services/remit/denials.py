"""The denial category table: which adjustments are denials, their category and follow-up queue.

A billing office edits the table as YAML (`config/denial_categories.yaml`, the format is
documented in the file and in docs/denial-categories.md). `load_denial_table` validates it
whole and refuses a bad file with every problem and its line; `DenialTableSource` reads
the file again whenever it changes on disk, and keeps the last good table in use when a
new version is refused (saying why), so a typo never stops posting.

Matching (pure, used by the posting domain): an adjustment whose group and CARC are listed
under `payment_adjustments` is part of an ordinary payment (contractual write-down or
patient cost share); any other is a denial, filed under the category of the most specific
rule matching its CARC, group and the RARCs on its line and claim.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.codes import load_code_sets
from shared.scrubber.yaml_marks import YamlStructureError, line_of, load_with_lines

log = logging.getLogger(__name__)

CATEGORY_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
QUEUE_PATTERN = r"^denials\.[a-z][a-z0-9]*(-[a-z0-9]+)*$"
GROUPS = ("CO", "PR", "OA", "PI", "CR")


class DenialTableError(ValueError):
    """The table is unusable: names the file, and each problem with its line."""

    def __init__(self, source: str, problems: list[tuple[int | None, str]]) -> None:
        self.source = source
        self.problems = problems
        text = "; ".join(f"line {line}: {reason}" if line else reason for line, reason in problems)
        super().__init__(f"denial category table {source} refused: {text}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _known_carc(code: str) -> str:
    code = code.strip().upper()
    if code not in load_code_sets().carc:
        raise ValueError(f"CARC {code!r} is not in the CARC list (shared/codes/data/carc.csv)")
    return code


def _known_rarc(code: str) -> str:
    code = code.strip().upper()
    if code not in load_code_sets().rarc:
        raise ValueError(f"RARC {code!r} is not in the RARC list (shared/codes/data/rarc.csv)")
    return code


class CategorySpec(_Model):
    queue: str = Field(pattern=QUEUE_PATTERN)
    description: str = ""


class PaymentAdjustment(_Model):
    group: Literal["CO", "PR", "OA", "PI", "CR"] | None = None
    carc: str

    _carc = field_validator("carc")(_known_carc)


class Rule(_Model):
    carc: str
    group: Literal["CO", "PR", "OA", "PI", "CR"] | None = None
    rarcs: tuple[str, ...] = ()
    category: str = Field(pattern=CATEGORY_PATTERN)

    _carc = field_validator("carc")(_known_carc)

    @field_validator("rarcs")
    @classmethod
    def _rarcs(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_known_rarc(v) for v in values)

    @property
    def specificity(self) -> int:
        return (1 if self.group else 0) + len(self.rarcs)


class TableDocument(_Model):
    version: int = Field(default=1, ge=1, le=1, description="The table format (1)")
    source: str = ""
    as_of: date | None = None
    default_category: str = Field(pattern=CATEGORY_PATTERN)
    categories: dict[str, CategorySpec] = Field(min_length=1)
    payment_adjustments: tuple[PaymentAdjustment, ...] = ()
    rules: tuple[Rule, ...] = ()

    @field_validator("categories")
    @classmethod
    def _names(cls, value: dict[str, CategorySpec]) -> dict[str, CategorySpec]:
        for name in value:
            if not re.fullmatch(CATEGORY_PATTERN, name):
                raise ValueError(
                    f"category name {name!r} must be lowercase words joined by hyphens"
                )
        return value

    @model_validator(mode="after")
    def _references(self) -> TableDocument:
        known = set(self.categories)
        if self.default_category not in known:
            raise ValueError(f"default_category {self.default_category!r} is not a category")
        return self


@dataclass(frozen=True)
class Category:
    name: str
    queue: str


@dataclass(frozen=True)
class DenialTable:
    """The validated table, ready to classify adjustments (pure lookups)."""

    source: str
    as_of: date | None
    categories: dict[str, Category]
    default: Category
    payment: frozenset[tuple[str | None, str]]
    rules: dict[str, tuple[Rule, ...]] = field(repr=False)
    """CARC -> its rules, most specific first (file order among equals)."""

    def is_payment_adjustment(self, group: str, carc: str) -> bool:
        """True for an ordinary payment's adjustment (contractual write-down, cost share)."""
        return (group, carc) in self.payment or (None, carc) in self.payment

    def category_for(self, carc: str, group: str, rarcs: Iterable[str] = ()) -> Category:
        """The category of a denial: the most specific matching rule, else the default."""
        present = set(rarcs)
        for rule in self.rules.get(carc, ()):
            if rule.group is not None and rule.group != group:
                continue
            if not set(rule.rarcs) <= present:
                continue
            return self.categories[rule.category]
        return self.default


def parse_denial_table(text: str, source: str = "<denial categories>") -> DenialTable:
    """The table from YAML text; DenialTableError names every problem with its line."""
    try:
        data, lines = load_with_lines(text)
    except YamlStructureError as exc:
        raise DenialTableError(source, [(exc.line, exc.reason)]) from exc
    if not isinstance(data, dict):
        raise DenialTableError(source, [(1, "the table is a mapping (version, categories...)")])
    try:
        document = TableDocument.model_validate(data)
    except ValidationError as exc:
        invalid = [
            (
                line_of(lines, e["loc"]),
                f"{_key(e['loc'])}: {e['msg'].removeprefix('Value error, ')}",
            )
            for e in exc.errors()
        ]
        raise DenialTableError(source, invalid) from None
    problems: list[tuple[int | None, str]] = []
    seen: dict[tuple[str, str | None, tuple[str, ...]], int] = {}
    for index, rule in enumerate(document.rules):
        where = line_of(lines, ("rules", index))
        if rule.category not in document.categories:
            problems.append(
                (where, f"rules[{index}].category: {rule.category!r} is not a category")
            )
        key = (rule.carc, rule.group, tuple(sorted(rule.rarcs)))
        if key in seen:
            problems.append(
                (where, f"rules[{index}]: the same CARC, group and RARCs as rules[{seen[key]}]")
            )
        seen[key] = index
        if document.payment_adjustments and any(
            p.carc == rule.carc and p.group in (None, rule.group) and rule.group is not None
            for p in document.payment_adjustments
        ):
            problems.append(
                (
                    where,
                    f"rules[{index}]: CARC {rule.carc} with group {rule.group} is listed "
                    "under payment_adjustments, so it is never a denial",
                )
            )
    if problems:
        raise DenialTableError(source, problems)
    categories = {
        name: Category(name=name, queue=spec.queue) for name, spec in document.categories.items()
    }
    by_carc: dict[str, list[tuple[int, Rule]]] = {}
    for index, rule in enumerate(document.rules):
        by_carc.setdefault(rule.carc, []).append((index, rule))
    rules = {
        carc: tuple(r for _, r in sorted(entries, key=lambda e: (-e[1].specificity, e[0])))
        for carc, entries in by_carc.items()
    }
    return DenialTable(
        source=source,
        as_of=document.as_of,
        categories=categories,
        default=categories[document.default_category],
        payment=frozenset((p.group, p.carc) for p in document.payment_adjustments),
        rules=rules,
    )


def load_denial_table(path: Path) -> DenialTable:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DenialTableError(str(path), [(None, f"cannot be read: {exc.strerror}")]) from exc
    return parse_denial_table(text, str(path))


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "table"


class DenialTableSource:
    """The table in force, read again whenever its file changes (size or modification time).

    A changed file that does not validate is refused: the previous table stays in use and
    `last_error` says why (and it is logged). Without any good table yet, `current()`
    raises the DenialTableError.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._table: DenialTable | None = None
        self._stamp: tuple[int, int] | None = None
        self.last_error: DenialTableError | None = None
        self._lock = threading.Lock()

    def current(self) -> DenialTable:
        with self._lock:
            try:
                stat = self.path.stat()
                stamp = (stat.st_mtime_ns, stat.st_size)
            except OSError as exc:
                error = DenialTableError(
                    str(self.path), [(None, f"cannot be read: {exc.strerror}")]
                )
                return self._keep(error, None)
            if self._table is not None and stamp == self._stamp:
                return self._table
            try:
                table = load_denial_table(self.path)
            except DenialTableError as error:
                return self._keep(error, stamp)
            self._table, self._stamp, self.last_error = table, stamp, None
            return table

    def _keep(self, error: DenialTableError, stamp: tuple[int, int] | None) -> DenialTable:
        if self._table is None:
            raise error
        if stamp is not None:
            self._stamp = stamp  # do not re-read the same broken file on every claim
        if self.last_error is None or str(self.last_error) != str(error):
            log.error("%s; the previous table stays in use", error)
        self.last_error = error
        return self._table
