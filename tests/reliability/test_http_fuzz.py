"""Schemathesis against the running server's OpenAPI schema (``/openapi.json``): requests that
fit the schema and requests that do not, to every operation, anonymous and with a staff token.
No request may get a 5xx; every refusal is the JSON error shape with a code.

(schemathesis is a dev dependency: ``pip install schemathesis``.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import InProcessServer, Seeds
from tests.server.session_helpers import login

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402

EXAMPLES = 400


@pytest.fixture(scope="module")
def fuzz_server(seeds: Seeds, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    with InProcessServer(seeds.copy("sqlite", tmp_path_factory.mktemp("fuzz"))) as server:
        yield server


#: what a staff token must not be fuzzed with: it would revoke the very token under test (a reset
#: of staff's own password does the same)
NOT_AS_STAFF = {"/api/logout", "/api/accounts/{user_id}/password"}


def _fuzz(server: InProcessServer, token: str) -> tuple[Counter[int], Counter[int]]:
    """Each generated request goes out anonymous and then with the staff token (generating one costs
    far more than answering it): the statuses of each."""
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    strategy = st.one_of(schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE))
    statuses: dict[str | None, Counter[int]] = {None: Counter(), token: Counter()}
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=strategy)
    def call(case: Any) -> None:
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        for as_ in (None, token):
            if as_ is not None and case.path in NOT_AS_STAFF:
                continue
            case.headers = {**headers, "Authorization": f"Bearer {as_}"} if as_ is not None else dict(headers)
            response = case.call(base_url=server.url, timeout=30)
            statuses[as_][response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                                f"{response.text[:200]}")
            content_type = response.headers.get("content-type", [""])
            content_type = content_type[0] if isinstance(content_type, list) else content_type
            if 400 <= response.status_code < 500 and content_type.startswith("application/json"):
                error = response.json().get("error") if isinstance(response.json(), dict) else None
                assert isinstance(error, dict) and error.get("code"), (case.method, case.formatted_path, response.text)

    call()
    assert not failures, "\n".join(failures[:10])
    return statuses[None], statuses[token]


@pytest.mark.slow
def test_no_request_to_any_operation_gets_a_server_error_anonymous_or_as_staff(fuzz_server: InProcessServer) -> None:
    staff = login(fuzz_server.url, "staff")  # first: the fuzzing soon trips the sign-in rate limit
    token = staff.headers["Authorization"].split()[1]
    anonymous, as_staff = _fuzz(fuzz_server, token)
    staff.close()
    print(f"\n[schemathesis] anonymous {sum(anonymous.values())} requests {dict(sorted(anonymous.items()))}; "
          f"staff {sum(as_staff.values())} requests {dict(sorted(as_staff.items()))}")
    assert sum(anonymous.values()) >= EXAMPLES // 2 and sum(as_staff.values()) >= EXAMPLES // 2
