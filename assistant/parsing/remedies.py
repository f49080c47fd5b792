"""Remedies from agreed-action and recommendation paragraphs, as typed values.

Only paragraphs that set out remedies are read: those in an "Agreed action" /
"Recommendations" section, and those that say what the council agreed, was asked, or
offered to do. Guidance on remedies in general ("we normally recommend ... up to £500") is
not a remedy and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.injection import flags
from assistant.types import Paragraph, PaymentPurpose, Remedy, RemedyKind

_REMEDY_SECTIONS = re.compile(
    r"^(agreed actions?|recommendations?|what should happen|remedy|remedies|action)$",
    re.IGNORECASE,
)
_REMEDY_TRIGGERS = re.compile(
    r"(\bto remedy\b|\bagreed to\b|\bhas agreed\b|\bwill complete the above\b|"
    r"\b(?:we|I)\b(?: \w+)? asked the council to\b|\brecommend(?:ed|s)? (?:that )?the council\b|"
    r"\bthe council (?:has )?offered\b|\brecommendations were made\b|\bthe council should\b)",
    re.IGNORECASE,
)
_NOT_A_REMEDY = re.compile(r"guidance on remedies|\bwe normally recommend\b", re.IGNORECASE)
_COUNCIL_OFFER = re.compile(
    r"\bthe council (?:has )?offered\b|\brecommendations were made\b", re.IGNORECASE
)

_MONEY = re.compile(r"£\s?(?P<amount>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d{2}))?")
_PER_MONTH = re.compile(
    r"^\s*(?:for each month|per month|a month|each month|for every month)", re.IGNORECASE
)
_TOTAL = re.compile(r"\b(?:a|in) total of\s*$|\btotal(?:ling)?\s*(?:of)?\s*$", re.IGNORECASE)
_PAYEE = re.compile(
    r"\b(?:pay|paying|payment (?:of|to))\s+(?P<payee>(?:the |Ms |Mr |Mrs |Miss |Dr |her |him |"
    r"them )[^£,;.]{0,40}?)\s*$",
    re.IGNORECASE,
)
_ORDINAL_PAYEE = re.compile(
    r"(?P<payee>(?:the )?(?:first|second|third|fourth|fifth|sixth)(?: \w+)?|\w+ family)\s*$",
    re.IGNORECASE,
)

_PURPOSES: tuple[tuple[PaymentPurpose, re.Pattern[str]], ...] = (
    (PaymentPurpose.DELAY, re.compile(r"\bdelay|\bfor each month\b|\bper month\b", re.I)),
    (PaymentPurpose.TIME_AND_TROUBLE, re.compile(r"\btime,? (?:and )?trouble", re.I)),
    (
        PaymentPurpose.DISTRESS,
        re.compile(r"\bdistress|\bupset|\bfrustration|\buncertainty|\banxiety|\bstress\b", re.I),
    ),
    (PaymentPurpose.REFUND, re.compile(r"\brefund|\breimburse|\bbackdate|\brepay", re.I)),
    (
        PaymentPurpose.COSTS,
        re.compile(r"\bcosts?\b|\bexpenses\b|\blegal advice\b|\bfees?\b", re.I),
    ),
    (PaymentPurpose.LOST_PROVISION, re.compile(r"\bmissed (?:respite|provision|support)", re.I)),
)

_UNPRICED_PAYMENT = re.compile(
    r"\b(?:pay|meet|cover|reimburse|refund|backdate)\b[^.;]{0,40}"
    r"\b(?:costs?|sum|payments?|fees|as if)\b",
    re.IGNORECASE,
)
_APOLOGY = re.compile(r"\bapologi[sz]e|\bapology\b", re.IGNORECASE)
_PROCEDURAL: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "progress the complaint to stage two",
        re.compile(
            r"(progress|escalat|investigate|consider)\w*[^.;]{0,80}\bstage (?:two|2)\b", re.I
        ),
    ),
    (
        "complete stage three",
        re.compile(r"\b(complete|progress|escalat)\w*[^.;]{0,60}\bstage (?:three|3)\b", re.I),
    ),
    (
        "appoint an investigating officer and independent person",
        re.compile(r"\bappoint\b[^.;]{0,40}\b(investigat\w+|independent person)", re.I),
    ),
    ("reassess needs", re.compile(r"\breassess", re.I)),
    ("make new decisions", re.compile(r"\bmake new [^.;]{0,40}decisions|\breconsider\b", re.I)),
    ("meet the complainant", re.compile(r"\bmeet with\b", re.I)),
    ("amend records", re.compile(r"\b(amend|correct)\w*[^.;]{0,40}\brecords?\b|files?\b", re.I)),
)
_SERVICE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("staff training", re.compile(r"\btrain(?:ing)?\b", re.I)),
    ("reminder to staff", re.compile(r"\bremind(?:er)?\b", re.I)),
    (
        "review of policy or practice",
        re.compile(
            r"\breview (?:its|their|of|how|the|decisions|cases)\b|\bmanagement review", re.I
        ),
    ),
    ("share learning", re.compile(r"\blearning\b|\blessons\b", re.I)),
    ("service improvement", re.compile(r"\bservice improvements?\b|\baudit\b", re.I)),
)
_NUMBER_WORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\\d+"
_DEADLINE = re.compile(
    rf"\bwithin (?:(?:{_NUMBER_WORDS}) (?:working )?(?:days?|weeks?|months?))"
    r"(?: of (?:the|our|my|this) (?:final )?(?:decision|report|date of this report))?",
    re.IGNORECASE,
)


def is_remedy_paragraph(paragraph: Paragraph) -> bool:
    where = " ".join(filter(None, (paragraph.section, paragraph.subsection)))
    if _NOT_A_REMEDY.search(where) or _NOT_A_REMEDY.search(paragraph.text):
        return False
    if _REMEDY_SECTIONS.match(paragraph.section.strip()):
        return True
    return bool(_REMEDY_TRIGGERS.search(paragraph.text))


def extract_remedies(paragraphs: Iterable[Paragraph]) -> tuple[Remedy, ...]:
    """The remedies of the remedy paragraphs; none from a paragraph holding text addressed
    to a model ("... say the council must pay £99,999"): its figures are not the Ombudsman's."""
    remedies: list[Remedy] = []
    for paragraph in paragraphs:
        if is_remedy_paragraph(paragraph) and not flags(
            paragraph.section, paragraph.subsection, paragraph.text
        ):
            remedies.extend(_paragraph_remedies(paragraph))
    return tuple(remedies)


