from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from interviewer import load_bank, validate_bank
from interviewer.cli import app
from interviewer.knowledge.bank import BankError, chinese_numeral, seed_sections
from interviewer.knowledge.termcheck import check_terms
from paths import REPO

BANK = REPO / "corpus" / "bank"
SOURCES = REPO / "corpus" / "sources"
CROSS_RATE_MAX = 0.02


def test_shipped_bank_is_valid_and_covers_the_seed() -> None:
    assert validate_bank(BANK, SOURCES) == []
    bank = load_bank(BANK)
    groups = bank.groups
    assert len(groups["seed"]) == 24
    assert {bank.topics[t].section for t in groups["seed"]} == set(range(1, 25))
    assert sum(len(bank.by_topic(t)) for t in groups["seed"]) >= 60
    for q in bank:
        assert q.question.zh and q.question.en and q.reference.zh and q.reference.en
        assert 2 <= len(q.key_points) <= 8 and 1 <= q.difficulty <= 3
        for kp in q.key_points:
            assert kp.statement.zh and kp.statement.en and kp.probe.zh and kp.probe.en and kp.weight > 0


MODERN_TOPICS = {"transformers", "dropout-init", "losses-calibration", "training-at-scale", "generative-models"}


def test_modern_topics_come_from_the_projects_own_notes() -> None:
    bank = load_bank(BANK)
    assert set(bank.groups["modern"]) == MODERN_TOPICS
    modern = [q for q in bank if q.topic in MODERN_TOPICS]
    assert len(modern) >= 30
    for q in modern:
        assert q.source is not None and q.source.file.startswith("notes_"), q.id
        note = (SOURCES / q.source.file).read_text(encoding="utf-8")
        assert "interviewer" in note.splitlines()[2], f"{q.source.file} does not say it is the project's own note"
        assert all(kp.terms for kp in q.key_points), q.id
    assert {q.difficulty for q in modern} == {1, 2, 3}


def test_every_term_is_found_in_its_own_reference_and_rarely_in_others() -> None:
    """Both languages: every term group in its own question's reference; no probe names its answer."""
    report = check_terms(load_bank(BANK))
    assert report.misses == [] and report.leaks == []
    for lang in ("zh", "en"):
        assert report.self_rate(lang) == 1.0
        # Related questions share vocabulary; what is reported here is how often a point's terms would give
        # credit on another question's model answer.
        assert report.cross_rate(lang) <= CROSS_RATE_MAX, report.summary()


def test_validate_reports_term_rates() -> None:
    r = CliRunner().invoke(app, ["corpus", "validate"])
    lines = r.stdout.splitlines()
    assert any(line.startswith("terms (zh): 100.0% of") for line in lines)
    assert any(line.startswith("terms (en): 100.0% of") for line in lines)


def test_bank_records_where_it_corrects_the_source() -> None:
    bank = load_bank(BANK)
    corrections = [c for q in bank for c in q.corrections]
    assert len(corrections) >= 20
    bn = bank.get("bn-param-count")
    assert bn is not None and any("2C" in c.corrected or "2×C" in c.corrected for c in bn.corrections)
    assert (REPO / "corpus" / "CORRECTIONS.md").is_file()


def test_validate_cli_passes_on_the_shipped_bank() -> None:
    r = CliRunner().invoke(app, ["corpus", "validate"])
    assert r.exit_code == 0 and r.stdout.splitlines()[-1].startswith("ok:")


def _write_bank(folder: Path, mutate) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for src in sorted(BANK.glob("*.yaml")):
        data = yaml.safe_load(src.read_text(encoding="utf-8"))
        mutate(src.name, data)
        (folder / src.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def _first(name: str) -> bool:
    return name.startswith("24_")


BROKEN = {
    "duplicate id": (
        lambda n, d: _first(n) and d["questions"][1].update(id=d["questions"][0]["id"]),
        "duplicate question id",
    ),
    "missing language": (
        lambda n, d: _first(n) and d["questions"][0]["question"].update(en=""),
        "question has no en text",
    ),
    "empty key point": (
        lambda n, d: _first(n) and d["questions"][0]["key_points"][0]["statement"].update(zh="", en=""),
        "empty statement",
    ),
    "weight": (lambda n, d: _first(n) and d["questions"][0]["key_points"][0].update(weight=0), "weight 0 must be > 0"),
    "source range": (lambda n, d: _first(n) and d["questions"][0]["source"].update(lines=[790, 900]), "outside"),
    "topic without question": (
        lambda n, d: n.startswith("07_") and d.update(questions=[]),
        "section 【7】 has no question",
    ),
    "too few key points": (
        lambda n, d: _first(n) and d["questions"][0].update(key_points=d["questions"][0]["key_points"][:1]),
        "has 1 key points, expected 2-8",
    ),
    "bad difficulty": (lambda n, d: _first(n) and d["questions"][0].update(difficulty=7), "difficulty 7"),
    "term its reference lacks": (
        lambda n, d: _first(n) and d["questions"][0]["key_points"][0].update(terms=[["astrology", "占星"]]),
        "no alias of ['astrology', '占星'] in the zh reference",
    ),
    "probe that names the answer": (
        lambda n, d: _first(n)
        and d["questions"][0]["key_points"][0]["probe"].update(
            en="Is it " + " and ".join(g[-1] for g in d["questions"][0]["key_points"][0]["terms"]) + "?"
        ),
        "the en probe names the answer",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_validate_reports_each_problem_in_one_line(tmp_path: Path, case: str) -> None:
    mutate, expected = BROKEN[case]
    folder = _write_bank(tmp_path / "bank", mutate)
    problems = validate_bank(folder, SOURCES)
    assert problems and any(expected in p for p in problems), problems
    r = CliRunner().invoke(app, ["corpus", "validate", str(folder), "--sources", str(SOURCES)])
    assert r.exit_code == 1
    assert any(expected in line for line in r.stdout.splitlines())


def test_unreadable_and_misshapen_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("topic: [unclosed\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("topic: {id: x, title: {zh: X, en: X}}\nquestions: [{id: q}]\n", encoding="utf-8")
    problems = validate_bank(tmp_path)
    assert any("a.yaml: unreadable" in p for p in problems)
    assert any("b.yaml: questions.0" in p for p in problems)
    with pytest.raises(BankError, match="a.yaml"):
        load_bank(tmp_path)
    assert validate_bank(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such file or directory"]


def test_chinese_numerals_and_seed_sections() -> None:
    assert [chinese_numeral(x) for x in ("一", "十", "十二", "二十四", "一百零五")] == [1, 10, 12, 24, 105]
    assert seed_sections(SOURCES / "original" / "dl_interview_zh.txt") == set(range(1, 25))
