"""indexes on the sessions' created_at and updated_at

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Pruning looks for sessions by age and the admin list sorts by created_at: without these, each is a scan of
    # every session's state.
    op.create_index("ix_interview_session_created_at", "interview_session", ["created_at"])
    op.create_index("ix_interview_session_updated_at", "interview_session", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_interview_session_updated_at", table_name="interview_session")
    op.drop_index("ix_interview_session_created_at", table_name="interview_session")
