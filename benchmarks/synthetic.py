"""A synthetic LGSCO corpus at any size, deterministic by seed: for speed and memory only.

    PYTHONPATH=. .venv/bin/python benchmarks/synthetic.py --paragraphs 100000 --out DIR

Writes JSON Lines bulk files in the project's own input shape (the older summary records
`assistant ingest` reads: metadata fields plus the page flattened to one block per line),
so the real parser and ingest run on them. Each decision has the real structure: summary,
"The complaint", the boilerplate "The Ombudsman's role and powers" and "How I considered
this complaint" paragraphs every decision shares, findings with bulleted lists, an
"Agreed action" list with payments (amount, purpose, monthly rates), apologies and
deadlines for upheld complaints, and a final decision; categories and subcategories,
councils, outcomes and dates across 2013-2026; about one decision in a hundred is joint
(the same text under a second reference). Texts are drawn from templates and a domain
vocabulary with a skewed word distribution, so keyword postings look like the real ones.

The words are not the Ombudsman's: never judge answer quality on this corpus.

`synthetic_vectors` draws unit vectors shaped like the real encoder's (cluster centres by
topic plus noise, 384-d) for latency and memory runs where embedding 1M paragraphs would
take hours; the benchmarks say so when they use them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DIMENSION = 384
TOPICS = 256

CATEGORIES: dict[str, tuple[str, ...]] = {
    "Children's care services": (
        "Child protection",
        "Fostering",
        "Friends and family carers",
        "Disabled children",
        "Looked after children",
        "Other",
    ),
    "Adult care services": (
        "Assessment and care plan",
        "Charging",
        "Residential care",
        "Safeguarding",
        "Direct payments",
    ),
    "Education": (
        "Special educational needs",
        "School transport",
        "Alternative provision",
        "School admissions",
    ),
    "Housing": ("Homelessness", "Allocations", "Council house repairs", "Disabled facilities"),
    "Benefits and tax": ("Council tax", "Housing benefit and council tax reduction"),
    "Planning and development": ("Planning applications", "Enforcement"),
    "Environment and regulation": ("Refuse and recycling", "Noise", "Antisocial behaviour"),
    "Highways and transport": ("Parking and other penalties", "Highway repair"),
    "Corporate and other services": ("Complaint handling", "Council tax reduction"),
}
# Weighted: children's and adult care and education are most of the Ombudsman's decisions.
CATEGORY_WEIGHTS = (30, 20, 18, 12, 5, 5, 4, 3, 3)

OUTCOMES = (
    ("Upheld", 50),
    ("Not upheld", 20),
    ("Closed after initial enquiries", 25),
    ("Upheld: maladministration and injustice", 3),
    ("Not upheld: no maladministration", 2),
)

PLACES = (
    "Hackney Redbridge Camden Islington Lambeth Southwark Lewisham Croydon Barnet Brent "
    "Ealing Enfield Haringey Harrow Havering Hillingdon Hounslow Newham Sutton Merton "
    "Wandsworth Bromley Bexley Greenwich Kingston Richmond Westminster Tower-Hamlets "
    "Birmingham Manchester Liverpool Leeds Sheffield Bradford Bristol Coventry Leicester "
    "Nottingham Derby Plymouth Portsmouth Southampton Reading Luton Swindon Milton-Keynes "
    "Peterborough York Hull Sunderland Gateshead Newcastle Wirral Sefton Knowsley St-Helens "
    "Wigan Bolton Bury Oldham Rochdale Salford Stockport Tameside Trafford Kirklees Calderdale "
    "Wakefield Barnsley Rotherham Doncaster Dudley Sandwell Solihull Walsall Wolverhampton "
    "Kent Essex Surrey Hampshire Devon Cornwall Norfolk Suffolk Lancashire Cumbria Cheshire "
    "Somerset Dorset Wiltshire Gloucestershire Oxfordshire Buckinghamshire Hertfordshire "
    "Cambridgeshire Lincolnshire Leicestershire Nottinghamshire Derbyshire Staffordshire "
    "Shropshire Warwickshire Worcestershire Herefordshire Northumberland Durham Medway Thurrock "
    "Southend Slough Windsor Bracknell Wokingham Halton Warrington Blackpool Blackburn Torbay"
).split()
COUNCIL_FORMS = ("London Borough of {}", "{} City Council", "{} Council", "{} County Council")

PEOPLE = ("Mr X", "Mrs X", "Ms X", "Miss X", "Mr Y", "Mrs Y", "Ms Y", "Mr and Mrs X")
CHILDREN = ("Child 1", "Child 2", "her son", "his daughter", "the young person", "Y", "Z")
# Words with a skewed (Zipf-like) frequency: a few everywhere, most rare, as in real text.
VOCABULARY = (
    "assessment plan review meeting social worker manager team visit report records evidence "
    "letter email telephone call response delay stage investigation panel independent officer "
    "safeguarding referral strategy conference placement carer foster kinship support package "
    "payment allowance funding budget education health care needs EHC provision transport "
    "school tribunal appeal decision policy procedure guidance statutory regulations duty "
    "timescale deadline weeks months apology distress uncertainty frustration time trouble "
    "contact arrangements family court order section assessment adviser advocate interpreter "
    "complaint handling communication information disclosure data records chronology notes "
    "homelessness accommodation housing repair damp mould tenancy rent arrears benefit tax "
    "reduction charging invoice debt financial assessment direct payments personal budget "
    "residential home nursing respite day centre occupational therapist adaptation equipment "
    "disabled facilities grant planning application enforcement neighbour noise parking penalty"
).split()
OPENERS = ("The Council", "We", "In this case", "However", "I", "Our", "This", "If")
MONTHS = (
    "January February March April May June July August September October November December"
).split()

BOILERPLATE_ROLE = (
    "We investigate complaints about 'maladministration' and 'service failure'. In this "
    "statement, I have used the word fault to refer to these. We must also consider whether "
    "any fault has had an adverse impact on the person making the complaint. I refer to this "
    "as 'injustice'. If there has been fault which has caused an injustice, we may suggest a "
    "remedy. (Local Government Act 1974, sections 26(1) and 26A(1), as amended)",
    "If we are satisfied with a council's actions or proposed actions, we can complete our "
    "investigation and issue a decision statement. (Local Government Act 1974, section 30(1B) "
    "and 34H(i), as amended)",
    "We cannot question whether a council's decision is right or wrong simply because the "
    "complainant disagrees with it. We must consider whether there was fault in the way the "
    "decision was reached. (Local Government Act 1974, section 34(3), as amended)",
)
BOILERPLATE_CONSIDERED = (
    "I considered the information provided by the complainant and the Council's response to "
    "my enquiries.",
    "I sent the complainant and the Council a copy of my draft decision and considered any "
    "comments received before making a final decision.",
)


@dataclass(frozen=True)
class SyntheticDecision:
    """One generated decision: its record (the input shape) and what the parser must find."""

    record: dict[str, object]
    paragraphs: int
    topic: int


def ref_for(number: int, year: int) -> str:
    return f"{year % 100:02d} {number // 1000 % 1000:03d} {number % 1000:03d}"


class Generator:
    """Decisions numbered 0, 1, 2, ...; decision n is the same for a given seed whatever
    the size asked for, so a 10k corpus is the first part of a 100k one."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.weights = self._zipf_weights(len(VOCABULARY))
        self.councils = [
            COUNCIL_FORMS[i % len(COUNCIL_FORMS)].format(place.replace("-", " "))
            for i, place in enumerate(PLACES)
        ]

    @staticmethod
    def _zipf_weights(n: int) -> list[float]:
        return [1.0 / (rank + 1) ** 1.1 for rank in range(n)]

    def decisions(self) -> Iterator[SyntheticDecision]:
        number = 0
        while True:
            decision = self.decision(number)
            yield decision
            number += 1
            rng = random.Random(f"{self.seed}:joint:{number}")
            if rng.random() < 0.01:
                # A joint decision: the same text under the next reference.
                yield self.joint_copy(decision, number)
                number += 1

    def joint_copy(self, decision: SyntheticDecision, number: int) -> SyntheticDecision:
        record = dict(decision.record)
        year = int(str(record["date"])[:4])
        ref = ref_for(number, year)
        record["case_id"] = ref
        record["_id"] = f"UK/LGO/{ref.replace(' ', '-')}"
        record["url"] = str(record["url"]).rsplit("/", 1)[0] + "/" + ref.replace(" ", "-")
        return SyntheticDecision(record, decision.paragraphs, decision.topic)

    def decision(self, number: int) -> SyntheticDecision:
        rng = random.Random(f"{self.seed}:{number}")
        category = rng.choices(list(CATEGORIES), weights=CATEGORY_WEIGHTS)[0]
        subcategory = rng.choice(CATEGORIES[category])
        outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
        date = dt.date(2013, 4, 1) + dt.timedelta(days=rng.randrange(0, 365 * 13))
        ref = ref_for(number, date.year)
        council = rng.choice(self.councils)
        person = rng.choice(PEOPLE)
        child = rng.choice(CHILDREN)
        topic = rng.randrange(TOPICS)
        topic_words = rng.sample(VOCABULARY, 6)
        upheld = outcome.startswith("Upheld")
        early = outcome.startswith("Closed")

        lines: list[str] = []
        count = 0

        def paragraph(text: str) -> None:
            nonlocal count
            lines.append(text)
            count += 1

        def sentence() -> str:
            words = rng.choices(VOCABULARY, weights=self.weights, k=rng.randint(6, 14))
            words[rng.randrange(len(words))] = rng.choice(topic_words)
            month = rng.choice(MONTHS)
            year = rng.randint(date.year - 3, date.year)
            return f"in {month} {year} the {' '.join(words)}"

        def prose(sentences: int) -> str:
            opener = rng.choice(OPENERS)
            body = ". ".join(
                (f"{opener} {sentence()}" if i == 0 else sentence().capitalize())
                for i in range(sentences)
            )
            return f"{body}."

        summary = (
            f"{person} complained about the Council's {' and '.join(topic_words[:2])} "
            f"concerning {child}. "
            + (
                "We found fault causing injustice, which the Council has agreed to remedy."
                if upheld
                else "We did not find fault."
                if not early
                else "We will not investigate."
            )
        )
        lines += [
            "Category :",
            category,
            ">",
            subcategory,
            "Decision :",
            outcome,
            "Decision date :",
            f"{date.day} {MONTHS[date.month - 1][:3]} {date.year}",
            "Summary",
            summary,
            "The complaint",
        ]
        paragraph(
            f"{person} complained the Council failed to deal properly with "
            f"{' and '.join(topic_words[:3])} for {child}."
        )
        if rng.random() < 0.5:
            paragraph(f"{person} says this caused distress, uncertainty and time and trouble.")
        lines.append("The Ombudsman's role and powers")
        for text in BOILERPLATE_ROLE[: rng.randint(2, 3)]:
            paragraph(text)
        lines.append("How I considered this complaint")
        for text in BOILERPLATE_CONSIDERED:
            paragraph(text)
        lines.append("What I found")
        for _ in range(rng.randint(3, 6) if early else rng.randint(12, 30)):
            if rng.random() < 0.15:
                # A paragraph that opens a list; its bullets belong to it (no numbers).
                paragraph(f"{rng.choice(OPENERS)} {sentence()}, which said:")
                bullets = [f"{sentence()};" for _ in range(rng.randint(2, 4))]
                bullets[-1] = bullets[-1][:-1] + "."
                lines += bullets
            else:
                paragraph(prose(rng.randint(1, 4)))
        if upheld:
            lines.append("Agreed action")
            paragraph("Within one month of the final decision, the Council has agreed to:")
            actions = [
                f"apologise to {person} for the {rng.choice(topic_words)} failings;",
                f"pay {person} £{rng.randrange(100, 2000, 50)} to acknowledge the distress "
                "and uncertainty caused;",
            ]
            if rng.random() < 0.3:
                months = rng.randint(2, 12)
                rate = rng.randrange(50, 350, 50)
                actions.append(
                    f"pay {person} £{rate} for each month of delay, a total of £{rate * months};"
                )
            actions.append(
                f"review its procedures for {rng.choice(topic_words)} and remind staff of "
                "the statutory timescales."
            )
            lines += actions
            paragraph(
                "The Council should provide us with evidence it has complied with the above "
                "actions."
            )
        lines.append("Final decision")
        paragraph(
            "I have completed my investigation. "
            + (
                "There was fault by the Council which caused injustice."
                if upheld
                else "There was no fault by the Council."
                if not early
                else "We will not investigate this complaint."
            )
        )
        lines.append("Investigator's decision on behalf of the Ombudsman")
        slug = ref.replace(" ", "-")
        record: dict[str, object] = {
            "_id": f"UK/LGO/{slug}",
            "case_id": ref,
            "title": f"LGSCO decision {ref} · {category} — {subcategory} ({outcome})",
            "text": "\n".join(lines),
            "date": date.isoformat(),
            "authority": council,
            "category": category,
            "subcategory": subcategory,
            "outcome": outcome,
            "url": f"https://www.lgo.org.uk/decisions/synthetic/{slug}",
        }
        return SyntheticDecision(record, count, topic)

    def corpus(self, paragraphs: int) -> list[SyntheticDecision]:
        """The first decisions holding at least `paragraphs` paragraphs together."""
        chosen: list[SyntheticDecision] = []
        total = 0
        for decision in self.decisions():
            if total >= paragraphs:
                return chosen
            chosen.append(decision)
            total += decision.paragraphs
        return chosen  # pragma: no cover - the generator never ends


