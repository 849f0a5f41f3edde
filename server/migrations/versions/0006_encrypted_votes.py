"""encrypted secret votes: the key ceremony and a vote's encryption and decryption

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'ceremonies',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('statement', sa.JSON(), nullable=False),
        sa.Column('accounts', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('commitments', sa.JSON(), nullable=False),
        sa.Column('shares', sa.JSON(), nullable=False),
        sa.Column('confirmations', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encryption', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('decryption', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_column('decryption')
        batch_op.drop_column('encryption')
    op.drop_table('ceremonies')
