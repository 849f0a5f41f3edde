"""The real encrypted session (tests/audit/encrypted_session.py), made once per test process."""

from __future__ import annotations

import pytest

from tests.audit.encrypted_session import EncryptedSession, make_encrypted_session
from tests.conftest import Seeds


@pytest.fixture(scope="session")
def encrypted_session(seeds: Seeds, tmp_path_factory: pytest.TempPathFactory) -> EncryptedSession:
    return make_encrypted_session(seeds, tmp_path_factory.mktemp("encrypted-session"))
