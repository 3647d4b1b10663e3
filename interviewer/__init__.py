"""interviewer: mock machine-learning interviews graded against the key points of a curated bank.

The public API, by layer: knowledge (bank, corpus, search), grading (the grader protocol, the registry, the
grade), the interview (state machine, report) and the use cases that the CLI and the web API call.
"""

from interviewer.embeddings import BACKENDS, Embedder, EmbedderError, load_embedder
from interviewer.grading.protocol import GraderProtocol
from interviewer.grading.registry import GraderConfigError, grader_names, make_grader, register_grader
from interviewer.grading.result import Evidence, Grade, PointGrade
from interviewer.interview.machine import Interview, InterviewConfig, InterviewError, InterviewState, Move, Turn
from interviewer.interview.report import Report, build_report
from interviewer.knowledge.bank import Bank, BankError, load_bank, validate_bank
from interviewer.knowledge.corpus import Corpus, QuestionMatch, SearchHit
from interviewer.knowledge.index import CorpusIndex
from interviewer.knowledge.ingest import Document, IngestError, chunk_document, document_questions, parse_document
from interviewer.knowledge.keypoints import derive_key_points, split_claims
from interviewer.knowledge.models import Bilingual, Chunk, Correction, KeyPoint, Question, SourceRef, Topic
from interviewer.language.text import Span, detect_language, split_sentences
from interviewer.service import (
    Assessor,
    InterviewService,
    ServiceError,
    Services,
    SessionAdmin,
    build_services,
)
from interviewer.settings import Settings, get_settings

__version__ = "0.1.0"

__all__ = [
    "BACKENDS",
    "Assessor",
    "Bank",
    "BankError",
    "Bilingual",
    "Chunk",
    "Corpus",
    "CorpusIndex",
    "Correction",
    "Document",
    "Embedder",
    "EmbedderError",
    "Evidence",
    "Grade",
    "GraderConfigError",
    "GraderProtocol",
    "IngestError",
    "Interview",
    "InterviewConfig",
    "InterviewError",
    "InterviewService",
    "InterviewState",
    "KeyPoint",
    "Move",
    "PointGrade",
    "Question",
    "QuestionMatch",
    "Report",
    "SearchHit",
    "ServiceError",
    "Services",
    "SessionAdmin",
    "Settings",
    "SourceRef",
    "Span",
    "Topic",
    "Turn",
    "__version__",
    "build_report",
    "build_services",
    "chunk_document",
    "derive_key_points",
    "detect_language",
    "document_questions",
    "get_settings",
    "grader_names",
    "load_bank",
    "load_embedder",
    "make_grader",
    "parse_document",
    "register_grader",
    "split_claims",
    "split_sentences",
    "validate_bank",
]