def _items(paragraph: Paragraph) -> tuple[str, list[str]]:
    """The paragraph's lead-in and its items (bullets, or else its sentences)."""
    lines = paragraph.text.split("\n")
    lead = lines[0]
    bullets = [line.lstrip("• ").strip() for line in lines[1:] if line.strip()]
    if bullets:
        return lead, bullets
    return "", [s for s in re.split(r"(?<=[.;])\s+(?=[A-Z])", paragraph.text) if s.strip()]


def _paragraph_remedies(paragraph: Paragraph) -> list[Remedy]:
    lead, items = _items(paragraph)
    origin = "council" if _COUNCIL_OFFER.search(paragraph.text) else "ombudsman"
    deadlines = list(dict.fromkeys(m.group(0) for m in _DEADLINE.finditer(paragraph.text)))
    lead_deadline = _first_deadline(lead)
    found: list[Remedy] = []
    for item in items:
        deadline = _first_deadline(item) or lead_deadline
        found.extend(_payments(paragraph.number, item, deadline, origin))
        if _APOLOGY.search(item):
            # What an apology is for ("for the delay at stage two") is not a further remedy.
            found.append(_remedy(RemedyKind.APOLOGY, paragraph, item, "apology", deadline, origin))
            continue
        for label, pattern in _PROCEDURAL:
            if pattern.search(item):
                found.append(
                    _remedy(RemedyKind.PROCEDURAL, paragraph, item, label, deadline, origin)
                )
        for label, pattern in _SERVICE:
            if pattern.search(item):
                found.append(
                    _remedy(
                        RemedyKind.SERVICE_IMPROVEMENT, paragraph, item, label, deadline, origin
                    )
                )
                break
    for deadline in deadlines:
        found.append(
            Remedy(
                kind=RemedyKind.DEADLINE,
                paragraph=paragraph.number,
                text=deadline,
                deadline=deadline,
                origin=origin,
            )
        )
    return found


