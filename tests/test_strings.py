"""Every string table a candidate reads, in both languages: the same keys, nothing empty, Chinese in Chinese and no
Chinese in English.

The tables are found, not listed: every module-level dict in ``interviewer/`` whose keys are exactly zh and en,
the flags' rules (PENALTY_RULES) and the chat page's ``api/static/strings.json``. A new table is checked the day it
is written.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from interviewer.grading.scoring import PENALTIES, PENALTY_RULES
from paths import REPO

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A language's name in its own script, which a reader of the other language must be able to find ("中文 (Chinese)").
ENDONYMS = ("中文", "English")
# Values that are the same in every language: language tags for the browser and speech.
IDS = re.compile(r"^[a-z]{2,3}(?:-[A-Z]{2})?$")
# zh/en tables a candidate never reads, and why.
NOT_SHOWN = {
    "interviewer.interview.coach.LANGUAGE": "names the answer's language inside the English prompt sent to the LLM",
}
STRINGS_JSON = REPO / "api" / "static" / "strings.json"


def _leaves(table: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(table, dict):
        for key, value in table.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    else:
        yield path or "(text)", table


def _module_tables() -> dict[str, dict[str, Any]]:
    """name -> {"zh": ..., "en": ...} for every module-level dict of the core keyed by exactly zh and en."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted((REPO / "interviewer").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if not isinstance(target, ast.Name) or not isinstance(value, ast.Dict):
                continue
            keys = [k.value if isinstance(k, ast.Constant) else None for k in value.keys]
            if sorted(map(str, keys)) == ["en", "zh"]:
                found[f"{module}.{target.id}"] = getattr(importlib.import_module(module), target.id)
    return found


def _string_tables() -> list[tuple[str, dict[str, Any]]]:
    tables = [
        (name, table)
        for name, table in _module_tables().items()
        if name not in NOT_SHOWN and all(isinstance(v, str) for lang in ("zh", "en") for _, v in _leaves(table[lang]))
    ]
    tables += [(f"PENALTY_RULES.{flag}", rule) for flag, rule in PENALTY_RULES.items()]
    if STRINGS_JSON.is_file():
        tables.append(("api/static/strings.json", json.loads(STRINGS_JSON.read_text(encoding="utf-8"))))
    return tables


TABLES = _string_tables()


def test_the_tables_are_found() -> None:
    names = {name for name, _ in TABLES}
    for expected in ("interviewer.interview.report._T", "interviewer.cli.cards._T", "interviewer.cli.practice._T"):
        assert expected in names
    assert any(n.startswith("PENALTY_RULES.") for n in names)
    # The tables the core keeps for itself are found too, and set aside only for the reason given.
    assert set(NOT_SHOWN) <= set(_module_tables())


@pytest.mark.parametrize("name,table", TABLES, ids=[name for name, _ in TABLES])
def test_both_languages_have_the_same_keys_and_no_empty_text(name: str, table: dict[str, Any]) -> None:
    assert set(table) == {"zh", "en"}, name
    zh, en = dict(_leaves(table["zh"])), dict(_leaves(table["en"]))
    assert set(zh) == set(en), f"{name}: only in zh {set(zh) - set(en)}, only in en {set(en) - set(zh)}"
    for lang, texts in (("zh", zh), ("en", en)):
        for key, text in texts.items():
            assert isinstance(text, str) and text.strip(), f"{name} [{lang}] {key}: empty"
    for key in zh:
        assert set(re.findall(r"\{(\w+)", zh[key])) == set(re.findall(r"\{(\w+)", en[key])), f"{name} {key}"


@pytest.mark.parametrize("name,table", TABLES, ids=[name for name, _ in TABLES])
def test_chinese_is_chinese_and_english_has_no_chinese(name: str, table: dict[str, Any]) -> None:
    for key, text in _leaves(table["zh"]):
        bare = re.sub(r"\{\w*\}", "", text)
        symbols = not re.search(r"[^\W\d_]", bare)  # punctuation, numbers and placeholders only
        assert CJK.search(bare) or symbols or IDS.fullmatch(text), f"{name} [zh] {key}: not Chinese: {text!r}"
    for key, text in _leaves(table["en"]):
        bare = text
        for name_of_language in ENDONYMS:
            bare = bare.replace(name_of_language, "")
        assert not CJK.search(bare), f"{name} [en] {key}: Chinese in English: {text!r}"


def test_every_flag_has_its_rule_in_both_languages() -> None:
    for flag in PENALTIES:
        rule = PENALTY_RULES.get(flag)
        assert rule is not None, f"{flag} has no rule in words"
        assert CJK.search(rule["zh"]) and rule["en"].strip() and not CJK.search(rule["en"]), flag


def test_the_chat_pages_strings_are_checked() -> None:
    if not STRINGS_JSON.is_file():
        pytest.skip(
            f"{STRINGS_JSON.relative_to(REPO)} does not exist yet: the chat page keeps its strings in its script"
        )
    assert "api/static/strings.json" in {name for name, _ in TABLES}
