"""Text-only detectors for answers that try to score without knowing: each returns the spans it found.

The similarity-based flags (question echo, off topic, another question's answer) live in the grader,
which has the vectors.
"""

from __future__ import annotations

import re

from interviewer.language.text import Span, cjk_ratio, split_sentences, text_length

FLAG_NAMES = (
    "too_short",
    "dont_know",
    "instruction_like",
    "keyword_list",
    "question_echo",
    "off_topic",
    "other_question",
)

# What each flag does to the score: interviewer.grading.scoring.PENALTIES.


_INSTRUCTION = re.compile(
    r"ignore (?:all |any |the )?(?:previous|prior|above|earlier|preceding|your) "
    r"(?:instructions?|prompts?|rules?|directions?)"
    r"|disregard (?:all |the |your )?(?:previous |prior |above )?(?:instructions?|rules?|rubric)"
    r"|(?:give|award|assign|grade|score|mark|rate)\b[^.。!！?？\n]{0,40}?"
    r"(?:full (?:marks?|score|points|credit)|10\s*/\s*10|100\s*/\s*100|perfect score|maximum (?:score|marks?)"
    r"|highest (?:score|grade))"
    r"|(?:full (?:marks?|score|credit)|10\s*/\s*10|100\s*/\s*100)\s*(?:please|for (?:this|me|my))"
    # Not "as a language model": answers about LLMs say that.
    r"|\b(?:you are|you're) (?:a |an |the )?(?:grader|evaluator|examiner|assistant|ai|language model|llm)\b"
    r"|\b(?:system prompt|new instructions?|developer mode|jailbreak)\b"
    r"|\b(?:you are|you're) (?:a |an |the )?(?:\w+ ){0,2}(?:grader|evaluator|examiner|marker)\b"
    r"|\b(?:note|message|instructions?) (?:to|for) (?:the )?(?:ai |llm )?(?:grader|evaluator|examiner|marker)\b"
    r"|(?:^|\n)\s*(?:system|developer|assistant)\s*:|\b(?:grader|evaluator|examiner)\s*:"
    r"|\b(?:mark|grade|judge|count|treat)\b[^.。!！?？\n]{0,60}?\bas (?:correct|explained|covered|complete)\b"
    r"|\b(?:answer|reply|respond|say|output)(?: with)? [\"']?yes\b[\"']?(?: for| to| on)? (?:every|all|each)\b"
    r"|\b(?:reply|respond|answer) [\"']?yes[\"']?\s*(?:[.!]|$)"
    r"|\bdisregard (?:the )?(?:rubric|grading|scoring)"
    # German, French, Spanish: the same requests in the languages answers arrive in besides zh and en.
    r"|\bignorier\w*\s+(?:alle\s+)?(?:\w+\s+)?(?:Anweisungen|Regeln|Instruktionen|Bewertungs\w*)"
    r"|\bvolle\w* Punkt\w*|\bHöchstpunktzahl|\bneue Anweisungen"
    r"|\b(?:Hinweis|Nachricht) an (?:den |die )?(?:KI-?)?(?:Bewerter|Prüfer|Korrektor)"
    r"|\bdu bist (?:ein\w* )?(?:\w+ )?(?:Bewerter|Prüfer|Korrektor)|\b(?:Bewerter|Prüfer)\s*:"
    r"|\bmarkiere\b[^.\n]{0,60}?\bals (?:richtig|erklärt|abgedeckt|vollständig)"
    r"|\bbewerte (?:sie|es|die Antwort) als (?:vollständig|richtig)|\bantworte mit (?:ja|yes)\b"
    r"|\bignor(?:e|ez|er)\s+(?:toutes\s+)?(?:les\s+)?(?:instructions|consignes|règles)|\bnote maximale"
    r"|\b(?:tu es|vous êtes) (?:un |le )?(?:\w+ )?(?:correcteur|évaluateur|examinateur)"
    r"|\bignora(?:r)?\s+(?:todas\s+)?(?:las\s+)?(?:instrucciones|reglas)|\b(?:puntuación|nota) máxima"
    r"|\beres un (?:\w+ )?(?:evaluador|corrector|examinador)"
    r"|忽略(?:之前|以上|上面|前面|先前|所有|你的)?的?(?:所有)?(?:指令|指示|说明|要求|规则|提示|评分标准)"
    r"|(?:给|打|判|评)(?:我|这个?回答|本回答|该回答|此回答)?(?:满分|最高分|100分|10分)"
    r"|满分|(?:你是|你现在是|作为)(?:一[个名位])?(?:\w{0,4}的)?(?:评分|阅卷|打分|AI|人工智能|助手|考官)"
    r"|(?:标记|判|判定|视|算)(?:为|成)(?:已覆盖|全部覆盖|已解释|全部正确|正确)|都回答\s*(?:yes|是)|必须(?:输出|回答)"
    r"|系统提示|新的指令|评分系统|打分系统|阅卷老师",
    re.IGNORECASE,
)

