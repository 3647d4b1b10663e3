"""interviewer: mock machine-learning interviews graded against the key points of a curated bank."""

from .bank import Bank, BankError, load_bank, validate_bank
from .corpus import Corpus, QuestionMatch, SearchHit
from .embeddings import BACKENDS, Embedder, EmbedderError, load_embedder
from .index import CorpusIndex
from .ingest import Document, IngestError, chunk_document, document_questions, parse_document
from .keypoints import derive_key_points, split_claims
from .models import Bilingual, Chunk, Correction, KeyPoint, Question, SourceRef, Topic
from .settings import Settings, get_settings
from .text import Span, detect_language, split_sentences

__version__ = "0.1.0"

__all__ = [
    "BACKENDS",
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
    "IngestError",
    "KeyPoint",
    "Question",
    "QuestionMatch",
    "SearchHit",
    "Settings",
    "SourceRef",
    "Span",
    "Topic",
    "__version__",
    "chunk_document",
    "derive_key_points",
    "detect_language",
    "document_questions",
    "get_settings",
    "load_bank",
    "load_embedder",
    "parse_document",
    "split_claims",
    "split_sentences",
    "validate_bank",
]
