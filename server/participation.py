"""Who has voted, stored so that no copy of the database lines it up with the ballots.

design.md "Secret ballots": store participation (who voted) and choices (what was voted) so that
they cannot be joined; shared/domain.md: "while it is still provable that each deputy voted at
most once". docs/reliability.md "Secret ballots: what a copy can tell" says what is left.

While a vote is open, the writer adds, in the transaction that stores a deputy's first ballot, one
row to ``vote_voters``: ``mark = HMAC-SHA256(vote key, member id)``. A row is inserted once and
never changed, so there is no rewritten set whose successive versions (PostgreSQL's dead row
versions, SQLite's write-ahead log) would say who was added with which batch of ballots; rows are
stored in the order of their marks (SQLite: no rowid) and the rows of one batch are inserted in
that order too, never in the order of the ballots. What a copy of the database files still shows --
which rows came with which transaction (PostgreSQL's ``xmin``, the WAL's frames) -- is marks, and a
mark names nobody without the vote's key.

The vote's key is 32 random bytes made when the vote opens, in ``DATA_DIR/vote-keys/<vote id>.key``
(owner-only, fsynced before the opening commits), never in the database. The server reads it back
at start while the vote is open (:func:`server.startup.rebuild`), and deletes it once the vote is
closed or voided: the set of voters -- public to staff from then on (代表履职积分) -- is then
written once into ``vote_participation`` and the marks are deleted. A copy of the database and of
DATA_DIR taken after that cannot tell who was added with which batch either.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Collection, Iterable
from pathlib import Path

from audit import held
from server.domain import MemberId

KEY_BYTES = 32
DIRECTORY = "vote-keys"
_SUFFIX = ".key"


class VoteKeyMissing(RuntimeError):
    """An open vote's key file is gone while the database holds marks: who has voted cannot be
    known, so the server refuses to start (it would otherwise let a deputy vote twice)."""


def mark(key: bytes, member_id: int) -> str:
    """What ``vote_voters`` holds for a member who has voted: 64 hex digits."""
    return held.hmac_sha256(key, b"renda-voter/1\n%d" % member_id).hex()  # in the writer: keeps the GIL


def voters_of(key: bytes, eligible: Iterable[MemberId], marks: Collection[str]) -> set[MemberId]:
    """The members of a vote's roll whose mark is among ``marks``."""
    return {member for member in eligible if mark(key, member) in marks}


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class VoteKeys:
    """The keys of the open votes, one file each in ``directory`` (DATA_DIR/vote-keys)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, vote_id: str) -> Path:
        if not vote_id.replace("-", "").isalnum():  # vote ids are v<item>-<round>
            raise ValueError(f"not a vote id: {vote_id!r}")
        return self.directory / f"{vote_id}{_SUFFIX}"

    def make(self, vote_id: str) -> bytes:
        """A new key for ``vote_id``, durable before it is returned (replacing one left by an
        opening that did not commit)."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        path = self._path(vote_id)
        temporary = path.with_name(path.name + ".new")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        _fsync_directory(self.directory)
        return key

    def load(self, vote_id: str) -> bytes | None:
        """The key of ``vote_id``, or None if there is no file."""
        try:
            key = self._path(vote_id).read_bytes()
        except FileNotFoundError:
            return None
        if len(key) != KEY_BYTES:
            raise VoteKeyMissing(f"表决 {vote_id} 的参与记录密钥文件已损坏（应为{KEY_BYTES}字节）"
                                 f" / the key file of vote {vote_id} is damaged: {self._path(vote_id)}")
        return key

    def forget(self, vote_id: str) -> None:
        """Delete the key of a vote that is no longer open (its marks are gone with it)."""
        self._path(vote_id).unlink(missing_ok=True)
        if self.directory.exists():
            _fsync_directory(self.directory)

    def keep_only(self, vote_ids: Collection[str]) -> None:
        """Delete every key but those of ``vote_ids`` (at start: a crash may have come between a
        close and its key's deletion, or an opening that made its key may not have committed)."""
        if not self.directory.exists():
            return
        for path in self.directory.iterdir():
            if path.name.endswith(".new") or path.name.removesuffix(_SUFFIX) not in vote_ids:
                path.unlink(missing_ok=True)
        _fsync_directory(self.directory)