_DONT_KNOW = re.compile(
    r"\b(?:i\s*(?:do\s*n[o']t|dont|don't)\s*(?:really\s*)?know|no idea|not sure|i have no clue|i can't remember|"
    r"i cannot remember|i forgot|i'm not familiar|i am not familiar|never heard of)\b"
    r"|^\s*(?:skip|pass|next|next question|idk|n/?a)\W*$"
    r"|不知道|不清楚|不太清楚|不了解|不太了解|我不会|不记得|记不清|忘了|忘记了|没学过|没听说过|^\s*(?:跳过|下一题|略)\W*$",
    re.IGNORECASE,
)

_FRAGMENT_SPLIT = re.compile(r"[,，、;；/|\n]+|\s{2,}")
_CLAUSE_MARK = re.compile(
    r"[是为在有能会可将使让把被由因所则就]|因为|所以|可以|通过|用于|使得|导致|\b(?:is|are|was|were|be|has|have|can|will|"
    r"makes?|uses?|reduces?|increases?|prevents?|allows?|means|causes?|helps?|learns?|becomes?|gives?|keeps?|"
    r"because|so|since|which|that|by|to|the|you|we|it|then|of|with)\b",
    re.IGNORECASE,
)


def instruction_spans(answer: str) -> list[Span]:
    """Sentences that address the grader rather than answer the question."""
    return [s for s in split_sentences(answer) if _INSTRUCTION.search(s.text)]


def is_too_short(answer: str, expected: float = 8.0) -> bool:
    """Under 4 words/characters of content, and under half of what a key point takes to say (``expected``)."""
    n = text_length(answer)
    return n < 4 and n < expected / 2


def dont_know(answer: str, remaining_length: int) -> bool:
    """The answer admits not knowing and says little else (``remaining_length`` = content outside that admission)."""
    return bool(_DONT_KNOW.search(answer)) and remaining_length < 12


def dont_know_spans(answer: str) -> list[Span]:
    return [s for s in split_sentences(answer) if _DONT_KNOW.search(s.text)]


def is_keyword_list(answer: str) -> bool:
    """Terms strung together without claims: several short fragments and hardly any clause."""
    pieces = _FRAGMENT_SPLIT.split(answer)
    if cjk_ratio(answer) > 0.3:
        # Chinese has no spaces inside claims: a space separates listed terms.
        pieces = [x for piece in pieces for x in piece.split()]
    fragments = [f.strip(" .。:：-*•()（）") for f in pieces]
    fragments = [f for f in fragments if f]
    if len(fragments) < 4:
        return False
    lengths = sorted(text_length(f) for f in fragments)
    median = lengths[len(lengths) // 2]
    claims = sum(1 for f in fragments if text_length(f) >= 8 or (text_length(f) >= 5 and _CLAUSE_MARK.search(f)))
    # A real sentence anywhere ("A 1×1 conv is basically a fully connected layer ...") means claims are made.
    sentences = sum(1 for s in split_sentences(answer) if text_length(s.text) >= 6 and _makes_claims(s.text))
    return median <= 4 and claims <= min(1, len(fragments) // 4) and sentences == 0


_EN_FUNCTION = re.compile(r"\b(?:the|a|an|is|are|of|to|and|in|it|that)\b", re.IGNORECASE)


def _makes_claims(sentence: str) -> bool:
    """A sentence with a verb or connective; in a language whose grammar the markers don't know, any long one."""
    if _CLAUSE_MARK.search(sentence):
        return True
    # The markers cover Chinese and English. A Latin-script sentence without a single English function word is
    # in another language: there a run of six words without a comma is taken to say something, where a list
    # of terms has a comma every word or two.
    if cjk_ratio(sentence) >= 0.3 or _EN_FUNCTION.search(sentence):
        return False
    return any(text_length(piece) >= 6 for piece in _FRAGMENT_SPLIT.split(sentence))
