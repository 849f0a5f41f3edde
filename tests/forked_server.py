"""A server process forked from a fork server that has imported the server once (tests/conftest.py
:func:`~tests.conftest.start_process`).

Starting ``python -m uvicorn server.app:create_app --factory …`` costs a new interpreter, ~1.2 s of
CPU before it serves: imports, and the argon2 hash the sign-in module makes at import. A fork of a
process that has done that is a server process all the same -- its own pid, its own sockets, killed
by SIGKILL with nothing flushed, stopped by SIGTERM through uvicorn's own signal handling -- and the
command line it runs is the same one, through uvicorn's own command (``uvicorn.main``).
"""

from __future__ import annotations

import os
import sys

import uvicorn
import uvicorn.lifespan.on
import uvicorn.loops.auto
import uvicorn.protocols.http.auto
import uvicorn.protocols.websockets.websockets_sansio_impl

# Imported once in the fork server, so that a forked server has them already.
import server.app
import server.demo  # noqa: F401

PRELOAD = [__name__]


def serve(argv: list[str], env: dict[str, str], cwd: str, log_path: str) -> None:
    """Run ``uvicorn argv`` as the process would: in ``cwd``, with exactly ``env`` as its environment
    and its standard output and error appended to ``log_path``."""
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdout.reconfigure(write_through=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(write_through=True)  # type: ignore[union-attr]
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    uvicorn.main.main(args=argv, prog_name="uvicorn")  # exits with uvicorn's status
