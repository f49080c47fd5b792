"""Every sentence of an answer is cited and supported, or removed and counted."""

from __future__ import annotations

import json

from assistant.answer.claims import (
    MAX_STATEMENT_CHARS,
    Claim,
    check_claims,
    claims_schema,
    extractive_sentences,
    parse_claims,
)
from assistant.answer.relevance import word_stems
from assistant.answer.support import check_support, list_introduced, paragraph_of
from assistant.answer.verify import figures

STAGE_TWO = (
    "[P1] 20 008 394 ¶28, What I found (London Borough of Redbridge)\n"
    "By failing to consider her complaint at stage two, the Council denied Ms X an "
    "independent investigation. That was fault. The Council should pay Ms X £100 to reflect "
    "the time and trouble."
)
MEETING = (
    "[P2] 23 017 039 ¶9, What I found\n"
    "The Council offered Mr B a meeting with the Director, which he did not attend. I will "
    "not investigate this part of the complaint."
)
MONTHLY = (
    "[P3] 24 017 708 ¶8, Agreed action\n"
    "Make a payment of £50 for each month of delay from March 2024, a total of £300."
)
SHOWN = {"P1": STAGE_TWO, "P2": MEETING, "P3": MONTHLY}
# 15 016 298 ¶3 as the prompt shows it (the first of its five items left out).
NIECE = (
    "[A3] 15 016 298 ¶3, Recommendations (Upheld)\n"
    "To remedy the injustice the council has agreed to:\n"
    "• write to the aunt and uncle and the grandparents separately to apologise for removing "
    "the girl from their care without carrying out a review;\n"
    "• pay the teenager £550 for the distress caused to her as a result of being removed from "
    "her family’s care and the unnecessary time and trouble pursuing her complaint;\n"
    "• pay the aunt and uncle £850 for the distress caused to them as a result of their niece "
    "being removed from their care and the unnecessary time and trouble of pursuing their "
    "complaint;\n"
    "• pay the grandparents £400 for the distress caused to them as a result of not being "
    "informed of the decision to remove the teenager from the family’s care and the "
    "unnecessary time and trouble of pursuing their complaint."
)


def test_a_plain_english_restatement_is_supported() -> None:
    assert check_support(
        "Redbridge failed to look at the complaint at stage two, which denied her an "
        "independent investigation.",
        STAGE_TWO,
    ).supported
    assert check_support("The council must pay £100 for her time and trouble.", STAGE_TWO).supported
    assert check_support("The Council offered a meeting with the Director.", MEETING).supported


def test_an_amount_the_paragraph_gives_to_someone_else_is_not_supported() -> None:
    """The embedded model's own sentence on a gold-unseen question: £550 stands in the
    paragraph, but as the teenager's; the aunt and uncle were to get £850. It is replaced by
    the teenager's item, in the paragraph's words."""
    wrong = (
        "The Ombudsman got the council to pay us, the aunt and uncle £550 for the distress "
        "caused to her as a result of being removed from her family’s care and the "
        "unnecessary time and trouble pursuing her complaint."
    )
    result = check_support(wrong, NIECE)
    assert not result.supported and "£550" in result.reason
    assert result.replacement is not None and result.replacement.startswith("pay the teenager £550")
    right = (  # the same reply's next sentence
        "The Ombudsman got the council to pay us, the aunt and uncle £850 for the distress "
        "caused to them as a result of their niece being removed from their care and the "
        "unnecessary time and trouble of pursuing their complaint."
    )
    assert check_support(right, NIECE).supported
    both = "The council agreed to pay the teenager £550 and the aunt and uncle £850."
    assert check_support(both, NIECE).supported
    assert check_support("The girl was paid £550 for her distress.", NIECE).supported


