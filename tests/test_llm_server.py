"""Integration tests against a real local LLM (llama.cpp via xllamacpp, Qwen2.5-Coder-1.5B Q4_K_M).

Skipped unless ``xllamacpp`` is installed and the model is in the cache
(``$INTERVIEWER_LLM_CACHE`` or ``~/.cache/interviewer/llm``). CI prepares both:

    pip install xllamacpp==2026.10.11549 && python -m eval.llm_server fetch

Set ``INTERVIEWER_LLM_FETCH=1`` to let this module fetch the model itself (1.1 GB).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from eval.llm_server import (
    MODEL_ALIAS,
    LLMServerError,
    LocalLLMServer,
    ModelFetchError,
    fetch_model,
    is_model_cached,
    model_path,
)

pytestmark = pytest.mark.llm

# Read at import: conftest's autouse fixture clears INTERVIEWER_* for each test.
_CACHE = Path(os.environ["INTERVIEWER_LLM_CACHE"]).expanduser() if os.environ.get("INTERVIEWER_LLM_CACHE") else None
_ALLOW_FETCH = os.environ.get("INTERVIEWER_LLM_FETCH", "").strip().lower() in {"1", "true", "yes"}

VERDICT_SCHEMA = {
    "type": "object",
    "properties": {"explained": {"type": "boolean"}},
    "required": ["explained"],
}


def _require_xllamacpp() -> None:
    pytest.importorskip(
        "xllamacpp", reason="xllamacpp is not installed (pip install xllamacpp==2026.10.11549)"
    )


def _require_model() -> Path:
    if is_model_cached(_CACHE):
        return model_path(_CACHE)
    if not _ALLOW_FETCH:
        pytest.skip(
            f"LLM model not cached at {model_path(_CACHE)}; run `python -m eval.llm_server fetch` "
            "or set INTERVIEWER_LLM_FETCH=1"
        )
    try:
        return fetch_model(_CACHE)
    except ModelFetchError as exc:
        pytest.skip(f"LLM model could not be fetched: {exc}")


@pytest.fixture(scope="module")
def llm_server():
    _require_xllamacpp()
    model = _require_model()
    with LocalLLMServer(model) as server:
        yield server
    assert server.last_pid is not None and not _alive(server.last_pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); ps tells it apart.
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    return bool(state) and not state.startswith("Z")


def test_models_lists_local(llm_server: LocalLLMServer) -> None:
    resp = httpx.get(f"{llm_server.base_url}/models", timeout=10)
    resp.raise_for_status()
    ids = [m["id"] for m in resp.json()["data"]]
    assert MODEL_ALIAS in ids


def test_chat_completion_follows_json_schema(llm_server: LocalLLMServer) -> None:
    data = llm_server.chat(
        [
            {
                "role": "system",
                "content": 'You grade interview answers. Reply with JSON only: {"explained": true} or {"explained": false}.',
            },
            {
                "role": "user",
                "content": "Key point: dropout randomly zeroes activations during training.\n"
                "Answer: Dropout switches off a random subset of neurons at each training step.\n"
                "Does the answer explain the key point?",
            },
        ],
        max_tokens=24,
        temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "verdict", "schema": VERDICT_SCHEMA}},
    )
    content = data["choices"][0]["message"]["content"]
    verdict = json.loads(content)
    assert isinstance(verdict, dict), content
    assert isinstance(verdict["explained"], bool), content


def test_failed_start_leaves_no_process(tmp_path: Path) -> None:
    """A model file llama.cpp cannot load: start() raises and the subprocess is gone."""
    _require_xllamacpp()
    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a gguf file" * 64)
    server = LocalLLMServer(bogus, startup_timeout=60)
    with pytest.raises(LLMServerError):
        server.start()
    assert server.last_pid is not None and not _alive(server.last_pid)
