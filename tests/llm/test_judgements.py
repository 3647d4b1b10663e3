"""The judgement store: read back across instances, kept apart per model, keyed by the exact request."""

from __future__ import annotations

from pathlib import Path

from interviewer.llm.judgements import JudgementCache, StoredJudgement

MESSAGES = [{"role": "system", "content": "judge"}, {"role": "user", "content": "Key point: x"}]


def test_judgements_persist_and_stay_apart_per_model(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    one = JudgementCache(path, "http://a/v1|local")
    assert one.get(MESSAGES) is None
    one.put(MESSAGES, StoredJudgement(0.73, discrete=False))
    one.close()
    again = JudgementCache(path, "http://a/v1|local")
    assert again.get(MESSAGES) == StoredJudgement(0.73, False) and again.hits == 1 and len(again) == 1
    other_model = JudgementCache(path, "http://a/v1|other")
    assert other_model.get(MESSAGES) is None
    changed = [*MESSAGES[:-1], {"role": "user", "content": "Key point: y"}]
    assert again.get(changed) is None