def test_a_payment_given_to_the_other_tier_of_council_is_not_supported() -> None:
    """15 020 256: the County Council paid £2,000 (¶3), the Borough Council £300 (¶4). A
    sentence giving the county's payment to the borough council names a council ¶3 leaves
    out while naming the other, and is replaced by ¶3's own item."""
    county = (
        "[A3] 15 020 256 ¶3, Recommendations (Upheld)\n"
        "To remedy the injustice caused the County Council has agreed to:\n"
        "• apologise to the man\n"
        "• pay him £2,000 to recognise the frustration and distress caused by the delays in "
        "carrying out mental capacity assessments and not fully considering all the options "
        "available to him."
    )
    wrong = (
        "The borough council agreed to pay the man £2,000 for delays in mental capacity "
        "assessments."
    )
    result = check_support(wrong, county)
    assert not result.supported and "not the borough council" in result.reason
    assert result.replacement is not None and result.replacement.startswith("pay him £2,000")
    assert check_support(wrong.replace("borough", "county"), county).supported
    # Naming no kind of council, or a paragraph naming none, is no contradiction.
    assert check_support(wrong.replace("borough council", "council"), county).supported
    both = (
        "[A5] 15 020 256 ¶5, Recommendations (Upheld)\n"
        "The two councils have also agreed to review how they work together on the issues "
        "raised by this complaint."
    )
    assert check_support(
        "The borough council agreed to review how it works with the other council on these issues.",
        both,
    ).supported


def test_a_statement_needs_more_than_half_its_content_words_in_the_paragraph() -> None:
    """The embedded model's answer to a gold-unseen question the decisions do not answer
    ("who chaired Hackney's stage 3 panel?"): of "stage", "review", "panel" and "chaired",
    only two stand in 23 016 199 ¶13, and Mr B is the complainant. Half is not enough; the
    paragraph's own sentence about the panel replaces it."""
    panel = (
        "[A13] 23 016 199 ¶13, What I found\n"
        "I have considered the documents from Mr B’s complaint, and I note that:\n"
        "• the panel report reinforces that the quality of the stage 2 report was "
        "satisfactory; and\n"
        "• Mr B is not dissatisfied with the quality of the stage 2 investigation. He had the "
        "opportunity to explain his unhappiness to the stage 3 panel but none of the stage 2 "
        "findings were overturned."
    )
    result = check_support("The stage 3 review panel was chaired by Mr B.", panel)
    assert not result.supported and "50%" in result.reason
    assert result.replacement is not None and "stage 3 panel" in result.replacement
    # Three of four is more than half.
    assert check_support("Mr B explained his unhappiness to the stage 3 panel.", panel).supported


def test_a_letter_claim_may_not_add_the_complaints_facts_to_a_paragraph() -> None:
    """The embedded model's letter for a children's centre closure, none of whose decisions
    is about one: Redbridge's chronology paragraph, with the complaint's closure added.
    More than half its words are the paragraph's, so only the complaint shows what was
    brought in; without a complaint the check is the answers' own."""
    paragraph = (
        "In early 2019 the Council’s Children Social Care Services received safeguarding "
        "referrals from the Police and an anonymous source."
    )
    complaint = (
        "Parents complain about the decision to close the children's centre on the estate "
        "and move the services to the family hub in town."
    )
    claim = (
        "The council's Children Social Care Services received safeguarding referrals from the "
        "Police and an anonymous source, which led to the closure of the children's centre on "
        "the estate and the move to the family hub in town."
    )
    assert check_support(claim, paragraph).supported
    result = check_support(claim, paragraph, (), word_stems(complaint))
    assert not result.supported and "adds the complaint's" in result.reason
    assert "estate" in result.reason and "hub" in result.reason
    plain = "Children's services received safeguarding referrals from the Police."
    assert check_support(plain, paragraph, (), word_stems(complaint)).supported


