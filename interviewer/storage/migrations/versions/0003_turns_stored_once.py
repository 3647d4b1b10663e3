"""each turn stored once: the turn row holds the whole turn, the session state no longer repeats it

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_session = sa.table("interview_session", sa.column("id", sa.String), sa.column("state", sa.Text))
_turn = sa.table(
    "turn",
    sa.column("id", sa.Integer),
    sa.column("session_id", sa.String),
    sa.column("idx", sa.Integer),
    sa.column("question_id", sa.String),
    sa.column("kind", sa.String),
    sa.column("prompt", sa.Text),
    sa.column("answer", sa.Text),
    sa.column("grade", sa.Text),
    sa.column("skipped", sa.Boolean),
    sa.column("next_move", sa.Text),
    sa.column("score_so_far", sa.Float),
    sa.column("response", sa.Text),
)


def _load(text: str | None) -> dict | None:
    try:
        value = json.loads(text or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def upgrade() -> None:
    with op.batch_alter_table("turn") as batch:
        batch.add_column(sa.Column("skipped", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("next_move", sa.Text(), nullable=True))
        batch.add_column(sa.Column("score_so_far", sa.Float(), nullable=True))
    conn = op.get_bind()
    # Move what only the state and the stored response held into the turn rows, then drop the copies.
    for sid, state_text in conn.execute(sa.select(_session.c.id, _session.c.state)).all():
        state = _load(state_text)
        if state is None or "turns" not in state:
            continue
        turns = state.pop("turns") or []
        rows = conn.execute(sa.select(_turn.c.id, _turn.c.idx, _turn.c.response).where(_turn.c.session_id == sid)).all()
        for row_id, idx, response in rows:
            turn = turns[idx] if 0 <= idx < len(turns) and isinstance(turns[idx], dict) else {}
            stored = _load(response) or {}
            conn.execute(
                _turn.update()
                .where(_turn.c.id == row_id)
                .values(
                    skipped=bool(turn.get("skipped", False)),
                    next_move=json.dumps(turn["next"], ensure_ascii=False) if turn.get("next") else None,
                    score_so_far=stored.get("score_so_far"),
                )
            )
        conn.execute(_session.update().where(_session.c.id == sid).values(state=json.dumps(state, ensure_ascii=False)))
    with op.batch_alter_table("turn") as batch:
        batch.drop_column("response")


def downgrade() -> None:
    with op.batch_alter_table("turn") as batch:
        batch.add_column(sa.Column("response", sa.Text(), nullable=True))
    conn = op.get_bind()
    for sid, state_text in conn.execute(sa.select(_session.c.id, _session.c.state)).all():
        state = _load(state_text)
        if state is None:
            continue
        rows = conn.execute(
            sa.select(_turn.c.question_id, _turn.c.kind, _turn.c.prompt, _turn.c.answer, _turn.c.grade, _turn.c.skipped, _turn.c.next_move)
            .where(_turn.c.session_id == sid)
            .order_by(_turn.c.idx)
        ).all()
        state["turns"] = [
            {
                "question_id": r.question_id,
                "kind": r.kind,
                "prompt": r.prompt,
                "answer": r.answer,
                "grade": _load(r.grade),
                "skipped": bool(r.skipped),
                "next": _load(r.next_move),
            }
            for r in rows
        ]
        conn.execute(_session.update().where(_session.c.id == sid).values(state=json.dumps(state, ensure_ascii=False)))
    with op.batch_alter_table("turn") as batch:
        batch.drop_column("score_so_far")
        batch.drop_column("next_move")
        batch.drop_column("skipped")
