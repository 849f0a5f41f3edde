"""`audit.signatures`: signatures checked by forked worker processes give exactly the answer of
checking them one by one, whoever checks which chunk, even when a worker fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from audit import signatures, verify_export
from tests.audit.audit_helpers import session_export, signer


def _items(count: int, bad: set[int]) -> list[tuple[bytes, bytes]]:
    key = signer()
    items = []
    for i in range(count):
        message = f"checkpoint {i}\n".encode()
        signature = key.sign(message)
        items.append((message, bytes(64) if i in bad else signature))
    return items


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signatures, "CHUNK", 4)
    monkeypatch.setattr(signatures, "PARALLEL_MIN", 8)


@pytest.mark.usefixtures("small_chunks")
def test_workers_find_the_same_bad_signatures_as_one_process() -> None:
    items = _items(41, {0, 7, 40})
    inline = signatures.check_signatures(signer().verifier, items, workers=0).bad()
    parallel = signatures.check_signatures(signer().verifier, items, workers=1).bad()
    assert inline == parallel == [0, 7, 40]
    assert signatures.check_signatures(signer().verifier, items[:5], workers=1).pool is None  # too few


@pytest.mark.usefixtures("small_chunks")
def test_a_chunk_whose_worker_failed_is_checked_here(monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    real = signatures._check_chunk

    def dies_in_a_worker(verifier: object, items: list[tuple[bytes, bytes]]) -> list[int]:
        if os.getpid() != parent:
            raise RuntimeError("worker lost")
        return real(verifier, items)  # type: ignore[arg-type]

    monkeypatch.setattr(signatures, "_check_chunk", dies_in_a_worker)
    assert signatures.check_signatures(signer().verifier, _items(30, {29}), workers=1).bad() == [29]


def test_workers_are_forked_only_when_it_is_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    monkeypatch.setattr(signatures.threading, "active_count", lambda: 1)
    assert signatures._workers() == 3
    monkeypatch.setattr(signatures.threading, "active_count", lambda: 2)
    assert signatures._workers() == 0
    monkeypatch.setattr(signatures.threading, "active_count", lambda: 1)
    monkeypatch.setattr(signatures.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert signatures._workers() == 0
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert signatures._workers() == 0


@pytest.mark.usefixtures("small_chunks")
def test_verify_with_workers_reports_what_it_reports_without(tmp_path: Path) -> None:
    out = session_export(tmp_path)
    assert verify_export(out, workers=1) == verify_export(out, workers=0)