def test_none_of_negates_the_verb_after_its_subject() -> None:
    """23 016 199 ¶13: "none of the stage 2 findings were overturned". The negation reaches
    "overturned" past its subject, so a sentence saying the panel overturned findings says
    the opposite; saying none were overturned agrees."""
    panel = (
        "[A13] 23 016 199 ¶13, What I found\n"
        "He had the opportunity to explain his unhappiness to the stage 3 panel but none of "
        "the stage 2 findings were overturned."
    )
    result = check_support("The stage 3 panel overturned several of the stage 2 findings.", panel)
    assert not result.supported and "opposite" in result.reason
    assert check_support(
        "None of the stage 2 findings were overturned by the stage 3 panel.", panel
    ).supported
    # "No" is left as it was: with and without a "was", these say the same.
    outcome = (
        "[A13] 24 005 987 ¶13, Final decision\n"
        "We will not investigate Miss X’s complaint because an investigation would not lead "
        "to any further findings. In addition, there are no worthwhile outcomes achievable."
    )
    assert check_support(
        "The Ombudsman would not investigate because no worthwhile outcome was achievable.",
        outcome,
    ).supported


def test_unlikely_is_not_likely() -> None:
    """24 017 708 ¶5 says fault was likely; "unlikely to find fault" says the opposite, and
    "not likely" agrees with "unlikely"."""
    likely = (
        "[A5] 24 017 708 ¶5, Assessment\n"
        "If we were to investigate, it is likely we would find fault causing an injustice."
    )
    result = check_support("The Ombudsman said it was unlikely to find any fault.", likely)
    assert not result.supported and "opposite" in result.reason
    unlikely = (
        "[A14] 23 016 199 ¶14, Final decision\n"
        "It is unlikely we could add anything significant to the Council's investigation."
    )
    assert check_support(
        "The Ombudsman said it was not likely it could add anything significant to the "
        "Council's investigation.",
        unlikely,
    ).supported


def test_a_count_in_words_must_be_the_paragraphs() -> None:
    appeals = (
        "[A3] 15 020 236 ¶3, Recommendations (Upheld)\n"
        "• review the decisions it made on the additional nine appeals it identified during "
        "the investigation, which it refused."
    )
    result = check_support(
        "The council agreed to look again at seven more refused appeals.", appeals
    )
    assert not result.supported and "7" in result.reason
    assert check_support("The council will review nine more appeals it refused.", appeals).supported
    stages = "[B8] 20 008 394 ¶8, What I found\nThe law sets out a three-stage procedure."
    assert check_support("The law sets out a procedure of three stages.", stages).supported
    # "one" is not read as a count: "one of the" and "no one" say nothing of a number.
    assert figures("No one said which one of the nine appeals came first.") == {"9"}
    # A number naming a stage is a label, not a count, in figures or in words: a letter
    # saying "stage 2" (the complaint's words) is supported by "stage two", and "stage 3"
    # is not.
    assert figures("She asked to go to stage two of the procedure.") == {"stage 2"}
    delay = "[A8] 24 017 708 ¶8\nApologise to Ms X for the delay in escalating to stage two."
    assert check_support("The council apologised for its delay at stage 2.", delay).supported
    assert not check_support("The council apologised for its delay at stage 3.", delay).supported


def test_a_statement_saying_the_opposite_is_not() -> None:
    result = check_support("The Council considered her complaint at stage two.", STAGE_TWO)
    assert not result.supported and "opposite" in result.reason
    assert result.replacement is not None and result.replacement.startswith("By failing")


def test_the_meeting_that_never_happened_is_not_supported() -> None:
    # The decision says the Council offered a meeting and the Ombudsman did not investigate.
    result = check_support(
        "The Ombudsman found that the Council did not arrange the meeting.", MEETING
    )
    assert not result.supported


