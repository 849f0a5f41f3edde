"""签到结束: when the chair closed a meeting's roll, and who

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roll_closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('roll_closed_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('roll_closed_by')
        batch_op.drop_column('roll_closed_at')