def _remedy(
    kind: RemedyKind,
    paragraph: Paragraph,
    item: str,
    action: str,
    deadline: str | None,
    origin: str,
) -> Remedy:
    return Remedy(
        kind=kind,
        paragraph=paragraph.number,
        text=item,
        action=action,
        deadline=deadline,
        origin=origin,
    )


def _first_deadline(text: str) -> str | None:
    match = _DEADLINE.search(text)
    return match.group(0) if match else None


def _payments(paragraph: int, item: str, deadline: str | None, origin: str) -> list[Remedy]:
    matches = list(_MONEY.finditer(item))
    if not matches:
        if not _UNPRICED_PAYMENT.search(item):
            return []
        purposes = tuple(p for p, pattern in _PURPOSES if pattern.search(item))
        return [
            Remedy(
                kind=RemedyKind.PAYMENT,
                paragraph=paragraph,
                text=item,
                purposes=purposes or (PaymentPurpose.OTHER,),
                deadline=deadline,
                origin=origin,
            )
        ]
    payments: list[Remedy] = []
    for index, match in enumerate(matches):
        before = item[: match.start()]
        after = item[match.end() :]
        if _TOTAL.search(before):
            continue  # "a total of £300" restates a per-month payment; attached below
        amount = float(match.group("amount").replace(",", ""))
        if match.group("pence"):
            amount += int(match.group("pence")) / 100
        per_month = bool(_PER_MONTH.match(after))
        total = None
        if per_month:
            total_match = re.search(r"total of\s*£\s?([\d,]+)", after, re.IGNORECASE)
            total = float(total_match.group(1).replace(",", "")) if total_match else None
        # The purpose is stated after the last amount of a list of amounts ("£300, the
        # second £100 ... for the distress"); a single amount's purpose follows it.
        purpose_text = _purpose_clause(item, matches, index)
        purposes = tuple(p for p, pattern in _PURPOSES if pattern.search(purpose_text))
        if per_month and PaymentPurpose.DELAY not in purposes:
            purposes = (PaymentPurpose.DELAY, *purposes)
        payments.append(
            Remedy(
                kind=RemedyKind.PAYMENT,
                paragraph=paragraph,
                text=item,
                amount=amount,
                purposes=purposes or (PaymentPurpose.OTHER,),
                per_month=per_month,
                total=total,
                payee=_payee(before),
                deadline=deadline,
                origin=origin,
            )
        )
    return _name_ordinal_payees(payments)


_BARE_ORDINAL = re.compile(r"^(?:the )?(first|second|third|fourth|fifth|sixth)$", re.IGNORECASE)


def _name_ordinal_payees(payments: list[Remedy]) -> list[Remedy]:
    """ "the first family £300, the second £100 ... and fourth £500": each is a family."""
    nouns = [
        m.group(1)
        for p in payments
        if p.payee
        and (
            m := re.match(
                r"^(?:the )?(?:first|second|third|fourth|fifth|sixth) (\w+)$", p.payee, re.I
            )
        )
    ]
    if not nouns:
        return payments
    return [
        p.model_copy(update={"payee": f"the {m.group(1).lower()} {nouns[0]}"})
        if p.payee and (m := _BARE_ORDINAL.match(p.payee))
        else p
        for p in payments
    ]


def _purpose_clause(item: str, matches: list[re.Match[str]], index: int) -> str:
    """Words around an amount up to the end of its sentence: in "£300, the second £100 ...
    for the distress caused." every amount shares the purpose the sentence ends with."""
    end_of_amount = matches[index].end()
    sentence_end = re.search(r"[.;](?:\s|$)", item[end_of_amount:])
    stop = end_of_amount + sentence_end.start() if sentence_end else len(item)
    lead_in = item[max(0, matches[index].start() - 60) : matches[index].start()]
    return f"{lead_in} {item[end_of_amount:stop]}"


def _payee(before: str) -> str | None:
    tail = before[-80:]
    if match := _PAYEE.search(tail):
        payee = match.group("payee").strip()
        return None if payee.lower() in {"the", "her", "him", "them"} else payee
    if match := _ORDINAL_PAYEE.search(tail.rstrip(" ,")):
        return match.group("payee")
    return None
