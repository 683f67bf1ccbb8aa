"""Fixtures for the simulator tests: a folder pair with 837/270/276 files, answered by profile.

`sim` gives a `Harness`: put files into its `inbound` folder (factories' claims written by
the project's own 837 writers), answer them with `respond` under a profile (a shipped one,
or the clean profile with one payer's keys overridden), then read the answers and the truth.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.claim_model import Claim
from shared.x12.control_numbers import InMemoryControlNumbers
from shared.x12.reader import parse
from shared.x12.x12_835_005010X221A1.models import Transaction835
from shared.x12.x12_837_005010X222A1.writer import write_837p
from shared.x12.x12_837_005010X223A2.writer import write_837i
from simulator.profile import PROFILE_DIR, Profile, parse_profile
from simulator.respond import RespondResult, respond
from simulator.truth import Truth, load_truth
from testsupport.x12 import CREATED_AT, RECEIVER, SUBMITTER

AS_OF = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def make_profile(
    base: str = "clean",
    *,
    payer_id: str = "87726",
    rules: Sequence[dict[str, Any]] = (),
    top: dict[str, Any] | None = None,
    **payer: Any,
) -> Profile:
    """A shipped profile with keys of one payer replaced (merged into nested mappings)."""
    data = yaml.safe_load((PROFILE_DIR / f"{base}.yaml").read_text())
    for index, entry in enumerate(data["payers"]):
        if entry["payer_id"] == payer_id:
            data["payers"][index] = _merge(entry, payer)
            break
    else:
        data["payers"].append(_merge({"payer_id": payer_id, "name": f"Payer {payer_id}"}, payer))
    data["rules"] = list(rules)
    if top:
        data = _merge(data, top)
    return parse_profile(yaml.safe_dump(data), f"{base}+test")


def _written(writer: Any, claims: Iterable[Claim]) -> str:
    return str(
        writer(
            list(claims),
            submitter=SUBMITTER,
            receiver=RECEIVER,
            created_at=CREATED_AT,
            numbers=InMemoryControlNumbers(),
        )
    )


class Harness:
    """An inbound folder, an answer folder and helpers to read what came back."""

    def __init__(self, root: Path) -> None:
        self.inbound = root / "in"
        self.out = root / "out"
        self.inbound.mkdir()
        self.result: RespondResult | None = None

    def add(self, name: str, content: str | bytes) -> Path:
        path = self.inbound / name
        path.write_bytes(content.encode("ascii") if isinstance(content, str) else content)
        return path

    def add_837p(self, claims: Iterable[Claim], name: str = "batch.837") -> Path:
        return self.add(name, _written(write_837p, claims))

    def add_837i(self, claims: Iterable[Claim], name: str = "batch-i.837") -> Path:
        return self.add(name, _written(write_837i, claims))

    def respond(
        self,
        profile: Profile | None = None,
        *,
        seed: int = 1,
        as_of: datetime = AS_OF,
        out: Path | None = None,
        in_dir: Path | None = None,
    ) -> RespondResult:
        profile = profile if profile is not None else make_profile()
        self.result = respond(
            in_dir or self.inbound, out or self.out, profile=profile, seed=seed, as_of=as_of
        )
        return self.result

    def clear_inbound(self) -> None:
        for path in self.inbound.iterdir():
            path.unlink()

    def names(self, suffix: str = "") -> list[str]:
        return sorted(p.name for p in self.out.iterdir() if p.is_file() and p.name.endswith(suffix))

    def text(self, name: str) -> str:
        return (self.out / name).read_text(encoding="ascii")

    def segments(self, name: str) -> list[list[str]]:
        """The file's segments as element lists (one segment per line)."""
        return [line.rstrip("~").split("*") for line in self.text(name).splitlines() if line]

    def truth(self) -> Truth:
        return load_truth(self.out / "truth.jsonl")

    def remittances(self) -> list[Transaction835]:
        out: list[Transaction835] = []
        for name in self.names(".835"):
            for parsed in parse(self.text(name)).transactions:
                assert isinstance(parsed.model, Transaction835)
                out.append(parsed.model)
        return out


@pytest.fixture
def sim(tmp_path: Path) -> Harness:
    return Harness(tmp_path)


@pytest.fixture(name="make_profile")
def make_profile_fixture() -> Any:
    """`make_profile(base="clean", payer_id="87726", rules=[...], **payer_keys)`."""
    return make_profile
