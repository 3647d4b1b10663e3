"""The linter and the type checker, as CI runs them (configuration in pyproject.toml)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from paths import REPO

# Silenced findings are counted so they only ever go down; each must say which rule and why.
MAX_SUPPRESSIONS = 2


def _tool(name: str) -> list[str]:
    if (
        shutil.which(name) is None
        and subprocess.run([sys.executable, "-m", name, "--version"], capture_output=True).returncode
    ):
        pytest.skip(f"{name} is not installed; pip install -e '.[test]'")
    return [sys.executable, "-m", name]


def test_ruff_finds_nothing() -> None:
    r = subprocess.run(
        [*_tool("ruff"), "check", "interviewer", "api", "eval", "tests"], capture_output=True, text=True, cwd=REPO
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_mypy_strict_on_the_core_finds_nothing() -> None:
    r = subprocess.run([*_tool("mypy")], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_suppressions_are_few_and_name_their_rule() -> None:
    found = []
    for folder in ("interviewer", "api", "eval", "tests"):
        for path in sorted((REPO / folder).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if m := re.search(r"#\s*(noqa|type:\s*ignore)\b(.*)", line):
                    found.append(f"{path.relative_to(REPO)}:{n}")
                    assert re.match(r"\s*[:\[]", m.group(2)), f"{path.relative_to(REPO)}:{n}: name the rule silenced"
    assert len(found) <= MAX_SUPPRESSIONS, "\n".join(found)
