"""who issued each sign-in code, when, and why it replaced an earlier one

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('access_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('issued_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('access_codes', schema=None) as batch_op:
        batch_op.drop_column('reason')
        batch_op.drop_column('issued_by')
        batch_op.drop_column('issued_at')
