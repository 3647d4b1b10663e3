"""What build_services wires: one encoder thread behind the grader and the search, stopped on close."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from interviewer import Settings
from interviewer.embeddings import BatchingEmbedder, EmbedderError
from interviewer.service.container import build_services


def _settings(tmp_path: Path, session_data: Path, **kw: object) -> Settings:
    return Settings(data_dir=session_data, database_url=f"sqlite:///{tmp_path / 'i.db'}", **kw)


def test_concurrent_grades_go_through_one_encoder_thread(tmp_path: Path, session_data: Path) -> None:
    services = build_services(_settings(tmp_path, session_data, encoder_batch_window_ms=200))
    try:
        encoder = services.encoder
        assert isinstance(encoder, BatchingEmbedder) and encoder.running
        question = services.corpus.bank.questions[0]
        answers = [f"{question.reference.get('en')} ({i})" for i in range(4)]
        before = encoder.requests
        with ThreadPoolExecutor(4) as pool:
            grades = list(pool.map(lambda a: services.grader.grade(question, a), answers))
        assert all(g.score >= 90 for g in grades)
        assert encoder.requests - before >= 4
        # Some of the four requests shared a call (the 200 ms window gathers those that arrive together).
        assert encoder.batches < encoder.requests
        assert services.corpus.search("checkerboard artefacts", k=1)
    finally:
        services.close()
    assert not encoder.running
    with pytest.raises(EmbedderError, match="closed"):
        encoder.encode(["after close"], "query")


def test_a_window_of_zero_keeps_the_encoder_on_the_request_threads(tmp_path: Path, session_data: Path) -> None:
    services = build_services(_settings(tmp_path, session_data, encoder_batch_window_ms=0))
    try:
        assert services.encoder is None
        question = services.corpus.bank.questions[0]
        assert services.grader.grade(question, question.reference.get("zh")).score >= 90
    finally:
        services.close()
