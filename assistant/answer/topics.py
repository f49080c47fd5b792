"""Topics a question names, and whether the decisions found mention them.

A question about a named topic of children's services ("a child protection conference",
"an EHC plan", "secure accommodation") is not answered by decisions that never mention it,
however close their other words: the relevance gate declines it when a topic the question
names stands in none of the decisions found, in any of its wordings. Like the council
check, this asks whether the decisions found are about what the question names, which
keyword overlap cannot tell: a question in the decisions' own words about a topic they do
not cover shares most of its words with them.

`topics.toml` (package data) lists the topics, each with every wording a decision or a user
may give it and where the term of art comes from. It was written from LGSCO's categories,
statute and guidance, without reading any evaluation question. Wordings match word by word
with case, apostrophes and plural endings ignored; abbreviations ("EHCP", "SGO") match
only as written, as whole words. A topic may also be named by a group of wordings that all
stand in the text, in any order (`together`: "time limit", "complaint" and "ombudsman").
A profession someone asking may hold (`asker`: advocate, solicitor, councillor...) names no
topic where the question says the asker is one ("I'm an advocate for a parent..."). A
decision may also mention a topic by a wording too broad to name it in a question
(`in_decisions`: "residential care" for a care home).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TOPICS_FILE = Path(__file__).with_name("topics.toml")


@dataclass(frozen=True)
class Topic:
    name: str  # how the user is told of it
    variants: tuple[str, ...]  # normalised word sequences, each joined by single spaces
    abbreviations: tuple[str, ...]
    source: str
    # Groups of normalised wordings that name the topic together, in any order: "a time
    # limit for taking my complaint to the ombudsman" never says "time limit for
    # complaining to the ombudsman", but holds "time limit", "complaint" and "ombudsman".
    together: tuple[tuple[str, ...], ...] = ()
    # A profession someone asking may hold: "I'm an advocate for a parent" says who asks,
    # not what about, so a wording right after such a self-description names no topic.
    asker: bool = False
    # Normalised wordings by which a decision mentions the topic but which, in a question,
    # are too broad to name it: a care home is "residential care" in an adult care decision.
    in_decisions: tuple[str, ...] = ()

    def mentioned_in(self, normalised: str, original: str) -> bool:
        """Whether a text (given normalised by `_normalise`, and as written) mentions it."""
        return (
            any(f" {v} " in normalised for v in (*self.variants, *self.in_decisions))
            or any(re.search(rf"\b{re.escape(a)}\b", original) for a in self.abbreviations)
            or self.named_together(normalised)
        )

    def named_together(self, normalised: str) -> bool:
        """Whether every wording of one of its groups stands in the normalised text."""
        return any(all(f" {w} " in normalised for w in group) for group in self.together)


_WORD = re.compile(r"[a-z0-9]+")
# How a question says who asks, as normalised words ("I'm" is "im"), each followed by the
# profession: "I'm an advocate", "I am her solicitor", "I work as a councillor". "As her
# advocate, ..." counts only where the question opens with it: later, "as a" may say what
# the council did ("it acted as an advocate").
_SELF = re.compile(r"(?: (?:im|i am|i work as)|^ as) (?:a|an|the|her|his|their)$")


def _says_who_asks(before: str) -> bool:
    """Whether the normalised text before a wording ends saying who asks ("... I'm an")."""
    return bool(_SELF.search(before.rstrip()))


def words(text: str) -> list[str]:
    """Lower-cased words, apostrophes dropped, plurals made singular ("parties" ->
    "party", "plans" -> "plan"); other endings are kept, so "looked after" stays apart
    from "look after"."""
    text = text.lower().replace("’", "").replace("'", "").replace("‘", "")
    return [_singular(w) for w in _WORD.findall(text)]


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _normalise(text: str) -> str:
    return f" {' '.join(words(text))} "


def mentions(text: str, topic: Topic) -> bool:
    """Whether `text` mentions `topic` in any of its wordings."""
    return topic.mentioned_in(_normalise(text), text)


@cache
def default_topics() -> tuple[Topic, ...]:
    return load_topics(TOPICS_FILE)


def load_topics(path: Path) -> tuple[Topic, ...]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    topics = []
    for entry in data.get("topic", []):
        together = tuple(
            tuple(" ".join(words(w)) for w in group) for group in entry.get("together", [])
        )
        topics.append(
            Topic(
                name=entry["name"],
                variants=_wordings(entry.get("variants", [])),
                abbreviations=tuple(entry.get("abbreviations", [])),
                source=entry.get("source", ""),
                together=together,
                asker=bool(entry.get("asker", False)),
                in_decisions=_wordings(entry.get("in_decisions", [])),
            )
        )
    return tuple(topics)


def _wordings(written: Iterable[str]) -> tuple[str, ...]:
    """Wordings as `Topic` holds them: normalised, each once, none empty."""
    return tuple(dict.fromkeys(n for w in written if (n := " ".join(words(w)))))


def topics_named(text: str, topics: Iterable[Topic] | None = None) -> tuple[Topic, ...]:
    """The topics a text names. A wording inside a longer wording of another topic does
    not count: "child protection conference" names the conference, not child protection."""
    normalised = _normalise(text)
    spans: list[tuple[int, int, Topic]] = []  # where each wording stands in `normalised`
    asker_spans: list[tuple[int, int, Topic]] = []  # wordings saying who asks
    named: dict[str, Topic] = {}
    for topic in default_topics() if topics is None else topics:
        for variant in topic.variants:
            start = normalised.find(f" {variant} ")
            while start >= 0:
                span = (start, start + len(variant) + 1, topic)
                if topic.asker and _says_who_asks(normalised[:start]):
                    asker_spans.append(span)
                else:
                    spans.append(span)
                start = normalised.find(f" {variant} ", start + 1)
        if any(
            not (topic.asker and _says_who_asks(_normalise(text[: m.start()])))
            for a in topic.abbreviations
            for m in re.finditer(rf"\b{re.escape(a)}\b", text)
        ):
            named[topic.name] = topic
        if topic.named_together(normalised):
            named[topic.name] = topic
    # A shorter wording inside the asker's own ("advocate" in "I'm an independent advocate")
    # says who asks too.
    spans = [
        (start, end, topic)
        for start, end, topic in spans
        if not any(o is topic and s <= start and end <= e for s, e, o in asker_spans)
    ]
    for start, end, topic in spans:
        inside_longer = any(
            other is not topic
            and o_start <= start
            and end <= o_end
            and o_end - o_start > end - start
            for o_start, o_end, other in spans
        )
        if not inside_longer:
            named.setdefault(topic.name, topic)
    return tuple(named.values())


def unmentioned_topics(
    question: str, decision_texts: dict[str, str], topics: Iterable[Topic] | None = None
) -> tuple[Topic, ...]:
    """The topics the question names that none of the decisions found mentions (empty
    when it names none). `decision_texts` maps each decision found to its text."""
    named = topics_named(question, topics)
    if not named:
        return ()
    texts = [(_normalise(text), text) for text in decision_texts.values()]
    return tuple(
        topic
        for topic in named
        if not any(topic.mentioned_in(normalised, original) for normalised, original in texts)
    )


def quoted_names(topics: Iterable[Topic]) -> str:
    """The topics' names as a user is told them: “care order” or “placement order”."""
    return " or ".join(f"“{topic.name}”" for topic in topics)
