"""`shared.exchange.FolderClearinghouse`: whole files only, each taken once, resends harmless."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from shared.exchange import (
    AlreadySentError,
    ClearinghouseAdapter,
    ExchangeError,
    FileNameError,
    FolderClearinghouse,
)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[FolderClearinghouse, FolderClearinghouse]:
    """Our side, and the clearinghouse's side of the same two folders."""
    ours = FolderClearinghouse(tmp_path / "outbound", tmp_path / "inbound")
    theirs = FolderClearinghouse(outbound=tmp_path / "inbound", inbound=tmp_path / "outbound")
    return ours, theirs


def test_it_is_a_clearinghouse_adapter(pair) -> None:
    ours, _ = pair
    assert isinstance(ours, ClearinghouseAdapter)


def test_a_sent_file_arrives_whole_on_the_other_side_and_is_taken_once(pair) -> None:
    ours, theirs = pair
    sent = ours.send("batch-0001.837", b"ISA*...~")
    assert sent.size == 8 and not sent.already_sent
    assert [f.name for f in theirs.list_inbound()] == ["batch-0001.837"]
    claimed = theirs.claim("batch-0001.837")
    assert claimed is not None and claimed.content == b"ISA*...~"
    assert theirs.claim("batch-0001.837") is None  # already taken
    assert theirs.list_inbound() == []
    assert [c.name for c in theirs.unfinished()] == ["batch-0001.837"]
    theirs.complete(claimed)
    assert theirs.unfinished() == []
    with pytest.raises(ExchangeError, match="no longer taken"):
        theirs.complete(claimed)


def test_a_released_file_can_be_taken_again(pair) -> None:
    ours, theirs = pair
    theirs.send("answer.999", b"999")
    (claimed,) = list(ours.poll())
    ours.release(claimed)
    (again,) = list(ours.poll())
    assert again.content == b"999"


def test_resending_the_same_file_is_harmless_and_another_file_of_that_name_is_refused(pair) -> None:
    ours, theirs = pair
    ours.send("batch.837", b"first")
    assert ours.send("batch.837", b"first").already_sent
    (taken,) = list(theirs.poll())  # the clearinghouse has taken it...
    assert ours.send("batch.837", b"first").already_sent  # ...a resend still sends nothing
    theirs.complete(taken)
    assert ours.send("batch.837", b"first").already_sent
    with pytest.raises(AlreadySentError):
        ours.send("batch.837", b"second")
    assert [f.name for f in theirs.list_inbound()] == []


@pytest.mark.parametrize("name", ["", ".hidden", "a/b.837", "../up.837", "x" * 201, "tab\there"])
def test_file_names_that_are_not_plain_names_are_refused(pair, name: str) -> None:
    ours, _ = pair
    with pytest.raises(FileNameError):
        ours.send(name, b"x")


def test_waiting_files_are_listed_oldest_first(pair) -> None:
    ours, theirs = pair
    for number, name in enumerate(["c.999", "a.277ca", "b.835"]):
        theirs.send(name, b"x")
        os.utime(theirs.outbound / name, ns=(1_000_000_000 * (number + 1),) * 2)
    assert [f.name for f in ours.list_inbound()] == ["c.999", "a.277ca", "b.835"]


def test_a_file_written_in_place_is_listed_only_once_settled(tmp_path: Path) -> None:
    exchange = FolderClearinghouse(tmp_path / "out", tmp_path / "in", settle_seconds=60)
    (tmp_path / "in" / "slow.835").write_bytes(b"half")
    assert exchange.list_inbound() == []
    os.utime(tmp_path / "in" / "slow.835", ns=(0, 0))
    assert [f.name for f in exchange.list_inbound()] == ["slow.835"]


def test_a_poller_never_sees_half_a_file(pair) -> None:
    ours, theirs = pair
    content = b"ISA" + b"x" * 4_000_000 + b"IEA~"
    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            for waiting in theirs.list_inbound():
                seen.append(waiting.size)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for number in range(15):
            ours.send(f"big-{number}.837", content)
    finally:
        stop.set()
        watcher.join()
    assert seen and set(seen) == {len(content)}
    assert not [p for p in ours.outbound.iterdir() if p.name.endswith(".part")]


def test_concurrent_pollers_take_each_file_exactly_once(tmp_path: Path) -> None:
    sender = FolderClearinghouse(tmp_path / "inbound", tmp_path / "unused")
    for number in range(300):
        sender.send(f"answer-{number:03d}.835", f"{number}".encode())
    pollers = [FolderClearinghouse(tmp_path / "o", tmp_path / "inbound") for _ in range(4)]
    taken: list[list[str]] = [[] for _ in pollers]

    def run(index: int) -> None:
        for claimed in pollers[index].poll():
            taken[index].append(claimed.name)
            pollers[index].complete(claimed)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(pollers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [name for names in taken for name in names]
    assert sorted(everything) == sorted(f"answer-{n:03d}.835" for n in range(300))
    assert len(set(everything)) == 300
