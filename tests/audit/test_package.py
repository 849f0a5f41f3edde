"""The `audit` package's names load on first use (PEP 562), so `python -m audit verify` starts
without the log writer, the receipts or the witness's server (docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from audit import verify_export


def test_the_package_loads_its_names_on_first_use_and_knows_no_others() -> None:
    script = ("import sys, audit\n"
              "assert 'audit.log' not in sys.modules and 'audit.witness_http' not in sys.modules\n"
              "assert all(getattr(audit, name) is not None for name in audit.__all__)\n"
              "assert audit.export.__module__ == 'audit.export' and callable(audit.export)\n"
              "try:\n    audit.no_such_name\nexcept AttributeError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert "no_such_name" in done.stdout


def test_the_attribute_a_package_does_not_have_is_an_attribute_error() -> None:
    import audit

    with pytest.raises(AttributeError, match="no_such_name"):
        audit.no_such_name  # noqa: B018
    assert audit.verify_export is verify_export
