"""The core records of the question bank and the source corpus.

These are plain pydantic models with no behaviour beyond validation, so the
grader, the index and the API can all share them without importing each other.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from interviewer.language.text import Language as Language  # the bank's own type, re-exported for its readers

LANGUAGES: tuple[Language, ...] = ("zh", "en")


class Bilingual(BaseModel):
    """A text in Chinese and English. Imported (user) material may carry only one."""

    model_config = ConfigDict(extra="forbid")

    zh: str = ""
    en: str = ""

    @field_validator("zh", "en", mode="before")
    @classmethod
    def _strip(cls, v: object) -> object:
        return v.strip() if isinstance(v, str) else ("" if v is None else v)

    def get(self, lang: Language) -> str:
        """The text in ``lang``, falling back to the other language when missing."""
        primary = self.zh if lang == "zh" else self.en
        return primary or self.en or self.zh

    def all(self) -> list[str]:
        return [t for t in (self.zh, self.en) if t]

    def missing(self) -> list[Language]:
        return [lang for lang in LANGUAGES if not getattr(self, lang)]


class KeyPoint(BaseModel):
    """One claim a good answer must make, with the words that express it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    statement: Bilingual
    weight: float = 1.0
    # Each inner list is one required concept with its aliases in both languages,
    # e.g. ["均值", "mean", "期望"]; a point is lexically supported when every
    # concept is expressed by at least one alias.
    terms: list[list[str]] = Field(default_factory=list)
    probe: Bilingual = Field(default_factory=Bilingual)
    # For key points derived automatically from a reference answer: the words that carry the point
    # (an enumerated item such as "运费低"), matched by token recall since they have no curated aliases.
    focus: str = ""


class SourceRef(BaseModel):
    """Where a question's answer lives: a file under the corpus sources and a 1-based inclusive line range."""

    model_config = ConfigDict(extra="forbid")

    file: str
    lines: tuple[int, int]


class Correction(BaseModel):
    """A place where the bank departs from the (scraped, sometimes wrong) source."""

    model_config = ConfigDict(extra="forbid")

    source_text: str = Field(min_length=1)
    corrected: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    lines: tuple[int, int] | None = None


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    difficulty: int = 2
    question: Bilingual
    reference: Bilingual
    key_points: list[KeyPoint]
    source: SourceRef | None = None
    corrections: list[Correction] = Field(default_factory=list)

    def key_point(self, kp_id: str) -> KeyPoint:
        for kp in self.key_points:
            if kp.id == kp_id:
                return kp
        raise KeyError(kp_id)


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    title: Bilingual
    # The 【N】 section of the seed article this topic comes from, if any.
    section: int | None = None
    # Topics are chosen by group as well as by id: "seed" for the article's, "modern" for the project's own
    # notes on what interviews ask today; an imported bank may name its own.
    group: str = Field(default="other", min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")


class TopicFile(BaseModel):
    """The on-disk shape of one ``corpus/bank/*.yaml`` file."""

    model_config = ConfigDict(extra="forbid")

    topic: Topic
    questions: list[Question]


class Chunk(BaseModel):
    """A passage of a source document, for retrieval and citation."""

    id: str
    text: str
    file: str
    start_line: int
    end_line: int
    section: str = ""
    title: str = ""

    @property
    def location(self) -> str:
        return f"{self.file}:{self.start_line}-{self.end_line}"
