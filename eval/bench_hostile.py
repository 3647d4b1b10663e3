"""Hostile-input benchmark: `python -m eval.bench_hostile [--chars 4000] [--repeat 3] [--json]`.

Grades, through the service the server builds (``build_services``, the embedding grader, POST /v1/grade's
``Assessor.grade_one``), ordinary answers in English and Chinese made of varied sentences of the corpus notes
(``corpus/sources/*.md``) at 1,000, 2,000 and 4,000 characters, and inputs made to cost more than their length:
combining-mark runs and Zalgo text, unbroken CJK, one repeated character, a repeated word without punctuation,
English without spaces or punctuation, zero-width characters between all letters, and at the longest length a
reference of twice the answer's length (8,000 characters against a 4,000-character answer) and a reference of 50
points of 160 characters. Each case is timed ``--repeat`` times with fresh text, the answer cache emptied
between runs, and the median kept.

Printed per case: its characters (answer and reference), seconds, seconds per 1,000 characters, and the ratio
of that cost per character to the ordinary answer's of the same language and length (the target: at most 2), and
beside it how many times the ordinary answer's whole time it took. The machine's load average is printed too:
figures taken while other work runs are slower, for every case alike. References sent here end up in the data
dir's embedding cache, as a server's would.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from interviewer.language.text import detect_language, split_sentences

if TYPE_CHECKING:
    from interviewer.service import Services

SOURCES = Path(__file__).resolve().parent.parent / "corpus" / "sources"
LENGTHS = (1000, 2000, 4000)
TARGET = 2.0
QUESTION_ID = "bn-train-test"
# Combining marks (U+0300-U+036F) and zero-width characters.
_MARKS = [chr(c) for c in range(0x300, 0x370)]
_ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
_SYMBOLS = "!@#$%^&*()_+-=[]{};:'\",<>/?\\|`~"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


@dataclass(frozen=True)
class Case:
    name: str
    lang: str  # the ordinary answer it is compared with
    answer: str
    reference: str | list[str] | None = None
    ordinary: bool = False

    @property
    def chars(self) -> int:
        refs = [self.reference] if isinstance(self.reference, str) else self.reference or []
        return len(self.answer) + sum(map(len, refs))


@dataclass
class Timed:
    case: str
    lang: str
    length: int  # the answer length of its group
    chars: int
    seconds: float
    runs: list[float] = field(default_factory=list)
    ratio: float = 1.0  # cost per character against the ordinary answer's of the same language
    ratio_costliest: float = 1.0  # ... against the costlier of the two ordinary answers (Chinese, in practice)
    times: float = 1.0  # whole time against the ordinary answer's of the same language

    @property
    def per_1k(self) -> float:
        return self.seconds / (self.chars / 1000)


def corpus_sentences(sources: Path = SOURCES) -> dict[str, list[str]]:
    """Distinct prose sentences of the notes, by language (no headings, tables, quotes or formulas)."""
    out: dict[str, list[str]] = {"zh": [], "en": []}
    for path in sorted(sources.glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith(("#", ">", "|", "```")):
                continue
            for s in split_sentences(line):
                text = s.text.strip()
                if 15 <= len(text) <= 240 and "$" not in text and "`" not in text:
                    lang = detect_language(text)
                    if lang == "zh" or not _CJK.search(text):
                        out[lang].append(text)
    return {lang: list(dict.fromkeys(texts)) for lang, texts in out.items()}


def ordinary(sentences: Sequence[str], chars: int, rng: random.Random, lang: str) -> str:
    """Random sentences (each used once while any is left) joined as an answer, cut to ``chars``."""
    pool: list[str] = []
    out, size = [], 0
    joiner = "" if lang == "zh" else " "
    while size < chars:
        if not pool:
            pool = list(sentences)
            rng.shuffle(pool)
        s = pool.pop()
        out.append(s)
        size += len(s) + len(joiner)
    return joiner.join(out)[:chars].rstrip()


def _fill(unit: Callable[[], str], chars: int) -> str:
    parts, size = [], 0
    while size < chars:
        piece = unit()
        parts.append(piece)
        size += len(piece)
    return "".join(parts)[:chars]


def cases(sentences: dict[str, list[str]], length: int, rng: random.Random, references: bool) -> list[Case]:
    """The cases of one answer length; ``references`` adds the two long-reference ones."""
    en = ordinary(sentences["en"], length, rng, "en")
    zh = ordinary(sentences["zh"], length, rng, "zh")
    letters = [c for c in ordinary(sentences["en"], 4 * length, rng, "en") if c.isalpha()]
    out = [
        Case("ordinary", "en", en, ordinary=True),
        Case("ordinary", "zh", zh, ordinary=True),
        Case("combining run (a + marks)", "en", "a" + "".join(rng.choice(_MARKS) for _ in range(length - 1))),
        Case("zalgo (3 marks per letter)", "en", _fill(lambda: letters.pop() + "".join(rng.sample(_MARKS, 3)), length)),
        Case("unbroken CJK", "zh", "".join(_CJK.findall(ordinary(sentences["zh"], 3 * length, rng, "zh")))[:length]),
        Case("one repeated character", "en", rng.choice("abcxyz") * length),
        Case("repeated word, no punctuation", "en", _fill(lambda: "gradient ", length)),
        Case("English, no spaces or punctuation", "en", "".join(letters)[:length]),
        Case("zero-width between letters", "en", _fill(lambda: letters.pop() + rng.choice(_ZERO_WIDTH), length)),
        Case("random ASCII symbols", "en", "".join(rng.choice(_SYMBOLS) for _ in range(length))),
    ]
    if references:
        answer = ordinary(sentences["zh"], length, rng, "zh")
        reference = ordinary(sentences["zh"], 2 * length, rng, "zh")
        out.append(Case(f"reference of {2 * length} chars", "zh", answer, reference))
        n = min(50, max(2, 2 * length // 160))
        points = [ordinary(sentences["zh"], 160, rng, "zh") for _ in range(n)]
        out.append(Case(f"reference of {n} points x 160", "zh", ordinary(sentences["zh"], length, rng, "zh"), points))
    return out


def _services() -> Services:
    """The server's services (embedding grader) over the configured data dir, with a throwaway database."""
    from interviewer import get_settings
    from interviewer.service.container import build_services

    db = Path(tempfile.mkdtemp(prefix="bench-hostile-")) / "bench.db"
    settings = get_settings().model_copy(update={"grader": "embedding", "database_url": f"sqlite:///{db}"})
    return build_services(settings)


