"""Telling list items from paragraphs where a copy marks both the same way.

The dashed page copies start every paragraph AND every bullet with "- ", and the older JSON
records put each of both on its own line. The rule, applied item by item:

1. A list opens after an item whose text ends with ":" ("... has agreed to:").
2. While a list is open, an item is a bullet, unless it starts a new paragraph, which it does
   when the item before it ended a sentence (".", "?", "!") and any of:
   a. it opens like a paragraph: "If", "However", "Therefore", "In this case", "I ", "We ",
      "The Ombudsman", ... (`PARAGRAPH_OPENERS`);
   b. the bullets ran on with ";", ", or", "and" (a list written as one sentence) up to
      the item that ended with ".", which was its last;
   c. every earlier bullet started in lower case and this item starts with a capital.
3. A heading, or a line that is not an item (e.g. "(Local Government Act 1974 ...)"), closes
   the list.

Checked against every sample decision: each gives the paragraph count and numbering the
Ombudsman's page shows.
"""

from __future__ import annotations

import re

PARAGRAPH_OPENERS = re.compile(
    r"^(If|When|Where|However|Therefore|Thus|Consequently|Because|Although|While|Whilst|"
    r"Further|Furthermore|In addition|Additionally|Also|In this case|In these circumstances|"
    r"In response|In its|In my|In our|For these reasons|For this reason|Having|Overall|"
    r"On balance|So|But|I|We|Our|My|This|These|The Ombudsman|Ombudsman satisfied)\b"
)
_RUN_ON_END = re.compile(r"(;|,|\bor|\band)$")
_SENTENCE_END = re.compile(r"[.?!][\"'”’)]*$")


def classify_items(items: list[str]) -> list[bool]:
    """For consecutive items of one run, True where an item is a bullet of the one before."""
    is_bullet: list[bool] = []
    list_open = False
    run_on = False
    all_lower = True
    previous = ""
    for item in items:
        text = item.strip()
        bullet = False
        if list_open:
            ended_sentence = bool(_SENTENCE_END.search(previous))
            starts_paragraph = ended_sentence and (
                bool(PARAGRAPH_OPENERS.match(text)) or run_on or (all_lower and text[:1].isupper())
            )
            bullet = not starts_paragraph
        if bullet:
            if _RUN_ON_END.search(text):
                run_on = True
            elif not _SENTENCE_END.search(text):
                run_on = False  # an unpunctuated item breaks a one-sentence list
            all_lower = all_lower and text[:1].islower()
        else:
            run_on = False
            all_lower = True
        if text.endswith(":"):
            # A bullet that ends with ":" opens a nested list; its items stay in the paragraph.
            list_open, run_on, all_lower = True, False, True
        elif not bullet:
            list_open = False
        is_bullet.append(bullet)
        previous = text
    return is_bullet
