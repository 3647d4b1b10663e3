"""The bank's terms measured against its own references: misses, probes that give the answer away, overlap."""

from __future__ import annotations

from interviewer.knowledge.models import Bilingual, KeyPoint, Question
from interviewer.knowledge.termcheck import check_terms, probe_leak


def question(qid: str, reference_en: str, points: list[KeyPoint], asked: str = "Why?") -> Question:
    return Question(
        id=qid,
        topic="t",
        question=Bilingual(en=asked),
        reference=Bilingual(en=reference_en),
        key_points=points,
    )


def point(pid: str, terms: list[list[str]], probe: str = "What else?") -> KeyPoint:
    return KeyPoint(id=pid, statement=Bilingual(en=pid), terms=terms, probe=Bilingual(en=probe))


def test_a_group_its_reference_lacks_is_a_miss_in_that_language() -> None:
    q = question("q", "Overlap is uneven when the kernel is not divisible by the stride.", [
        point("q.cause", [["overlap"], ["divisible"]]),
        point("q.stack", [["stacking"]]),
    ])
    report = check_terms([q], languages=["en"])
    assert [(m.point_id, m.group) for m in report.misses] == [("q.stack", ("stacking",))]
    assert report.groups["en"] == 3 and report.self_rate("en") == 2 / 3


def test_a_probe_that_holds_the_answer_is_a_leak_but_context_from_the_question_is_not() -> None:
    asked = "How should kernel size and stride be chosen?"
    context = point("q.div", [["stride"], ["divisible"]], probe="How should the kernel relate to the stride?")
    leading = point("q.div2", [["stride"], ["divisible"]], probe="Should the kernel be divisible by the stride?")
    q = question("q", "Make the kernel divisible by the stride.", [context, leading], asked=asked)
    assert probe_leak(q, context, "en") is None
    leak = probe_leak(q, leading, "en")
    assert leak is not None and leak.alias == "divisible"
    assert [x.point_id for x in check_terms([q], languages=["en"]).leaks] == ["q.div2"]


def test_points_found_in_other_questions_references_are_counted_as_pairs() -> None:
    generic = point("a.params", [["parameter"]])
    specific = point("a.tied", [["shar"], ["position"]])
    a = question("a", "Weights are shared across positions, so there are fewer parameters.", [generic, specific])
    b = question("b", "A 1x1 convolution cuts parameters.", [point("b.cut", [["1x1"]])])
    c = question("c", "Global pooling has no parameters.", [point("c.none", [["global"]])])
    report = check_terms([a, b, c], languages=["en"])
    hits = {(h.point_id, h.other_question_id) for h in report.cross_hits}
    assert hits == {("a.params", "b"), ("a.params", "c")}
    assert report.cross_pairs["en"] == 8  # four points, each against the two other questions
    assert report.cross_rate("en") == 2 / 8
    assert "25.00%" in report.summary()[0]
