"""SQLAlchemy 2 models. The migrations in server/migrations create exactly these tables.

Secrecy (shared/domain.md "Motions": nobody can link a ballot to a deputy; design.md "Secret
ballots"; docs/reliability.md "Secret ballots: what a copy can tell"): while a vote is open, who
has voted lives in ``vote_voters`` — one row per voter, inserted once, holding only a keyed hash of
the member under the vote's own key, which is kept outside the database (server/participation.py)
— and once it is closed or voided in ``vote_participation``, the plain *set*, written once. What
was voted lives only in the audit records (no voter, dated at the vote's opening) and
``ballot_receipts`` (keyed by a hash of the tablet's secret ballot id, no voter, no digest of the
ballot anyone could recompute: ``seal`` is keyed by the tablet's secret cast token). Named (记名)
votes keep ``named_ballots`` for the result sheet.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server.domain import JsonObject, MeetingId, MemberId, VoteId


class Base(DeclarativeBase):
    pass


class Body(Base):
    """A deciding body: 人民代表大会, 常务委员会, 主席团, 乡镇人民代表大会."""

    __tablename__ = "bodies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[JsonObject] = mapped_column(JSON, default=dict)


class Member(Base):
    """One member on the roll (名册). ``status``: active, suspended (暂停执行代表职务), terminated."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("body_id", "code"),)
    id: Mapped[MemberId] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    group_name: Mapped[str] = mapped_column(String(100), default="")
    seat: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")