def write_jsonl(decisions: list[SyntheticDecision], folder: Path, per_file: int = 1000) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(decisions), per_file):
        path = folder / f"synthetic-{start // per_file:04d}.jsonl"
        with path.open("w") as handle:
            for decision in decisions[start : start + per_file]:
                handle.write(json.dumps(decision.record, ensure_ascii=False) + "\n")


def topic_centres(seed: int = 0, dimension: int = DIMENSION) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((TOPICS, dimension)).astype(np.float32)
    return centres / np.linalg.norm(centres, axis=1, keepdims=True)


def synthetic_vectors(
    topics: np.ndarray, rng: np.random.Generator, centres: np.ndarray, noise: float = 0.9
) -> np.ndarray:
    """Unit vectors near their topic's centre: cosine about 0.55 within a topic and about 0
    across, like MiniLM paragraph vectors of one decision against another's."""
    vectors = centres[topics] + noise * rng.standard_normal(
        (len(topics), centres.shape[1]), dtype=np.float32
    ) / np.sqrt(centres.shape[1])
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    decisions = Generator(args.seed).corpus(args.paragraphs)
    write_jsonl(decisions, args.out)
    print(
        json.dumps(
            {
                "decisions": len(decisions),
                "paragraphs": sum(d.paragraphs for d in decisions),
                "out": str(args.out),
                "note": "synthetic text: for speed and memory only, never for answer quality",
            }
        )
    )


if __name__ == "__main__":
    main()
