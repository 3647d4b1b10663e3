"""each turn's running question score and its explanation

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: older turns get theirs recomputed from their grades when the interview is read
    # (interviewer.interview.machine.resume), so nothing is lost by leaving them empty here.
    with op.batch_alter_table("turn") as batch:
        batch.add_column(sa.Column("question_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("explanation", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("turn") as batch:
        batch.drop_column("explanation")
        batch.drop_column("question_score")