class User(Base):
    """Staff, presiding officer, scrutineer, auditor: signed in with a password (argon2)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    member_id: Mapped[MemberId | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    #: a disabled account cannot sign in; its tokens were revoked when it was disabled
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Meeting(Base):
    """A session (会议) of one body, e.g. 第一次会议."""

    __tablename__ = "meetings"
    id: Mapped[MeetingId] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"))
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="open")
    #: 签到结束: when the chair closed the roll, and who; until then a deputy not checked in is
    #: 未签到, after it 缺席 (代表法 — shared/domain.md "Attendance and quorum")
    roll_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    roll_closed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Attendance(Base):
    """Per meeting and member: present (with how), leave (请假) or absent (缺席)."""

    __tablename__ = "attendance"
    meeting_id: Mapped[MeetingId] = mapped_column(ForeignKey("meetings.id"), primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    by_user: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AccessCode(Base):
    """A deputy's per-meeting sign-in code, stored only as a hash."""

    __tablename__ = "access_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    meeting_id: Mapped[MeetingId] = mapped_column(ForeignKey("meetings.id"))
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.id"))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    issued_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: set when this code replaced an earlier one of the same member (staff must say why)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Token(Base):
    """A bearer token issued at sign-in, stored only as a hash."""

    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    member_id: Mapped[MemberId | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    meeting_id: Mapped[MeetingId | None] = mapped_column(ForeignKey("meetings.id"), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Item(Base):
    """An agenda item. ``definition`` holds the kind's tally fields without attendance and ballots."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[MeetingId] = mapped_column(ForeignKey("meetings.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(300))
    definition: Mapped[JsonObject] = mapped_column(JSON)
    settings: Mapped[JsonObject] = mapped_column(JSON, default=dict)
    secret: Mapped[bool] = mapped_column(Boolean, default=True)
    amends: Mapped[int | None] = mapped_column(ForeignKey("items.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")


class Vote(Base):
    """One round of voting on an item. ``definition`` is the full tally document minus ballots,
    frozen at open (roll base, present, quorum)."""

    __tablename__ = "votes"
    id: Mapped[VoteId] = mapped_column(String(32), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    round_no: Mapped[int] = mapped_column(Integer)
    round_kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16), default="electronic")
    definition: Mapped[JsonObject] = mapped_column(JSON)
    eligible: Mapped[list[MemberId]] = mapped_column(JSON)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    result: Mapped[JsonObject | None] = mapped_column(JSON, nullable=True)
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    confirmations: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the publish step (meeting setting ``publish_step``): {confirmed_by, confirmed_at, declared_by,
    #: declared_at} as the 总监票人 confirms and the chair declares its result (server/usecases/publish.py)
    publication: Mapped[JsonObject | None] = mapped_column(JSON, nullable=True)
    #: an encrypted vote (docs/protocol.md "Encrypted secret votes"): {context, vid, selections, fingerprint}
    encryption: Mapped[JsonObject | None] = mapped_column(JSON, nullable=True)
    #: after its close: the per-selection totals {totals, ballots_cast}, then the partial
    #: decryptions received, by trustee number (as text)
    decryption: Mapped[JsonObject | None] = mapped_column(JSON, nullable=True)


class Ceremony(Base):
    """A meeting's key ceremony (docs/ballot-crypto.md §2): the public messages of its 监票人,
    by trustee number (as text). The server relays sealed shares it cannot open; it holds no share."""

    __tablename__ = "ceremonies"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    meeting_id: Mapped[MeetingId] = mapped_column(ForeignKey("meetings.id"))
    #: the ceremony statement of §2.1 (suite, origin, ceremony, n, k, trustees' names)
    statement: Mapped[JsonObject] = mapped_column(JSON)
    #: the 监票人 accounts' usernames, trustee 1 first
    accounts: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="commitments")
    commitments: Mapped[JsonObject] = mapped_column(JSON, default=dict)
    shares: Mapped[JsonObject] = mapped_column(JSON, default=dict)
    confirmations: Mapped[JsonObject] = mapped_column(JSON, default=dict)
    #: when done: {cid, key, share_keys, fingerprint}
    result: Mapped[JsonObject | None] = mapped_column(JSON, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class VoteParticipation(Base):
    """Who voted in a vote that is no longer open: the sorted set, written once when it closed or
    was voided (never while it is open, so no version of it lines up with a batch of ballots)."""

    __tablename__ = "vote_participation"
    vote_id: Mapped[VoteId] = mapped_column(ForeignKey("votes.id"), primary_key=True)
    voters: Mapped[list[MemberId]] = mapped_column(JSON, default=list)


class VoteVoter(Base):
    """One deputy who has voted in an open vote: HMAC-SHA256 of the member id under the vote's own
    key (server/participation.py), which is not in the database. Inserted once, never updated;
    stored in the order of the mark (no rowid in SQLite), and deleted when the vote closes."""

    __tablename__ = "vote_voters"
    __table_args__ = ({"sqlite_with_rowid": False},)
    vote_id: Mapped[VoteId] = mapped_column(ForeignKey("votes.id"), primary_key=True)
    mark: Mapped[str] = mapped_column(String(64), primary_key=True)


class BallotReceipt(Base):
    """The receipt for a ballot, keyed by SHA-256 of the tablet's secret ballot id (no voter).

    ``seal`` tells a resend from a reuse of the ballot id: for a secret vote HMAC-SHA256 of the
    ballot id and ballot under the tablet's secret cast token, which is never stored (so nobody
    holding the database can recompute it for a guessed ballot), and ``token_hash`` a digest of the
    ballot id and that token, for a change (``replaces``) from the same tablet -- both differ for
    every ballot, so nothing pairs two ballots of one tablet; for a named vote, whose ballots are
    published anyway, SHA-256 of the ballot and no token. Null: a secret ballot stored before cast
    tokens, which no resend can match."""

    __tablename__ = "ballot_receipts"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vote_id: Mapped[VoteId] = mapped_column(ForeignKey("votes.id"))
    leaf_index: Mapped[int] = mapped_column(Integer)
    seal: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    replaced: Mapped[bool] = mapped_column(Boolean, default=False)


class NamedBallot(Base):
    """记名表决 only: the per-deputy table for the result sheet."""

    __tablename__ = "named_ballots"
    vote_id: Mapped[VoteId] = mapped_column(ForeignKey("votes.id"), primary_key=True)
    member_id: Mapped[MemberId] = mapped_column(ForeignKey("members.id"), primary_key=True)
    ballot: Mapped[JsonObject] = mapped_column(JSON)


class PaperEntry(Base):
    """Paper-ballot entry by 计票人: each ballot keyed by two clerks; mismatches are flagged."""

    __tablename__ = "paper_entries"
    vote_id: Mapped[VoteId] = mapped_column(ForeignKey("votes.id"), primary_key=True)
    ballot_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    clerk_slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ballot: Mapped[JsonObject] = mapped_column(JSON)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRecord(Base):
    """The database's copy of the audit log; the file log is the evidence, reconciled at start."""

    __tablename__ = "audit_records"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


#: Core tables for the hot path's bulk inserts and lookups (no ORM unit-of-work per row).
audit_records_table = cast(Table, AuditRecord.__table__)
ballot_receipts_table = cast(Table, BallotReceipt.__table__)
vote_voters_table = cast(Table, VoteVoter.__table__)
tokens_table = cast(Table, Token.__table__)
attendance_table = cast(Table, Attendance.__table__)
access_codes_table = cast(Table, AccessCode.__table__)
meetings_table = cast(Table, Meeting.__table__)
