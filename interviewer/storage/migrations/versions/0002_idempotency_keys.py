"""idempotency keys on turns

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: existing turns had no key, and a retry of them cannot be recognised anyway.
    with op.batch_alter_table("turn") as batch:
        batch.add_column(sa.Column("request_key", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("response", sa.Text(), nullable=True))
        batch.create_unique_constraint("uq_turn_session_request_key", ["session_id", "request_key"])


def downgrade() -> None:
    with op.batch_alter_table("turn") as batch:
        batch.drop_constraint("uq_turn_session_request_key", type_="unique")
        batch.drop_column("response")
        batch.drop_column("request_key")
