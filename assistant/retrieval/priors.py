"""Question-type priors on sections: where in a decision each kind of question is answered.

Decisions follow one structure: the complaint, the Ombudsman's role, how the complaint was
considered, what was found (or "My assessment"), then the remedy (agreed action,
recommendations) and the final decision. A question about what was done to put things
right is answered in the remedy sections; whether and why the Ombudsman investigated, in
the assessment and the final decision; whether the council was at fault, in the findings.
A paragraph in a section the question type points at has its fused score raised by
`section_prior` (a share: 0.2 = +20%); for remedy questions, so has any paragraph the
parser extracted a remedy from. Cues are read from the question only.
"""

from __future__ import annotations

import re

_REMEDY_CUES = re.compile(
    r"\b(pay|paid|payment|payments|compensat\w*|money|£\d*|apologi[sz]\w*|sorry|remed\w*|"
    r"put (it|things) right|agree[ds]?|agreement|recommend\w*|refund\w*|award\w*|"
    r"how much|what did .{0,40} (have|need|had) to do|make up for|train\w*|action)\b"
)
_INVESTIGATION_CUES = re.compile(
    r"\b(investigat\w*|re-?investigat\w*|look(ed|ing)? into|look at|decline\w*|"
    r"refus\w* to|why not|discontinu\w*|take (it )?on|closed?)\b"
)
_FINDING_CUES = re.compile(
    r"\b(fault|faults|wrong|upheld|uphold|fail\w*|mistake\w*|blame\w*|found|find|"
    r"finding\w*|was it right|should (it|they|the council) have)\b"
)

_REMEDY_SECTIONS = ("recommendation", "agreed action", "action", "remedy", "further report")
_INVESTIGATION_SECTIONS = ("assessment", "final decision", "did not investigate", "finding")
_FINDING_SECTIONS = ("what i found", "finding", "assessment", "final decision", "conclusion")

_FAMILIES = {
    "remedy": (_REMEDY_CUES, _REMEDY_SECTIONS),
    "investigation": (_INVESTIGATION_CUES, _INVESTIGATION_SECTIONS),
    "finding": (_FINDING_CUES, _FINDING_SECTIONS),
}


def question_types(question: str) -> frozenset[str]:
    text = question.lower()
    return frozenset(name for name, (cues, _) in _FAMILIES.items() if cues.search(text))


def section_matches(types: frozenset[str], section: str) -> bool:
    heading = section.lower().replace("’", "'")
    return any(any(marker in heading for marker in _FAMILIES[name][1]) for name in types)
