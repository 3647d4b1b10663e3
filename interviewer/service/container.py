"""Everything a front needs, built once from the settings: the corpus, the grader, storage and the use cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from interviewer.embeddings import load_embedder
from interviewer.embeddings.batching import BatchingEmbedder
from interviewer.grading.protocol import GraderProtocol
from interviewer.grading.registry import make_grader
from interviewer.knowledge.corpus import Corpus
from interviewer.knowledge.resolve import QuestionResolver
from interviewer.service.assessments import Assessor
from interviewer.service.mock_interviews import InterviewService
from interviewer.service.operator import SessionAdmin
from interviewer.settings import Settings
from interviewer.storage.engine import make_engine, migrate
from interviewer.storage.repository import SessionRepository


@dataclass
class Services:
    settings: Settings
    corpus: Corpus
    grader: GraderProtocol
    engine: Engine
    interviews: InterviewService
    assessor: Assessor
    admin: SessionAdmin

    encoder: BatchingEmbedder | None = None

    def close(self) -> None:
        self.interviews.close()
        self.engine.dispose()
        if self.encoder is not None:
            self.encoder.close()


def build_services(
    settings: Settings,
    corpus: Corpus | None = None,
    grader: GraderProtocol | None = None,
    wrap_grader: Callable[[GraderProtocol], GraderProtocol] | None = None,
) -> Services:
    """Load what is not given, bring the database to the newest schema, and wire the use cases.
    ``wrap_grader`` decorates the grader every use case sees (the web app counts grades with it)."""
    encoder: BatchingEmbedder | None = None
    if corpus is None:
        embedder = load_embedder(settings.embedding_backend, settings.embedding_model, settings.embedding_threads)
        if settings.encoder_batch_window_ms > 0:
            # Request threads hand their texts to one encoder thread that merges concurrent requests.
            embedder = encoder = BatchingEmbedder(embedder, settings.encoder_batch_window_ms)
        corpus = Corpus.load(settings, embedder=embedder)
    grader = grader or make_grader(corpus, settings)
    if wrap_grader is not None:
        grader = wrap_grader(grader)
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    repository = SessionRepository(engine)
    limit = settings.max_answer_chars
    return Services(
        settings=settings,
        corpus=corpus,
        grader=grader,
        engine=engine,
        interviews=InterviewService(
            corpus.bank, grader, repository, corpus, grader.llm, limit, settings.llm_followup_budget
        ),
        assessor=Assessor(
            grader,
            QuestionResolver(corpus, settings.question_match_threshold),
            limit,
            deadline_seconds=settings.grade_deadline_seconds,
        ),
        admin=SessionAdmin(repository),
        encoder=encoder,
    )