def test_figures_names_references_and_addresses_must_stand_in_the_paragraph() -> None:
    assert "£300" in check_support("The Council should pay £300.", STAGE_TWO).reason
    assert not check_support("See paragraph 99 of decision 12 345 678.", STAGE_TWO).supported
    assert not check_support(
        "Write to help@example.org or www.example.org about the stage two complaint.", STAGE_TWO
    ).supported
    assert not check_support(
        "Hackney denied her an independent investigation at stage two.",
        STAGE_TWO,
        names=["Hackney", "Redbridge"],
    ).supported
    # the council named in the header line is the paragraph's own
    assert check_support(
        "Redbridge denied her an independent investigation at stage two.",
        STAGE_TWO,
        names=["Hackney", "Redbridge"],
    ).supported


def test_a_rate_is_not_a_total() -> None:
    assert not check_support("The Council paid £300 for each month of delay.", MONTHLY).supported
    assert not check_support("The Council paid £300 for every month of delay.", MONTHLY).supported
    assert check_support(
        "The Council paid £50 a month, £300 in total, for the delay.", MONTHLY
    ).supported


def test_schema_offers_only_the_shown_keys() -> None:
    schema = claims_schema(["P1", "P2"])
    item = schema["properties"]["claims"]["items"]
    assert item["properties"]["key"]["enum"] == ["P1", "P2"]
    assert set(item["required"]) == {"key", "statement"}


def test_claims_are_read_from_structured_and_plain_replies() -> None:
    structured = json.dumps({"claims": [{"key": "P1", "statement": "A sentence"}]})
    assert parse_claims(structured) == [Claim(("P1",), "A sentence")]
    plain = parse_claims("First fact here. [P1][P3] Second fact with no key.")
    assert plain == [Claim(("P1", "P3"), "First fact here."), Claim((), "Second fact with no key.")]
    assert parse_claims('{"claims": []}') == []


def test_each_sentence_of_a_statement_is_a_claim_checked_and_cited_on_its_own() -> None:
    statement = "The Council must pay £100 for her time and trouble. The weather was poor in Leeds."
    claims = parse_claims(json.dumps({"claims": [{"key": "P1", "statement": statement}]}))
    assert claims == [
        Claim(("P1",), "The Council must pay £100 for her time and trouble."),
        Claim(("P1",), "The weather was poor in Leeds."),
    ]
    result = check_claims(claims, SHOWN, names=["Leeds"])
    assert [s.text for s in result.sentences] == [claims[0].statement]
    assert result.dropped_sentences == 1
    assert result.text() == "The Council must pay £100 for her time and trouble. [P1]"


def test_no_uncited_or_unsupported_sentence_survives() -> None:
    claims = [
        Claim(("P1",), "The Council must pay £100 for her time and trouble"),
        Claim((), "This shows councils always lose at stage two."),
        Claim(("P9",), "A key that was never shown."),
        Claim(("P2",), "The Council should pay £100 for the time and trouble."),  # wrong key
        Claim(("P1",), "The Council considered her complaint at stage two."),  # opposite
        Claim(("P3",), "The weather was poor in Leeds that year."),
    ]
    result = check_claims(claims, SHOWN, names=["Leeds"])
    kept = [(s.text, s.keys, s.quoted) for s in result.sentences]
    assert kept[0] == ("The Council must pay £100 for her time and trouble.", ("P1",), False)
    # the wrongly keyed sentence is re-cited to the paragraph that states it
    assert kept[1] == ("The Council should pay £100 for the time and trouble.", ("P1",), False)
    # the opposite of the paragraph is replaced by the paragraph's own sentence, quoted
    assert kept[2][0].startswith("“By failing") and kept[2][1:] == (("P1",), True)
    assert len(kept) == 3
    assert result.uncited_sentences == 2  # no key, and only an unshown key
    assert result.replaced_sentences == 1
    assert result.dropped_sentences == 1  # Leeds
    assert result.dropped_citations == 2  # P9, and P2 moved to P1
    assert all(s.keys for s in result.sentences)
    assert "[P1]" in result.text() and "[P9]" not in result.text()


