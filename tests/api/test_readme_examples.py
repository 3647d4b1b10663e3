"""The README's HTTP examples, sent to the app: each shown reply is what a user gets.

Every ``curl`` of the "Over HTTP" section runs in order (``$SID`` and ``$TOKEN`` from the session it starts);
each ``# →`` line after it is checked against the reply: every ``"key":value`` it shows with a whole value
(not elided with …) is in the reply, and for a text reply every piece between … is in it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from interviewer import Settings
from paths import REPO

SHOWN_PAIR = re.compile(r'"(\w+)":("(?:[^"\\…]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)(?=[,}\]])')


def _section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("\n### Over HTTP\n", 1)[1].split("\n## ", 1)[0]


def _examples() -> Iterator[tuple[str, list[str]]]:
    """(command, the `# →` lines shown after it) for every curl of the section, continued lines joined."""
    for block in re.findall(r"```sh\n(.*?)```", _section(), flags=re.S):
        lines: list[str] = []
        for line in block.replace("\\\n", " ").splitlines():
            if line.startswith(" ") and lines:  # inside a quoted body that spans lines
                lines[-1] += "\n" + line
            else:
                lines.append(line)
        for i, line in enumerate(lines):
            if line.startswith("curl "):
                shown = []
                for after in lines[i + 1 :]:
                    if after.startswith("# →"):
                        shown.append(after[3:].strip())
                    elif after.startswith("#  "):
                        shown[-1] += after[1:].strip()
                    else:
                        break
                yield line, shown


def _pairs(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from _pairs(v)
    elif isinstance(value, list):
        for v in value:
            yield from _pairs(v)


@pytest.fixture(scope="module")
def client(corpus, tmp_path_factory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("readme"), rate_limit_per_minute=0, log_level="ERROR")
    with TestClient(create_app(settings, corpus=corpus)) as c:
        yield c


def test_the_examples_pin_what_they_answer() -> None:
    commands = [c for c, _ in _examples()]
    assert len(commands) == 5
    starts = [c for c in commands if "/v1/sessions " in c + " "]
    assert starts and all('"seed"' in c for c in starts), "a session example must fix its question order"
    grades = [c for c in commands if "/v1/grade" in c]
    assert grades and all('"question_id"' in c or '"reference"' in c for c in grades)
    assert all("Content-Type: application/json" in c for c in commands if " -d " in c)


def test_the_readme_http_examples_reply_as_shown(client: TestClient) -> None:
    variables: dict[str, str] = {}
    checked = 0
    for command, shown in _examples():
        for name, value in variables.items():
            command = command.replace(f"${name}", value)
        method = "POST" if "-X POST" in command else "GET"
        url = re.search(r"""["']?localhost:8000(/[^\s"']*)""", command)
        assert url, command
        headers = dict(re.findall(r"""-H ["']([\w-]+): ([^"']+)["']""", command))
        body = re.search(r"-d '(.*?)'", command, flags=re.S)
        r = client.request(method, url.group(1), content=body.group(1).encode() if body else None, headers=headers)
        assert r.status_code in (200, 201), (command, r.text[:300])
        if r.headers["content-type"].startswith("application/json"):
            reply = r.json()
            got = list(_pairs(reply))
            for line in shown:
                for key, literal in SHOWN_PAIR.findall(line):
                    assert (key, json.loads(literal)) in got, (command, key, literal, r.text[:600])
                    checked += 1
            if "session_id" in reply:
                variables = {"SID": reply["session_id"], "TOKEN": reply["token"]}
        else:
            for line in shown:
                for piece in filter(None, (p.strip() for p in line.split("…"))):
                    assert piece in r.text, (command, piece)
                    checked += 1
    assert checked >= 25, "the examples show replies to check"
