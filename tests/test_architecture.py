"""The import rules that keep the layers apart, checked over the source: a newcomer who adds an import that
breaks them learns it here, with the offending line."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from paths import REPO

# The core's subpackages from the bottom up: each may import only those before it (and itself).
LAYERS = [
    "interviewer.settings",
    "interviewer.language",
    "interviewer.embeddings",
    "interviewer.knowledge",
    "interviewer.llm",
    "interviewer.grading",
    "interviewer.batch",
    "interviewer.interview",
    "interviewer.storage",
    "interviewer.service",
]
# The fronts sit on top: the command line and the web API call the use cases; neither imports the other's
# internals. `interviewer serve` starts the web app, and `interviewer bench` runs the benchmarks in `eval`.
FRONT_RULES = {
    "interviewer.cli": {"forbidden": [], "allowed_only_in_functions": ["api", "eval"]},
    "api": {"forbidden": ["eval", "interviewer.cli"], "allowed_only_in_functions": []},
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import statement of ``path``."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            in_function.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in in_function
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, node.lineno, id(node) in in_function


def _sources(*folders: str) -> list[Path]:
    return [
        p
        for folder in folders
        for p in sorted((REPO / folder).rglob("*.py"))
        if "migrations/versions" not in p.as_posix()
    ]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _layer(module: str) -> int | None:
    for i, package in enumerate(LAYERS):
        if _within(module, package):
            return i
    return None


def test_every_core_subpackage_has_a_layer() -> None:
    subpackages = {p.parent for p in (REPO / "interviewer").glob("*/__init__.py")} | {
        REPO / "interviewer" / "settings.py"
    }
    for sub in subpackages:
        module = _module(sub if sub.suffix else sub / "__init__.py")
        assert module == "interviewer.cli" or _layer(module) is not None, f"{module}: give it a place in LAYERS"


@pytest.mark.parametrize("path", _sources("interviewer"), ids=lambda p: str(p.relative_to(REPO)))
def test_the_core_imports_only_downwards_and_never_a_front(path: Path) -> None:
    module = _module(path)
    if _within(module, "interviewer.cli") or module == "interviewer":
        return
    own = _layer(module)
    for target, line, _ in _imports(path):
        where = f"{path.relative_to(REPO)}:{line} imports {target}"
        assert not any(_within(target, front) for front in ("api", "eval", "interviewer.cli")), where
        theirs = _layer(target)
        if own is not None and theirs is not None:
            assert theirs <= own, f"{where}: {LAYERS[own]} may not import {LAYERS[theirs]}, which sits above it"


@pytest.mark.parametrize("front", sorted(FRONT_RULES))
def test_fronts_keep_to_their_rules(front: str) -> None:
    rules = FRONT_RULES[front]
    folder = front.replace(".", "/")
    for path in _sources(folder):
        for target, line, in_function in _imports(path):
            where = f"{path.relative_to(REPO)}:{line} imports {target}"
            assert not any(_within(target, f) for f in rules["forbidden"]), where
            if any(_within(target, f) for f in rules["allowed_only_in_functions"]):
                # Loaded only by the command that needs it, so `interviewer practice` never loads the web app.
                assert in_function, f"{where} at module level"


def test_the_interview_command_runs_without_the_web_package() -> None:
    import subprocess
    import sys

    code = (
        "import sys, interviewer.cli, interviewer.service; "
        "bad = sorted(m for m in sys.modules if m == 'api' or m.startswith(('api.', 'eval.', 'fastapi'))); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_two_core_modules_share_a_name() -> None:
    stems: dict[str, Path] = {}
    for path in _sources("interviewer"):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        assert path.stem not in stems, f"{path.relative_to(REPO)} and {stems[path.stem].relative_to(REPO)}"
        stems[path.stem] = path
