"""eval/bench_hostile.py keeps working: its cases are what their names say, and a tiny run produces the table.
No timing is asserted: the figures depend on the machine."""

from __future__ import annotations

import random
import re
from pathlib import Path

from eval import bench_hostile as bench
from interviewer import Settings
from interviewer.language.normalize import normalize_text
from interviewer.service.container import build_services


def test_the_cases_are_what_their_names_say() -> None:
    sentences = bench.corpus_sentences()
    assert len(sentences["zh"]) > 100 and len(sentences["en"]) > 50
    by_name = {(c.name, c.lang): c for c in bench.cases(sentences, 4000, random.Random(1), references=True)}
    assert len(by_name) == 12
    for case in by_name.values():
        assert len(case.answer) <= 4000 and len(case.answer) >= 3900, case.name
    en, zh = by_name[("ordinary", "en")].answer, by_name[("ordinary", "zh")].answer
    assert normalize_text(en) == en and normalize_text(zh) == zh
    assert len(set(re.split(r"(?<=[.。])\s*", zh))) > 40  # varied sentences, not one repeated
    assert len(normalize_text(by_name[("combining run (a + marks)", "en")].answer)) <= 3
    assert not re.search(r"[\s，。、；：！？,.]", by_name[("unbroken CJK", "zh")].answer)
    assert len(set(by_name[("one repeated character", "en")].answer)) == 1
    assert set(by_name[("repeated word, no punctuation", "en")].answer) <= set("gradient ")
    assert by_name[("English, no spaces or punctuation", "en")].answer.isalpha()
    zero_width = by_name[("zero-width between letters", "en")].answer
    assert len(normalize_text(zero_width)) == len(zero_width) // 2
    long_ref = next(c for c in by_name.values() if c.name.startswith("reference of 8000"))
    assert isinstance(long_ref.reference, str) and 7900 <= len(long_ref.reference) <= 8000
    points = next(c for c in by_name.values() if c.name.startswith("reference of 50 points"))
    assert isinstance(points.reference, list) and len(points.reference) == 50
    assert all(150 <= len(p) <= 160 for p in points.reference)


def test_a_tiny_run_times_every_case(corpus, session_data: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=session_data, database_url=f"sqlite:///{tmp_path / 'b.db'}", grader="embedding")
    services = build_services(settings, corpus=corpus)
    try:
        results = bench.run(chars=300, repeat=1, services=services)
    finally:
        services.close()
    assert len(results) == 12
    assert all(r.seconds > 0 and r.ratio > 0 for r in results)
    assert {r.ratio for r in results if r.case == "ordinary"} == {1.0}
    bench.print_table(results, (0.0, 0.0))
