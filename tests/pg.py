"""A throwaway PostgreSQL cluster for tests: initdb into a temp dir, one server on 127.0.0.1 and a free port.

No system service is used or touched. As root (CI containers) the server runs as the ``postgres`` user through
``runuser``, since PostgreSQL refuses to run as root; as any other user it runs directly.

    cluster = PgCluster.start()      # raises PgUnavailable when the server binaries are missing
    url = cluster.create_database()  # postgresql+psycopg://app:...@127.0.0.1:PORT/test_...
    cluster.stop(); cluster.restart()  # the same data, the same port
    cluster.destroy()
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from pathlib import Path

from servers import free_port

ROLE = "app"
PASSWORD = "apppw"
SUPERUSER = "postgres"


class PgUnavailable(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl) are not installed, or cannot run here."""


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: $PG_BINDIR, the newest /usr/lib/postgresql/*/bin, or the PATH."""
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))

    def version(p: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", p)) or (0,)

    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    return None


class PgCluster:
    def __init__(self, bindir: Path, root: Path, port: int, run_as: str | None) -> None:
        self.bindir = bindir
        self.root = root
        self.port = port
        self.run_as = run_as  # "postgres" when we are root, else None
        self.data = root / "data"
        self.log = root / "server.log"
        self.running = False

    # -- lifecycle -----------------------------------------------------------------------------------------

    @classmethod
    def start(cls) -> PgCluster:
        bindir = find_bindir()
        if bindir is None:
            raise PgUnavailable("PostgreSQL server binaries not found (initdb/pg_ctl); install Debian's `postgresql`")
        run_as = None
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root but there is no `postgres` user to run the server") from None
            if shutil.which("runuser") is None:
                raise PgUnavailable("running as root but `runuser` is missing")
            run_as = "postgres"
        # A short path: the unix socket lives here and socket paths are limited to ~107 bytes.
        root = Path(tempfile.mkdtemp(prefix="pg-", dir="/tmp" if Path("/tmp").is_dir() else None))
        if run_as:
            os.chown(root, pw.pw_uid, pw.pw_gid)
        cluster = cls(bindir, root, free_port(), run_as)
        atexit.register(cluster.destroy)  # a crashed test run still stops its server
        try:
            cluster._run(
                "initdb", "-D", str(cluster.data), "-U", SUPERUSER, "-E", "UTF8", "--locale=C.UTF-8",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
            )
            cluster.restart()
            cluster.admin(f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
        except Exception:
            cluster.destroy()
            raise
        return cluster

    def _run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / tool), *args]
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if r.returncode != 0:
            raise RuntimeError(
                f"{tool} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}\n{self.log_tail()}"
            )
        return r

    def restart(self) -> None:
        """Start the server (again, after ``stop``): same data directory, same port."""
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off " \
               "-c max_connections=100"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", opts, "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnect clients, roll back, shut down cleanly; ``immediate``: abort)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def destroy(self) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except Exception:  # best effort at exit
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    # -- databases -----------------------------------------------------------------------------------------

    def admin(self, *statements: str, dbname: str = "postgres") -> None:
        """Run statements as the superuser over the unix socket (trust auth), outside a transaction."""
        import psycopg

        with psycopg.connect(
            host=str(self.root), port=self.port, user=SUPERUSER, dbname=dbname, autocommit=True
        ) as conn:
            for sql in statements:
                conn.execute(sql)

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{ROLE}:{PASSWORD}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database owned by the app role; returns its SQLAlchemy URL."""
        name = name or f"test_{uuid.uuid4().hex[:12]}"
        self.admin(f'CREATE DATABASE "{name}" OWNER {ROLE}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- `interviewer serve` as a real process -------------------------------------------------------------------
# The replica and crash tests run the API the way production does: its own process, killed and restarted.


def prepare_data_dir(target: Path, built: Path | None) -> Path:
    """A private data dir for one API process, seeded with the index and embedding cache of ``built`` (so the
    process does not re-encode the corpus) but not its SQLite database."""
    target.mkdir(parents=True, exist_ok=True)
    if built is not None:
        if (built / "index").is_dir() and not (target / "index").exists():
            shutil.copytree(built / "index", target / "index")
        # The embedding cache is a SQLite database in WAL mode that another test process may be writing:
        # copy it through SQLite's backup API, which yields a consistent snapshot, not file by file.
        for db in sorted((built / "cache").glob("*.sqlite")) if (built / "cache").is_dir() else []:
            (target / "cache").mkdir(exist_ok=True)
            src, dst = sqlite3.connect(db, timeout=30), sqlite3.connect(target / "cache" / db.name)
            try:
                src.backup(dst)
            finally:
                src.close()
                dst.close()
    return target


class ApiProcess:
    """``python -m interviewer.cli serve`` on 127.0.0.1 and a free port, configured only through the environment."""

    def __init__(self, data_dir: Path, database_url: str = "", port: int | None = None, **settings: str) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.parent / f"api-{self.port}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEWER_")}
        env.update(
            INTERVIEWER_DATA_DIR=str(data_dir),
            INTERVIEWER_DATABASE_URL=database_url,
            INTERVIEWER_EMBEDDING_THREADS="1",
            INTERVIEWER_RATE_LIMIT_PER_MINUTE="0",
            INTERVIEWER_LOG_FORMAT="text",
            OMP_WAIT_POLICY="PASSIVE",
            PYTHONUNBUFFERED="1",
        )
        env.update({f"INTERVIEWER_{k.upper()}": str(v) for k, v in settings.items()})
        self.env = env
        self.proc: subprocess.Popen | None = None

    def start(self) -> ApiProcess:
        import sys

        with open(self.log, "ab") as log:
            # cwd outside the checkout: a developer's .env there must not configure the test server.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "interviewer.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, cwd=self.data_dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )
        return self

    def wait_ready(self, timeout: float = 120) -> ApiProcess:
        import time

        import httpx

        deadline = time.monotonic() + timeout
        while True:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"the API process exited ({self.proc and self.proc.returncode}):\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API process was not ready after {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, as when the machine or the OOM killer takes it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM (uvicorn shuts down gracefully), SIGKILL after 10 s. Prints the log tail, which pytest shows
        only when the test failed."""
        print(f"--- {self.url} (pid {self.proc and self.proc.pid}) log tail ---\n{self.log_tail()}")
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log_tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def start_pg_cluster() -> PgCluster:
    """A new cluster, or skip (fail on CI, which must run the PostgreSQL tests) when PostgreSQL is not installed.
    The caller destroys it."""
    import pytest

    try:
        return PgCluster.start()
    except PgUnavailable as e:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {e}")
        pytest.skip(str(e))
