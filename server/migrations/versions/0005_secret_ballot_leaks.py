"""secret ballots: no guessable digest of a ballot, no history of who has voted

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

- ``ballot_receipts.content_hash`` (an unsalted SHA-256 of the plaintext ballot: with few possible
  ballots, a database copy gave every choice) goes. ``seal`` takes its place: for a named vote the
  same digest (copied: those ballots are published anyway); for a secret vote HMAC-SHA256 under the
  tablet's cast token, which the server never stores -- ballots of secret votes stored before this
  revision get none, so a resend of one of them is refused (``ballot_refused``) and never answered
  from a digest. ``token_hash`` (a digest of the cast token, for a change from the same tablet).
- ``vote_voters``: one row per deputy who has voted in an open vote, a keyed hash of the member
  under the vote's own key kept outside the database (server/participation.py); no rowid in SQLite.
  ``vote_participation`` now holds the plain set only once a vote is closed or voided; the rows an
  open vote already has stay, and the server adds to them (server/startup.py).

Downgrade: ``content_hash`` comes back from ``seal`` (empty for secret ballots, which the old server
then answers ``ballot_id_reused``), and ``vote_voters`` is dropped: who has voted in a vote open at
that moment is lost with it (its marks cannot be read without the vote's key). Close open votes
before downgrading.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ballot_receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seal', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('token_hash', sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE ballot_receipts SET seal = content_hash WHERE vote_id IN ("
        "SELECT votes.id FROM votes JOIN items ON items.id = votes.item_id WHERE items.secret = false)"
    )
    with op.batch_alter_table('ballot_receipts', schema=None) as batch_op:
        batch_op.drop_column('content_hash')
    op.create_table(
        'vote_voters',
        sa.Column('vote_id', sa.String(length=32), nullable=False),
        sa.Column('mark', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], ),
        sa.PrimaryKeyConstraint('vote_id', 'mark'),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table('vote_voters')
    with op.batch_alter_table('ballot_receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_hash', sa.String(length=64), nullable=False, server_default=''))
    op.execute("UPDATE ballot_receipts SET content_hash = seal WHERE seal IS NOT NULL")
    with op.batch_alter_table('ballot_receipts', schema=None) as batch_op:
        batch_op.drop_column('token_hash')
        batch_op.drop_column('seal')