def test_extractive_answer_quotes_the_sentence_that_answers() -> None:
    sentences = extractive_sentences("How much was paid in total for the delay?", SHOWN)
    assert sentences[0].keys == ("P3",)
    assert "a total of £300" in sentences[0].text
    assert all(s.quoted and s.text.startswith("“") for s in sentences)


def test_a_statement_cut_by_the_length_cap_ends_at_a_whole_sentence() -> None:
    cut = "The Council should pay £100. " + "It must also review how it handles complaints " * 6
    cut = cut[:MAX_STATEMENT_CHARS]
    [claim] = parse_claims(json.dumps({"claims": [{"key": "P1", "statement": cut}]}))
    assert claim.statement == "The Council should pay £100."
    unbroken = ("word " * 80)[:MAX_STATEMENT_CHARS]
    [claim] = parse_claims(json.dumps({"claims": [{"key": "P1", "statement": unbroken}]}))
    assert claim.statement.endswith("word …")
    # sent escaped, a cut statement decodes shorter than the cap
    escaped = ("The Council’s reply came late. " + "It must review its complaints " * 9)[:260]
    [claim] = parse_claims(json.dumps({"claims": [{"key": "P1", "statement": escaped}]}))
    assert claim.statement == "The Council’s reply came late."
    short = "The Council paid £100"
    [claim] = parse_claims(json.dumps({"claims": [{"key": "P1", "statement": short}]}))
    assert claim.statement == short


def test_a_sentence_several_paragraphs_pass_is_re_cited_to_the_one_it_was_copied_from() -> None:
    """The content check passes paragraphs that share only common words ("council",
    "complaint", "procedure"): of several, the one holding the sentence word for word is
    where the model copied it from. None holding it leaves the sentence unplaced."""
    guidance = (
        "[A11] 20 008 394 ¶11, What I found\nThe Ombudsman would normally expect a council "
        "and complainant to follow the full complaints procedure. The guidance sets out when."
    )
    remedy = (
        "[B8] 24 017 708 ¶8, My assessment\nThe Council should follow the complaints procedure "
        "in full and expect to apologise to the complainant."
    )
    finding = "[A28] 20 008 394 ¶28, What I found\nThat was fault."
    shown = {"A11": guidance, "B8": remedy, "A28": finding}
    copied = (
        "The Ombudsman would normally expect a council and complainant to follow the full "
        "complaints procedure."
    )
    assert all(check_support(copied, shown[key]).supported for key in ("A11", "B8"))
    result = check_claims([Claim(("A28",), copied)], shown)
    assert [(s.text, s.keys) for s in result.sentences] == [(copied, ("A11",))]
    assert result.dropped_citations == 1 and result.dropped_sentences == 0
    reworded = "A council and complainant should normally follow the full complaints procedure."
    assert all(check_support(reworded, shown[key]).supported for key in ("A11", "B8"))
    unplaced = check_claims([Claim(("A28",), reworded)], shown)
    assert unplaced.sentences == [] and unplaced.dropped_sentences == 1


OFFER = (
    "[A10] 23 016 199 ¶10, What I found (London Borough of Hackney)\n"
    "To recognise Mr B’s injustice, the Council offered:\n"
    "• an apology;\n"
    "• a £650 payment to recognise his distress; and\n"
    "• a further £100 payment for a two-month delay to its stage 2 investigation."
)


def test_a_sentence_that_only_introduces_a_list_is_quoted_with_its_list() -> None:
    """ "The Council offered:" states nothing: the user gets the list it introduces, in the
    paragraph's words and counted as replaced, never "offered:." on its own."""
    shown = {"A10": OFFER, "P1": STAGE_TWO}
    reply = {"claims": [{"key": "A10", "statement": OFFER.splitlines()[1]}]}
    claims = parse_claims(json.dumps(reply))
    result = check_claims(claims, shown)
    [sentence] = result.sentences
    assert sentence.quoted and sentence.keys == ("A10",)
    assert sentence.text == (
        "“To recognise Mr B’s injustice, the Council offered: an apology; a £650 payment to "
        "recognise his distress; and a further £100 payment for a two-month delay to its "
        "stage 2 investigation.”"
    )
    assert result.replaced_sentences == 1
    assert ":." not in result.text()


