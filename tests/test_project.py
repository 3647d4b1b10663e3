"""The files a new user and CI start from: README commands, CI script, Docker files."""

from __future__ import annotations

import re

import yaml

from conftest import REPO


def _fenced_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


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


def test_compose_llm_service_is_internal_and_the_api_points_at_it() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    llm, api = compose["services"]["llm"], compose["services"]["api"]
    assert llm["image"].startswith("ghcr.io/ggml-org/llama.cpp") and "ports" not in llm
    assert "8080" in llm["expose"] and llm["healthcheck"]["test"]
    assert api["environment"]["INTERVIEWER_LLM_BASE_URL"] == "http://llm:8080/v1"
    assert "--alias" in llm["command"] and "local" in llm["command"]