def run(
    chars: int = 4000, repeat: int = 3, seed: int = 0, services: Services | None = None, sources: Path = SOURCES
) -> list[Timed]:
    """Time every case ``repeat`` times at each length up to ``chars``; ``services`` defaults to the server's."""
    from interviewer.embeddings.memory import MemoryCachedEmbedder

    own = services is None
    services = services or _services()
    try:
        assessor, grader = services.assessor, services.grader
        sentences = corpus_sentences(sources)
        lengths = [n for n in LENGTHS if n <= chars] or [chars]
        # A running server has met its questions: their vectors are in memory, as after one grade.
        assessor.grade_one("warm up: BN uses batch statistics.", question_id=QUESTION_ID)
        rng = random.Random(seed)
        out: list[Timed] = []
        for length in lengths:
            runs: dict[tuple[str, str], list[float]] = {}
            sizes: dict[tuple[str, str], int] = {}
            for _ in range(repeat):
                for case in cases(sentences, length, rng, references=length == lengths[-1]):
                    cache = getattr(grader, "embedder", None)
                    if isinstance(cache, MemoryCachedEmbedder):
                        cache.clear()
                    t = time.perf_counter()
                    if case.reference is None:
                        assessor.grade_one(case.answer, question_id=QUESTION_ID)
                    else:
                        assessor.grade_one(case.answer, reference=case.reference)
                    runs.setdefault((case.name, case.lang), []).append(time.perf_counter() - t)
                    sizes[(case.name, case.lang)] = case.chars
            group = [Timed(n, lang, length, sizes[(n, lang)], statistics.median(t), t) for (n, lang), t in runs.items()]
            base = {r.lang: r for r in group if r.case == "ordinary"}
            costliest = max(base.values(), key=lambda r: r.per_1k)
            for r in group:
                r.times = r.seconds / base[r.lang].seconds
                r.ratio = r.per_1k / base[r.lang].per_1k
                r.ratio_costliest = r.per_1k / costliest.per_1k
            out += group
        return out
    finally:
        if own:
            services.close()


def worst(results: Sequence[Timed], key: str = "ratio") -> Timed:
    return max((r for r in results if r.case != "ordinary"), key=lambda r: float(getattr(r, key)))


def print_table(results: Sequence[Timed], load: tuple[float, float]) -> None:
    t = Table(
        title=f"Grading hostile inputs (POST /v1/grade's path, embedding grader; load average {load[0]:.1f} before, "
        f"{load[1]:.1f} after, {os.cpu_count()} CPUs)"
    )
    cols = ("case", "lang", "chars", "seconds", "s / 1k chars", "ratio", "ratio vs zh", "× ordinary time")
    for col in cols:
        t.add_column(col, justify="left" if col == "case" else "right", no_wrap=True)
    for r in results:
        t.add_row(
            r.case, r.lang, f"{r.chars:,}", f"{r.seconds:.2f}", f"{r.per_1k:.3f}", f"{r.ratio:.2f}",
            f"{r.ratio_costliest:.2f}", f"{r.times:.2f}",
        )
    Console(width=140).print(t)
    print(
        "ratio: seconds per 1,000 characters (answer and reference) against the ordinary answer's of the same "
        "language and length;\nratio vs zh: against the costlier ordinary answer (Chinese) of that length; "
        "× ordinary time: whole seconds against the same-language ordinary answer's."
    )
    for key, what in (("ratio", "the same language"), ("ratio_costliest", "the costliest ordinary answer")):
        w = worst(results, key)
        value = float(getattr(w, key))
        verdict = "met" if value <= TARGET else "NOT met"
        where = f"{w.case}, {w.lang}, {w.chars:,} chars"
        print(f"worst ratio against {what}: {value:.2f} ({where}); target {TARGET:g}: {verdict}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chars", type=int, default=4000, help="longest answer (lengths 1000, 2000, 4000 up to it)")
    p.add_argument("--repeat", type=int, default=3, help="runs per case, fresh text each time (the median counts)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    a = p.parse_args()
    before = os.getloadavg()[0]
    results = run(a.chars, a.repeat, a.seed)
    after = os.getloadavg()[0]
    if a.json:
        rows = [{**r.__dict__, "per_1k": r.per_1k} for r in results]
        worst_of = {key: worst(results, key).__dict__ for key in ("ratio", "ratio_costliest")}
        print(json.dumps({"load": [before, after], "results": rows, "worst": worst_of, "target": TARGET}, indent=2))
    else:
        print_table(results, (before, after))


if __name__ == "__main__":
    main()
