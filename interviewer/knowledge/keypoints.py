"""Derive key points from a reference answer: one per distinct claim.

A reference is cut into sentences, list items and ；/; clauses; fragments too short to stand alone merge
with a neighbour. Enumerations ("优点——运费低、可靠性高和持续性长", "include A, B and C") become one
key point per item: the item is the point's ``focus`` (the words an answer must say) and the statement
keeps the lead-in for context ("管道运输的优缺点：优点：运费低"), so a partial answer earns partial credit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from interviewer.knowledge.models import Bilingual, KeyPoint
from interviewer.language.text import detect_language, split_clauses, split_sentences, strip_list_marker, text_length

MIN_CLAIM = 3  # in text_length units (CJK characters or English words): shorter pieces merge with a neighbour
MAX_POINTS = 8
MAX_ITEM = 12  # longer pieces are claims in their own right, not items of an enumeration

_LEAD = re.compile(r"^(?P<lead>[^：:—]{1,40}?)\s*(?:[：:]|——|—|--)\s*(?P<rest>.+)$")
_LEAD_VERB = re.compile(
    r"^(?P<lead>.{2,40}?(?:包括|包含|分为|分成|有以下几种|有以下|主要有|可分为|"
    r"\binclud(?:e|es|ing)\b|\bconsists? of\b|\bsuch as\b))\s*(?P<rest>.+)$"
)
_ITEM_SEP = re.compile(r"\s*(?:、|，|,|；|;|/|以及|及|和|与|或者|或|\band\b|\bor\b)\s*")


@dataclass(frozen=True)
class Claim:
    body: str
    focus: str = ""
    context: str = ""  # a heading that introduced it ("BN的作用：")

    @property
    def text(self) -> str:
        return f"{self.context}{self.body}"


_LIST_HEAD = re.compile(r"^.*?(?:是由|由|是|为|有|包括|包含|分为)(?=[^、]+、)")
_LIST_TAIL = re.compile(r"(?:组成|构成)$")
_ETC = re.compile(r"等[\u4e00-\u9fff]{0,3}$")


def _enumeration(clause: str) -> list[Claim] | None:
    """Items of an enumeration, each with the lead-in as context; None when the clause is not one."""
    lead, rest = "", clause.strip().rstrip("。.；;")
    for _ in range(3):  # nested lead-ins: "X的优缺点：优点——A、B"
        m = _LEAD.match(rest) or _LEAD_VERB.match(rest)
        if not m:
            break
        lead = f"{lead}：{m.group('lead').strip()}" if lead else m.group("lead").strip()
        rest = m.group("rest").strip()
    if rest.count("、") >= 2:
        # "符号是由A、B、C和D组成": the list sits inside the sentence; cut its frame off.
        head = _LIST_HEAD.match(rest)
        if head:
            lead = f"{lead}：{head.group(0)}" if lead else head.group(0)
            rest = rest[head.end() :]
        rest = _LIST_TAIL.sub("", rest)
    items = [_ETC.sub("", i.strip(" 。.：:")) or i.strip(" 。.：:") for i in _ITEM_SEP.split(rest)]
    items = [i for i in items if i]
    short = max(text_length(i) for i in items) <= (MAX_ITEM if lead else 6) if items else False
    if len(items) < (2 if lead else 3) or not short:
        return None
    sep = "：" if detect_language(clause) == "zh" else ": "
    return [Claim(f"{lead}{sep}{item}" if lead else item, item) for item in items]


def split_claims(reference: str) -> list[Claim]:
    """The distinct claims of ``reference``, each with its focus words when it is an enumerated item."""
    claims: list[Claim] = []
    heading = ""  # a clause ending in a colon introduces the ones after it ("BN的作用：" + list items)
    for sentence in split_sentences(reference):
        for clause in split_clauses(sentence):
            text = strip_list_marker(clause.text).strip(" ;；")
            if not text:
                continue
            if text.endswith(("：", ":")):
                heading = text
                continue
            items = _enumeration(text)
            if items:
                claims.extend(Claim(c.body, c.focus, heading) for c in items)
            else:
                claims.append(Claim(text, "", heading))
    if heading and not claims:
        claims.append(Claim(heading.rstrip("：:")))
    merged: list[Claim] = []
    for c in claims:
        prev = merged[-1] if merged else None
        if prev is not None and not c.focus and not prev.focus and (
            text_length(c.body) < MIN_CLAIM or text_length(prev.body) < MIN_CLAIM
        ):
            merged[-1] = Claim(_glue(prev.body, c.body), "", prev.context)
        else:
            merged.append(c)
    while len(merged) > MAX_POINTS:
        # Fold the shortest neighbouring pair until the count fits; their focus words are kept together.
        i = min(range(len(merged) - 1), key=lambda k: text_length(merged[k].text) + text_length(merged[k + 1].text))
        a, b = merged[i], merged[i + 1]
        focus = " ".join(f for f in (a.focus, b.focus) if f)
        merged[i : i + 2] = [Claim(_glue(a.body, b.focus or b.body), focus, a.context)]
    return merged


def _glue(a: str, b: str) -> str:
    sep = "；" if detect_language(a + b) == "zh" else "; "
    return f"{a.rstrip('。.；;')}{sep}{b}"


def derive_key_points(reference: str, question_id: str, question: str = "") -> list[KeyPoint]:
    """Key points for a reference-only question, in the reference's language."""
    points: list[KeyPoint] = []
    lang = detect_language(reference)
    topic = question.strip().rstrip("?？")
    for i, claim in enumerate(split_claims(reference), start=1):
        about = topic or claim.text
        probe = (
            Bilingual(zh=f"关于“{about}”，还有一点你没有谈到，能再补充一下吗？")
            if lang == "zh"
            else Bilingual(
                en=f"About \"{about}\", there is one more aspect you have not covered. Can you add to your answer?"
            )
        )
        points.append(
            KeyPoint(
                id=f"{question_id}.kp{i}",
                statement=Bilingual(**{lang: claim.text}),
                weight=1.0,
                probe=probe,
                focus=claim.focus,
            )
        )
    return points


__all__ = ["Claim", "derive_key_points", "split_claims"]
