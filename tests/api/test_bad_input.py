"""Hostile and broken input on the endpoints that take text: a clear 4xx or a grade, never a 5xx, and a
rejected request leaves the database as it was (the session's transcript and the admin totals are
compared before and after every request; an accepted answer adds exactly one turn)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from interviewer import Settings

API_KEY = "bad-input-key"
KEY = {"X-API-Key": API_KEY}
JSON = {"Content-Type": "application/json"}
NOT_JSON = "send the body as JSON with the header `Content-Type: application/json`"
BODY_LIMIT = 2_000_000  # INTERVIEWER_MAX_REQUEST_BYTES' default
ANSWER_LIMIT = 4000  # INTERVIEWER_MAX_ANSWER_CHARS' default
MB = 1_000_000
GOOD = "训练时BN用当前mini-batch的均值和方差；测试时用训练中滑动平均得到的全局均值和方差。"
# Exactly INTERVIEWER_MAX_ANSWER_CHARS, in sentences (unbroken runs are cut into 160-character units).
AT_LIMIT = ("训练时用batch统计量。" * 1000)[:ANSWER_LIMIT]


@pytest.fixture(scope="module")
def client(corpus, tmp_path_factory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("bad-input"), api_keys=API_KEY, rate_limit_per_minute=0, log_level="ERROR"
    )
    assert settings.max_request_bytes == BODY_LIMIT and settings.max_answer_chars == ANSWER_LIMIT
    # A server error must come back as a 500 response here, not as an exception inside the test.
    with TestClient(create_app(settings, corpus=corpus), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def session(client: TestClient) -> tuple[str, dict]:
    r = client.post("/v1/sessions", json={"topics": ["batch-norm"], "n_questions": 2, "max_followups": 1, "seed": 3})
    assert r.status_code == 201, r.text
    return r.json()["session_id"], {"Authorization": f"Bearer {r.json()['token']}"}


def _state(client: TestClient, sid: str | None = None, auth: dict | None = None) -> tuple:
    """What a rejected request must not change: the admin totals and the session's transcript and next move."""
    stats = client.get("/v1/admin/stats", headers=KEY)
    assert stats.status_code == 200, stats.text
    if sid is None:
        return (stats.json(),)
    s = client.get(f"/v1/sessions/{sid}", headers=auth)
    assert s.status_code == 200, s.text
    return stats.json(), s.json()["transcript"], s.json()["next"]


def _clear_4xx(r, status: int | tuple[int, ...], message: str) -> None:
    statuses = (status,) if isinstance(status, int) else status
    assert r.status_code in statuses, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail, detail
    assert message.lower() in detail.lower(), detail


def _chunks(total: int, prefix: bytes = b'{"text": "', size: int = 256_000) -> Iterator[bytes]:
    """A JSON body sent without a Content-Length (chunked), so the limit must be enforced while reading."""
    yield prefix
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


MARKS: dict[str, pytest.MarkDecorator] = {}


def _params(rows: list[tuple]) -> list:
    """pytest params from (id, *values) rows."""
    return [pytest.param(*row[1:], id=row[0], marks=MARKS.get(row[0], ())) for row in rows]