def test_a_list_introduction_whose_paragraph_gives_no_list_is_removed() -> None:
    claims = [
        Claim(("P1",), "By failing to consider her complaint at stage two, the Council denied:"),
        Claim(("P1",), "The Council denied Ms X an independent investigation."),
    ]
    result = check_claims(claims, SHOWN)
    assert [s.text for s in result.sentences] == [
        "The Council denied Ms X an independent investigation."
    ]
    assert result.dropped_sentences == 1
    assert "introducing a list" in result.notes[0]


def test_the_extractive_answer_quotes_a_list_with_its_introduction() -> None:
    [sentence, *_] = extractive_sentences(
        "What did the Council offer to recognise it?", {"A10": OFFER}
    )
    assert sentence.text.startswith("“To recognise Mr B’s injustice, the Council offered: an")
    assert "£650" in sentence.text and "£100" in sentence.text


def test_a_list_is_found_after_the_line_that_introduces_it() -> None:
    paragraph = (
        "The law sets out three stages:\n• Stage One – Local Resolution\n"
        "• Stage Two – Investigation\n• Stage Three – Review Panel.\n"
        "The Council agreed to:\n• apologise."
    )
    assert list_introduced("The law sets out three stages:", paragraph) == (
        "The law sets out three stages: Stage One – Local Resolution; Stage Two – "
        "Investigation; Stage Three – Review Panel."
    )
    assert list_introduced("the council agreed to:", paragraph) == (
        "The Council agreed to: apologise."
    )
    # in other words than the paragraph's, only a paragraph's one list is taken as meant
    assert list_introduced("It offered these remedies:", paragraph) is None
    assert list_introduced("It offered:", OFFER).endswith("stage 2 investigation.")
    assert list_introduced("It offered:", "No list here.") is None


TRAINING = (
    "[A30] 20 008 394 ¶30, Agreed action\n"
    "Within two months of the final decision:\n"
    "• train staff on the process of escalating a complaint through the statutory "
    "complaints procedure, and the limited circumstances in which the Council is not "
    "required to investigate a complaint, or can refer a complaint early to the Ombudsman."
)


def test_a_copy_the_length_cap_cut_is_finished_from_its_paragraph() -> None:
    """The model copied ¶30 across its line break and bullet, as on the demo's question,
    and the cap cut it mid-word: the user reads the paragraph's whole sentence, counted as
    replaced, not "... early to the …"."""
    copied = " ".join(paragraph_of(TRAINING).replace("• ", "").split())
    reply = {"claims": [{"key": "A30", "statement": copied.removesuffix("udsman.")}]}
    result = check_claims(parse_claims(json.dumps(reply)), {"A30": TRAINING, **SHOWN})
    [sentence] = result.sentences
    assert sentence.keys == ("A30",) and not sentence.quoted
    assert sentence.text == copied
    assert result.replaced_sentences == 1
    assert "completed a sentence the length cap cut" in result.notes[0]


def test_a_cut_statement_in_the_models_own_words_stays_marked_as_cut() -> None:
    own = (
        "Within two months of the final decision the Council had to train its staff on the "
        "process of escalating a complaint through the statutory complaints procedure and on "
        "the limited circumstances in which the Council is not required to investigate a "
        "complaint at all, as set out in the agreed action for the"
    )
    reply = {"claims": [{"key": "A30", "statement": own}]}
    result = check_claims(parse_claims(json.dumps(reply)), {"A30": TRAINING})
    [sentence] = result.sentences
    assert sentence.text == own.rsplit(" ", 1)[0] + " …"  # kept, and marked as cut
    assert result.replaced_sentences == 0 and result.notes == []
