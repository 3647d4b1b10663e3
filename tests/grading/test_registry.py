"""Adding a grader means implementing the protocol and registering it."""

from __future__ import annotations

import pytest

from fakes import KeywordGrader
from interviewer.grading.protocol import GraderProtocol
from interviewer.grading.registry import GraderConfigError, grader_names, make_grader, register_grader
from interviewer.grading.scoring import score
from interviewer.settings import Settings


class Registered(KeywordGrader):
    name = "keyword"
    model_id = "keywords"
    corpus = None

    def grade_many(self, items, match_confidences=None):
        return [self.grade(q, a) for q, a in items]


def test_a_registered_grader_is_built_by_name_and_scores_with_the_one_function(corpus) -> None:
    register_grader("keyword", lambda _c, _s: Registered())
    try:
        grader = make_grader(corpus, Settings(grader="keyword"))
        assert isinstance(grader, GraderProtocol) and "keyword" in grader_names()
        q = corpus.bank.get("bn-param-count")
        tag = q.key_points[0].id.rsplit(".", 1)[-1]
        g = grader.grade_many([(q, f"{tag} 不知道"), (q, tag)])
        assert [x.score for x in g] == [score(x.key_points, x.flags) for x in g]
        assert g[0].score == 0 and g[1].score > 0
    finally:
        from interviewer.grading import registry as graders

        graders._REGISTRY.pop("keyword", None)


def test_an_unknown_grader_names_the_choices(corpus) -> None:
    with pytest.raises(GraderConfigError, match="unknown grader 'oracle'; choose one of: embedding, llm, hybrid"):
        make_grader(corpus, Settings(grader="oracle"))