# (id, request kwargs, status, words the detail must contain)
BAD_ANSWERS = [
    ("empty", {"json": {"text": ""}}, 400, "empty"),
    ("whitespace", {"json": {"text": " \t\r\n\u3000\u2003 "}}, 400, "empty"),
    ("only-control-characters", {"json": {"text": "\x00\x01\x07\x1b\x7f"}}, 400, "empty"),
    ("only-lone-surrogates", {"content": b'{"text": "\\udfff\\ud800"}', "headers": JSON}, 400, "empty"),
    ("10000-empty-lines", {"json": {"text": "\n" * 10_000}}, 400, "empty"),
    (
        "10000-lines",
        {"json": {"text": "\n".join(f"line {i}: batch statistics" for i in range(10_000))}},
        413,
        f"the limit is {ANSWER_LIMIT}",
    ),
    ("1MB-text", {"json": {"text": "批" * (MB // 3)}}, 413, f"the limit is {ANSWER_LIMIT}"),
    ("1MB-ascii", {"json": {"text": "x" * MB}}, 413, f"the limit is {ANSWER_LIMIT}"),
    ("3MB-body", {"json": {"text": "x" * 3 * MB}}, 413, f"over {BODY_LIMIT} bytes"),
    ("3MB-chunked-body", {"content": _chunks(3 * MB), "headers": JSON}, 413, f"over {BODY_LIMIT} bytes"),
    (
        "invalid-utf8-in-string",
        {"content": b'{"text": "BN \xff\xfe\xc3\x28 stats"}', "headers": JSON},
        400,
        "parsing the body",
    ),
    ("invalid-utf8-body", {"content": b"\xff\xfe\xfd\x80", "headers": JSON}, 422, "json"),
    ("malformed-json", {"content": b'{"text": "BN uses batch stats"', "headers": JSON}, 422, "json decode error"),
    ("trailing-garbage", {"content": b'{"text": "BN"} trailing', "headers": JSON}, 422, "json decode error"),
    ("single-quotes", {"content": b"{'text': 'BN'}", "headers": JSON}, 422, "json decode error"),
    ("nan", {"content": b'{"text": NaN}', "headers": JSON}, 422, "text"),
    ("huge-number", {"content": b'{"text": 1e999}', "headers": JSON}, 422, "valid string"),
    ("deep-nesting", {"content": b"[" * 100_000 + b"]" * 100_000, "headers": JSON}, (400, 422), ""),
    ("text-number", {"json": {"text": 42}}, 422, "text: input should be a valid string"),
    ("text-bool", {"json": {"text": True}}, 422, "text: input should be a valid string"),
    ("text-null", {"json": {"text": None}}, 422, "text: input should be a valid string"),
    ("text-list", {"json": {"text": ["BN", "stats"]}}, 422, "text: input should be a valid string"),
    ("text-object", {"json": {"text": {"zh": "BN"}}}, 422, "text: input should be a valid string"),
    ("missing-text", {"json": {}}, 422, "text: field required"),
    ("misspelt-field", {"json": {"txt": "BN"}}, 422, "text: field required"),
    (
        "extra-field",
        {"json": {"text": "BN uses batch stats", "score": 100}},
        422,
        "score: extra inputs are not permitted",
    ),
    ("body-list", {"json": ["BN"]}, 422, "valid dictionary"),
    ("body-string", {"json": "BN uses batch stats"}, 422, "valid dictionary"),
    ("body-null", {"content": b"null", "headers": JSON}, 422, "valid dictionary"),
    ("empty-body", {"content": b"", "headers": JSON}, 422, "field required"),
    # A body that is not declared JSON: 415 naming the header, whatever the body holds.
    (
        "text-plain",
        {"content": b"BN uses batch stats", "headers": {"Content-Type": "text/plain"}},
        415,
        NOT_JSON + " (this request's is 'text/plain')",
    ),
    (
        "json-as-text-plain",
        {"content": b'{"text": "BN"}', "headers": {"Content-Type": "text/plain; charset=utf-8"}},
        415,
        NOT_JSON + " (this request's is 'text/plain')",
    ),
    (
        "form-encoded",
        {"data": {"text": "BN uses batch stats"}},
        415,
        NOT_JSON + " (this request's is 'application/x-www-form-urlencoded')",
    ),
    # What `curl -d '{...}'` sends.
    (
        "json-as-form",
        {"content": b'{"text": "BN"}', "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        415,
        NOT_JSON,
    ),
    ("no-content-type", {"content": b'{"text": "BN"}'}, 415, NOT_JSON + " (this request has none)"),
    ("empty-form", {"content": b"", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 415, NOT_JSON),
    ("problem-json", {"content": b'{"text": 7}', "headers": {"Content-Type": "application/problem+json"}}, 422, "text"),
    (
        "idempotency-key-too-long",
        {"json": {"text": GOOD}, "headers": {"Idempotency-Key": "k" * 129}},
        422,
        "idempotency-key",
    ),
    (
        "idempotency-key-with-space",
        {"json": {"text": GOOD}, "headers": {"Idempotency-Key": "a b"}},
        422,
        "idempotency-key",
    ),
]


@pytest.mark.parametrize(("kwargs", "status", "message"), _params(BAD_ANSWERS))
def test_bad_answers_are_refused_and_store_nothing(
    client: TestClient, session, kwargs: dict, status, message: str
) -> None:
    sid, auth = session
    before = _state(client, sid, auth)
    kwargs = dict(kwargs)
    headers = {**auth, **kwargs.pop("headers", {})}
    r = client.post(f"/v1/sessions/{sid}/answers", headers=headers, **kwargs)
    _clear_4xx(r, status, message)
    assert _state(client, sid, auth) == before


@pytest.mark.parametrize(
    "auth",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic Zm9vOmJhcg=="},
        {"Authorization": b"Bearer \xe9\xff\x00" * 20},  # not ASCII, with a NUL
    ],
    ids=["none", "wrong", "basic", "latin1"],
)
def test_answers_without_the_token_are_refused(client: TestClient, session, auth: dict) -> None:
    sid, good = session
    before = _state(client, sid, good)
    r = client.post(f"/v1/sessions/{sid}/answers", json={"text": GOOD}, headers=auth)
    _clear_4xx(r, 401, "token")
    assert _state(client, sid, good) == before


MIXED = "😀 训练时用 batch 统计量; тест — running mean; اختبار; テスト 🧪"
KEPT = "BN:\n\ttrain: batch mean/var\r\n\ttest: running averages"
INVISIBLE = "BN\u200b uses\u202e batch\u2066 stats\ufeff"  # zero-width space, bidi controls, BOM
# Accepted: (id, the answer (bytes: a raw JSON body), what is stored as the answer)
ACCEPTED = [
    (
        "nul-and-control-characters",
        "BN\x00 uses\x07 mini-batch\x1b statistics\x7f in training",
        "BN uses mini-batch statistics in training",
    ),
    ("lone-surrogates-inside-text", b'{"text": "BN \\ud800uses batch \\udfffstatistics"}', "BN uses batch statistics"),
    # Answers are normalised before they are stored: line ends become "\n", invisible characters go.
    ("tabs-and-newlines-kept", KEPT, KEPT.replace("\r\n", "\n")),
    ("emoji-and-mixed-scripts", MIXED, MIXED),
    ("zero-width-and-bidi-dropped", INVISIBLE, "BN uses batch stats"),
    ("at-the-limit", AT_LIMIT, AT_LIMIT),
]


@pytest.mark.parametrize(("answer", "stored"), _params(ACCEPTED))
def test_odd_but_valid_answers_are_graded_and_stored_once(client: TestClient, session, answer, stored: str) -> None:
    sid, auth = session
    stats, transcript, _ = _state(client, sid, auth)
    raw = answer if isinstance(answer, bytes) else json.dumps({"text": answer}, ensure_ascii=False).encode()
    r = client.post(f"/v1/sessions/{sid}/answers", content=raw, headers={**auth, **JSON})
    assert r.status_code == 200, r.text[:300]
    grade = r.json()["grade"]
    assert grade is not None and 0 <= grade["score"] <= 100
    stats2, transcript2, _ = _state(client, sid, auth)
    assert len(transcript2) == len(transcript) + 1 and transcript2[-1]["answer"] == stored
    assert stats2["turns"] == stats["turns"] + 1 and stats2["graded_turns"] == stats["graded_turns"] + 1


GRADE = {"question_id": "bn-train-test"}
BAD_GRADES = [
    ("empty-answer", {"json": {**GRADE, "answer": ""}}, 400, "empty"),
    ("whitespace-answer", {"json": {**GRADE, "answer": " \n\t "}}, 400, "empty"),
    ("control-answer", {"json": {**GRADE, "answer": "\x00\x1f"}}, 400, "empty"),
    (
        "surrogate-answer",
        {"content": b'{"question_id": "bn-train-test", "answer": "\\udc00"}', "headers": JSON},
        400,
        "empty",
    ),
    ("1MB-answer", {"json": {**GRADE, "answer": "x" * MB}}, 413, f"the limit is {ANSWER_LIMIT}"),
    (
        "10000-lines",
        {"json": {**GRADE, "answer": "\n".join(f"line {i}" for i in range(10_000))}},
        413,
        f"the limit is {ANSWER_LIMIT}",
    ),
    ("3MB-body", {"json": {**GRADE, "answer": "x" * 3 * MB}}, 413, f"over {BODY_LIMIT} bytes"),
    (
        "3MB-chunked-body",
        {"content": _chunks(3 * MB, b'{"question_id": "bn-train-test", "answer": "'), "headers": JSON},
        413,
        f"over {BODY_LIMIT} bytes",
    ),
    (
        "invalid-utf8",
        {"content": b'{"question_id": "bn-train-test", "answer": "\xff\xfe"}', "headers": JSON},
        400,
        "parsing the body",
    ),
    (
        "malformed-json",
        {"content": b'{"question_id": "bn-train-test", "answer": ', "headers": JSON},
        422,
        "json decode error",
    ),
    ("answer-number", {"json": {**GRADE, "answer": 1}}, 422, "answer: input should be a valid string"),
    ("answer-list", {"json": {**GRADE, "answer": ["a"]}}, 422, "answer: input should be a valid string"),
    ("answer-null", {"json": {**GRADE, "answer": None}}, 422, "answer: input should be a valid string"),
    ("answer-object", {"json": {**GRADE, "answer": {"a": 1}}}, 422, "answer: input should be a valid string"),
    ("missing-answer", {"json": GRADE}, 422, "answer: field required"),
    ("extra-field", {"json": {**GRADE, "answer": GOOD, "weight": 2}}, 422, "weight: extra inputs are not permitted"),
    ("nothing-to-grade-against", {"json": {"answer": GOOD}}, 422, "give question_id, question or reference"),
    (
        "all-null",
        {"json": {"question_id": None, "question": None, "reference": None, "answer": GOOD}},
        422,
        "give question_id",
    ),
    ("blank-question-only", {"json": {"question": "  \n ", "answer": GOOD}}, 422, "give question_id"),
    ("empty-reference", {"json": {"reference": "", "answer": GOOD}}, 422, "reference"),
    ("blank-reference", {"json": {"reference": " \t ", "answer": GOOD}}, 422, "reference"),
    ("empty-reference-list", {"json": {"reference": [], "answer": GOOD}}, 422, "reference"),
    ("blank-reference-item", {"json": {"reference": ["BN normalises.", " "], "answer": GOOD}}, 422, "reference"),
    ("reference-number", {"json": {"reference": 3, "answer": GOOD}}, 422, "reference"),
    ("reference-too-long", {"json": {"reference": "BN normalises. " * 600, "answer": GOOD}}, 422, "reference"),
    (
        "reference-list-too-long",
        {"json": {"reference": ["BN normalises activations."] * 400, "answer": GOOD}},
        422,
        "reference",
    ),
    (
        "reference-surrogate",
        {"content": b'{"reference": "BN \\ud800", "answer": "BN"}', "headers": JSON},
        422,
        "reference",
    ),
    (
        "question-id-number",
        {"json": {"question_id": 7, "answer": GOOD}},
        422,
        "question_id: input should be a valid string",
    ),
    ("question-id-too-long", {"json": {"question_id": "q" * 201, "answer": GOOD}}, 422, "question_id"),
    ("question-too-long", {"json": {"question": "什么是BN？" * 500, "answer": GOOD}}, 422, "question"),
    ("unknown-question-id", {"json": {"question_id": "no-such-question", "answer": GOOD}}, 404, "unknown question"),
    (
        "wrong-content-type",
        {"content": json.dumps({**GRADE, "answer": GOOD}).encode(), "headers": {"Content-Type": "text/plain"}},
        415,
        NOT_JSON,
    ),
]


@pytest.mark.parametrize(("kwargs", "status", "message"), _params(BAD_GRADES))
def test_bad_grade_requests_are_refused(client: TestClient, kwargs: dict, status, message: str) -> None:
    before = _state(client)
    r = client.post("/v1/grade", **kwargs)
    _clear_4xx(r, status, message)
    assert _state(client) == before


GRADED = [
    ("control-characters", {**GRADE, "answer": "BN\x00 uses\x07 batch statistics\x1b"}),
    ("emoji-mixed-scripts", {**GRADE, "answer": MIXED}),
    (
        "nul-in-question-and-reference",
        {
            "question": "What does BN\x00 do at test time?",
            "reference": "BN uses running\x00 averages.",
            "answer": "averages",
        },
    ),
    (
        "emoji-reference-list",
        {
            "question": "BN层训练和测试有什么不同？😀",
            "reference": ["训练用batch统计量", "测试用滑动平均 🧪"],
            "answer": "滑动平均",
        },
    ),
    # A blank question next to an id is ignored.
    ("blank-question-with-id", {**GRADE, "question": "   ", "answer": "BN"}),
    ("nulls-next-to-an-id", {**GRADE, "question": None, "reference": None, "answer": "BN"}),
    ("at-the-limit", {**GRADE, "answer": AT_LIMIT}),
]


@pytest.mark.parametrize("body", _params(GRADED))
def test_odd_but_valid_grade_requests_are_graded(client: TestClient, body: dict) -> None:
    before = _state(client)
    r = client.post("/v1/grade", json=body)
    assert r.status_code == 200, r.text[:300]
    assert 0 <= r.json()["score"] <= 100
    assert _state(client) == before  # grading without a session stores nothing


BAD_SESSIONS = [
    ("n-questions-0", {"n_questions": 0}, 422, "n_questions"),
    ("n-questions-100", {"n_questions": 100}, 422, "n_questions"),
    ("n-questions-negative", {"n_questions": -1}, 422, "n_questions"),
    ("n-questions-string", {"n_questions": "5"}, 422, "n_questions: input should be a valid integer"),
    ("n-questions-bool", {"n_questions": True}, 422, "n_questions: input should be a valid integer"),
    ("n-questions-fraction", {"n_questions": 2.5}, 422, "n_questions"),
    ("max-followups-6", {"max_followups": 6}, 422, "max_followups"),
    ("unknown-topic", {"topics": ["astrology"]}, 400, "unknown topic"),
    ("topics-string", {"topics": "batch-norm"}, 422, "topics"),
    ("topics-number-items", {"topics": [1, 2]}, 422, "topics"),
    ("topics-empty-id", {"topics": [""]}, 422, "topics"),
    ("topics-31", {"topics": ["batch-norm"] * 31}, 422, "topics"),
    ("language-fr", {"language": "fr"}, 422, "language"),
    ("difficulty-reversed", {"difficulty": [3, 1]}, 422, "difficulty"),
    ("difficulty-0", {"difficulty": [0, 2]}, 422, "difficulty"),
    ("difficulty-4", {"difficulty": [1, 4]}, 422, "difficulty"),
    ("difficulty-one-number", {"difficulty": [1]}, 422, "difficulty"),
    ("difficulty-string", {"difficulty": "1-3"}, 422, "difficulty"),
    ("difficulty-bools", {"difficulty": [True, True]}, 422, "difficulty"),
    ("seed-bool", {"seed": False}, 422, "seed: input should be a valid integer"),
    ("seed-negative", {"seed": -5}, 422, "seed"),
    ("seed-huge", {"seed": 2**40}, 422, "seed"),
    ("extra-field", {"n_questions": 2, "admin": True}, 422, "admin: extra inputs are not permitted"),
    ("body-list", [{"n_questions": 2}], 422, "valid dictionary"),
]


@pytest.mark.parametrize(("body", "status", "message"), _params(BAD_SESSIONS))
def test_bad_session_options_are_refused(client: TestClient, body, status: int, message: str) -> None:
    before = _state(client)
    r = client.post("/v1/sessions", json=body)
    _clear_4xx(r, status, message)
    assert _state(client) == before


def test_null_for_an_optional_session_option_is_its_default(client: TestClient) -> None:
    """Clients that serialise every field send null for the ones they leave unset."""
    options = ("topics", "n_questions", "language", "max_followups", "difficulty", "seed")
    before = _state(client)
    r = client.post("/v1/sessions", json=dict.fromkeys(options))
    assert r.status_code == 201, r.text
    assert r.json()["language"] == "zh" and r.json()["next"]["total"] == 5
    auth = {"Authorization": f"Bearer {r.json()['token']}"}
    config = client.get(f"/v1/sessions/{r.json()['session_id']}", headers=auth).json()["config"]
    assert config["topics"] == [] and config["n_questions"] == 5 and config["max_followups"] == 2
    assert tuple(config["difficulty"]) == (1, 3)
    assert _state(client)[0]["sessions"] == before[0]["sessions"] + 1
    # Mixed with given values, null still means only "the default" for its own field.
    r = client.post("/v1/sessions", json={"topics": ["batch-norm"], "n_questions": None, "language": "en"})
    assert r.status_code == 201 and r.json()["language"] == "en" and r.json()["next"]["total"] == 5
    # A required field stays required.
    _clear_4xx(client.post("/v1/grade", json={**GRADE, "answer": None}), 422, "answer: input should be a valid string")


def test_the_schema_says_null_is_the_default(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for name, field, default in (("SessionCreate", "n_questions", "5"), ("SessionCreate", "topics", "[]")):
        prop = schemas[name]["properties"][field]
        assert {"type": "null"} in prop["anyOf"], prop
        assert prop["description"].endswith(f"null or left out: {default}."), prop
    assert {"type": "null"} in schemas["GradeIn"]["properties"]["question_id"]["anyOf"]
    assert "anyOf" not in schemas["AnswerIn"]["properties"]["text"]  # required: null is refused


@pytest.mark.parametrize(
    ("content", "headers", "status", "message"),
    [
        (b'{"n_questions": 2', JSON, 422, "json decode error"),
        (b'{"n_questions": "\xff"}', JSON, 400, "parsing the body"),
        (b"n_questions=2", {"Content-Type": "application/x-www-form-urlencoded"}, 415, NOT_JSON),
        (b'{"n_questions": 2}', {"Content-Type": "application/x-www-form-urlencoded"}, 415, NOT_JSON),
    ],
    ids=["malformed-json", "invalid-utf8", "form-encoded", "json-as-form"],
)
def test_broken_session_bodies_are_refused(
    client: TestClient, content: bytes, headers: dict, status: int, message: str
) -> None:
    before = _state(client)
    _clear_4xx(client.post("/v1/sessions", content=content, headers=headers), status, message)
    assert _state(client) == before


def _batch(client: TestClient, content: bytes | Iterator[bytes], headers: dict | None = None):
    headers = {"Content-Type": "application/x-ndjson", **KEY, **(headers or {})}
    return client.post("/v1/grade/batch", content=content, headers=headers)


def test_batch_body_over_the_limit_gets_413(client: TestClient) -> None:
    before = _state(client)
    row = json.dumps({"question_id": "bn-train-test", "answer": "x" * 1000}).encode() + b"\n"
    _clear_4xx(_batch(client, row * (BODY_LIMIT // len(row) + 10)), 413, f"over {BODY_LIMIT} bytes")
    _clear_4xx(_batch(client, iter([row] * (BODY_LIMIT // len(row) + 10))), 413, f"over {BODY_LIMIT} bytes")  # chunked
    assert _state(client) == before


def test_batch_of_a_megabyte_of_garbage_lines(client: TestClient) -> None:
    before = _state(client)
    # Many short lines: more rows than a request may hold.
    _clear_4xx(_batch(client, b"%#@!garbage \x01\x02 not json\n" * (MB // 26)), 413, "the limit is 2000")
    # Few long lines: each is reported as a problem, none is graded.
    r = _batch(client, (b"{" + b"garbage " * 1250 + b"\n") * 100)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["results"] == [] and len(r.json()["problems"]) == 100
    assert _state(client) == before


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b'{"question_id": "bn-train-test", "answer": "\xff\xfe"}\n', 400, "not utf-8"),
        (b"\xc3\x28\xa0\xa1" * 1000, 400, "not utf-8"),
        (b"", 400, "no rows"),
        (b"\n\n   \n", 400, "no rows"),
    ],
    ids=["invalid-utf8-row", "invalid-utf8-garbage", "empty", "blank-lines"],
)
def test_batch_bad_bodies_get_400(client: TestClient, content: bytes, status: int, message: str) -> None:
    before = _state(client)
    _clear_4xx(_batch(client, content), status, message)
    assert _state(client) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": ""},
        {"X-API-Key": "wrong"},
        {"X-API-Key": API_KEY + "x"},
        {"X-API-Key": "", "Authorization": "Bearer wrong"},
    ],
    ids=["none", "wrong", "longer", "wrong-bearer"],
)
def test_batch_needs_the_right_key(client: TestClient, headers: dict) -> None:
    row = json.dumps({"question_id": "bn-train-test", "answer": GOOD}).encode()
    r = client.post("/v1/grade/batch", content=row, headers={"Content-Type": "application/x-ndjson", **headers})
    _clear_4xx(r, 401, "api key")


def test_batch_is_off_without_configured_keys(corpus, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "nokeys", log_level="ERROR"), corpus=corpus)
    with TestClient(app, raise_server_exceptions=False) as c:
        row = json.dumps({"question_id": "bn-train-test", "answer": GOOD}).encode()
        for headers in ({}, KEY):
            r = c.post("/v1/grade/batch", content=row, headers={"Content-Type": "application/x-ndjson", **headers})
            _clear_4xx(r, 403, "INTERVIEWER_API_KEYS")
