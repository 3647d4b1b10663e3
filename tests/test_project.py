"""The files a new user and CI start from: README commands, CI script, Docker files."""

from __future__ import annotations

import re

import yaml

from conftest import REPO


def _fenced_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _default(value: str) -> str:
    """A compose value with each ``${VAR-default}`` / ``${VAR:-default}`` replaced by its default."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", value)


def _env_example_names() -> set[str]:
    """Names assigned in .env.example, including commented-out ``# NAME=value`` lines."""
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^(?:#\s*)?([A-Z][A-Z0-9_]*)=", text, flags=re.M))


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_second() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    head = readme.split("---", 1)[0]
    blocks = _fenced_blocks(head)
    assert len(blocks) == 2
    serve, tests = (b.strip() for b in blocks)
    assert "\n" not in serve and "pip install ." in serve and serve.endswith("interviewer serve")
    assert "\n" not in tests and "pytest" in tests and "torch==2.13.0" in tests
    assert tests in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    from interviewer import Settings

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"INTERVIEWER_{name.upper()}" in readme, name


def test_compose_file_describes_the_api_service() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    api = compose["services"]["api"]
    assert api["build"] == "." and any(str(p).endswith(":8000") for p in api["ports"])
    assert api["healthcheck"]["test"] and api["restart"] == "unless-stopped"
    volume = api["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]


def test_dockerfile_runs_as_a_user_and_bakes_the_index() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert text.startswith("#") and "FROM python:3.11-slim" in text
    user = text.index("USER app")
    assert user < text.index("RUN interviewer corpus stats") and 'CMD ["interviewer", "serve"]' in text
    for folder in ("interviewer", "api", "eval", "corpus"):
        assert f"COPY {folder} ./{folder}" in text
    assert re.search(r"pip install [\"']?\.\[[a-z,]*postgres", text), "the image needs the PostgreSQL driver"


def test_compose_llm_service_is_internal_and_the_api_points_at_it() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    llm, api = compose["services"]["llm"], compose["services"]["api"]
    assert llm["image"].startswith("ghcr.io/ggml-org/llama.cpp") and "ports" not in llm
    assert "8080" in llm["expose"] and llm["healthcheck"]["test"]
    assert _default(_environment(api)["INTERVIEWER_LLM_BASE_URL"]) == "http://llm:8080/v1"
    assert "--alias" in llm["command"] and "local" in llm["command"]


def test_compose_db_service_is_internal_persistent_and_checked() -> None:
    compose = _compose()
    db = compose["services"]["db"]
    image, _, tag = db["image"].partition(":")
    assert image == "postgres" and tag.startswith("16"), db["image"]  # the official image
    assert "ports" not in db
    assert db["restart"] == "unless-stopped"
    check = db["healthcheck"]["test"]
    check = " ".join(check) if isinstance(check, list) else check
    assert "pg_isready" in check and "-U" in check and "-d" in check
    env = _environment(db)
    assert {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"} <= env.keys()
    assert ":?" in env["POSTGRES_PASSWORD"], "no default password: compose must refuse to start without one"
    mounts = [v.split(":") for v in db["volumes"] if isinstance(v, str)]
    data = [m[0] for m in mounts if m[1] == "/var/lib/postgresql/data"]
    assert data and data[0] in compose["volumes"], "the database lives in a declared named volume"


def test_compose_api_waits_for_the_database_and_not_for_the_llm() -> None:
    api = _compose()["services"]["api"]
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert api["depends_on"].get("llm", {}).get("condition", "service_started") != "service_healthy"
    url = _environment(api)["INTERVIEWER_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://")
    assert re.search(r"@db:5432/", url), url
    env_files = api["env_file"]
    assert any(f.get("path") == ".env" and f.get("required") is False for f in env_files if isinstance(f, dict))


def test_compose_only_the_api_publishes_and_every_service_is_checked() -> None:
    services = _compose()["services"]
    assert {"api", "db", "llm"} <= services.keys()
    assert [name for name, s in services.items() if s.get("ports")] == ["api"]
    for name, service in services.items():
        assert service.get("restart") in ("unless-stopped", "always"), name
        assert service.get("healthcheck", {}).get("test"), name


def test_env_example_lists_every_setting_and_every_compose_variable() -> None:
    from interviewer import Settings

    names = _env_example_names()
    for field in Settings.model_fields:
        assert f"INTERVIEWER_{field.upper()}" in names, field
    compose_text = (REPO / "docker-compose.yml").read_text(encoding="utf-8").replace("$$", "")
    referenced = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", compose_text))
    assert {"POSTGRES_PASSWORD", "INTERVIEWER_PUBLISHED_PORT"} <= referenced
    assert referenced <= names, referenced - names


def test_env_example_holds_no_secret() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.M))
    for name in ("POSTGRES_PASSWORD", "INTERVIEWER_API_KEYS", "INTERVIEWER_LLM_API_KEY"):
        assert values[name] in ("", "change-me"), name
    assert "secrets.token_urlsafe" in text


def test_readme_has_a_deploy_section() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "\n## Deploy\n" in readme
    deploy = readme.split("\n## Deploy\n", 1)[1].split("\n## ", 1)[0]
    for needle in ("docker compose up", ".env.example", "/readyz", "pg_dump", "--scale", "/metrics"):
        assert needle in deploy, needle
