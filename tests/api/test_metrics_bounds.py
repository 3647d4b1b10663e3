"""/metrics keeps a fixed set of series whatever methods and paths clients make up."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi.testclient import TestClient

from api.main import create_app
from interviewer import Settings


def _series(client: TestClient) -> set[str]:
    return {line.split(" ")[0] for line in client.get("/metrics").text.splitlines() if not line.startswith("#")}


def test_made_up_methods_and_paths_add_no_series(corpus, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "svc", log_level="ERROR"), corpus=corpus)
    with TestClient(app) as c:
        def made_up(i: int) -> tuple[str, str]:
            method = "X" + secrets.token_hex(4).upper()
            path = ("/v1/topics", f"/{secrets.token_hex(6)}", f"/static/{i}.css", "/v1/questions/" + "z" * 300)[i % 4]
            return method, path

        # One request of each kind first, so that every series the flood can touch exists before counting.
        for i in range(4):
            c.request(*made_up(i))
        _series(c)
        before = _series(c)
        for i in range(10_000):
            assert c.request(*made_up(i)).status_code in (400, 404, 405)
        after = _series(c)
        text = c.get("/metrics").text
    assert after == before
    assert 'method="other"' in text and "BREW" not in text and "X" + "0" * 8 not in text
