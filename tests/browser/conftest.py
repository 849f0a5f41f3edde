"""Browser fixtures: Playwright for Python driving Debian's Chromium (never a downloaded browser).

Under ``CI=true`` a missing Chromium or Playwright fails the run; otherwise the tests are skipped.
Screenshots go to ``screenshots/`` at the repository root (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import Hall, chromium
from tests.conftest import Seeds, ServerProcess, launch_sqlite


@pytest.fixture(scope="module")  # module: Playwright's loop must not outlive the browser tests
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def server(seeds: Seeds, tmp_path: Path) -> Iterator[ServerProcess]:
    """A server process on a fresh SQLite copy of the demo congress for each browser test."""
    with launch_sqlite(seeds, tmp_path) as proc:
        yield proc


@pytest.fixture
def hall(server: ServerProcess, browser: Any) -> Iterator[Hall]:
    """Staff and chair signed in over HTTP, fresh codes, and the browser contexts opened by a test;
    a JavaScript error on any page fails the test."""
    room = Hall(server.url, browser, server.data_dir / "demo-codes.txt")
    try:
        yield room
    finally:
        room.close()
    assert not room.errors, room.errors
