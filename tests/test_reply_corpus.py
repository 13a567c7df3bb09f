"""Replies to "are you coming?" as people write them, in Swedish, English and Arabic.

A corpus we wrote ourselves from how people answer SMS: clear yeses, clear noes,
and the unclear ones that must stay a message for the convenor."""

from __future__ import annotations

import pytest

from flows.participants.keywords import Keyword, _lexicon, keyword, says_not_coming

YES = [
    "Jo då",
    "Yes I will",
    "Ja",
    "ja tack",
    "Ja tack!",
    "Ja, tack!",
    "JA TACK 🙂",
    "jaaa",
    "Jä",
    "Japp",
    "Jajamensan!",
    "Javisst",
    "Jadå",
    "Ja visst, tack!",
    "Ja, jag kommer",
    "Jag kommer",
    "jag kommer!!",
    "Kommer!",
    "Ja jag kommer gärna",
    "Ja, vi ses då!",
    "Vi ses",
    "Ja det gör jag",
    "Det passar bra, tack",
    "Absolut",
    "Självklart, jag kommer.",
    "Ok",
    "Okej tack",
    "Hej! Ja, jag kommer. Mvh",
    "Tack för påminnelsen, jag kommer",
    "👍",
    "Ja 👍",
    "👍🏽👍🏽",
    "✅",
    "Yes",
    "yes please",
    "Yes, thank you!",
    "Yeah, I'll be there",
    "Yep",
    "Sure, see you then",
    "I will come",
    "I'm coming",
    "Of course",
    "Ok thanks, I can come",
    "نعم",
    "نَعَم",
    "نعم شكرا",
    "نعم، سأحضر",
    "سأحضر إن شاء الله",
    "أستطيع الحضور",
    "أكيد",
    "تمام شكرا",
    "ايوه",
]

NO = [
    "Tyvärr kan jag inte komma.",
    "Jag kommer tyvärr inte kunna komma",
    "Jag har förhinder",
    "I won't be able to come, sorry",
    "I'm not able to come",
    "Nej",
    "nej.",
    "NEJ!",
    "Neeej",
    "Nä",
    "Nej tack",
    "Nej, jag kan inte",
    "Nej jag kan inte komma",
    "Kan inte",
    "Jag kan inte komma, tyvärr",
    "Tyvärr, jag kan inte",
    "Kommer inte",
    "Jag kommer inte",
    "Jag kommer inte att kunna komma",
    "Nej tyvärr, det går inte",
    "Kan tyvärr inte komma. Mvh",
    "Det passar inte",
    "Jag hinner inte",
    "Jag måste avboka",
    "Jag har inte möjlighet",
    "👎",
    "Nej ❌",
    "No",
    "no thanks",
    "Nope",
    "I can't come",
    "I cant come",
    "I can’t come, sorry",
    "Sorry, I can't make it",
    "Unfortunately I cannot attend",
    "I'm not coming",
    "I won't be there",
    "لا",
    "لا شكرا",
    "لا أستطيع",
    "لا أستطيع الحضور",
    "للأسف لا أستطيع الحضور",
    "آسف، لن أحضر",
    "لن أتمكن من الحضور",
    "ما أقدر أجي",
]

FORWARDED = [
    "ja men jag blir sen",
    "Ja men jag kommer 10 min sent",
    "Jag kommer tio minuter sent 🚌",
    "kanske",
    "Ja kanske",
    "vet inte",
    "Jag vet inte än",
    "nej men jag kommer ändå",
    "Nej, jag kommer",
    "Ja, jag kan inte",
    "Ja tyvärr",
    "Kan jag ta med min mamma?",
    "Jag kommer nog",
    "Var är mötet?",
    "Hej",
    "Tack",
    "Tyvärr",
    "Kan vi flytta mötet?",
    "Jag är sjuk",
    "Yes but I'll be late",
    "Maybe",
    "I don't know yet",
    "Can I come later?",
    "Yes 👎",
    "Sorry",
    "ربما",
    "لا أعرف",
    "نعم لكن سأتأخر",
    "إن شاء الله",
    "",
    "12",
    "?",
]


@pytest.mark.parametrize("text", YES)
def test_clear_yes_in_every_language_is_a_yes(text):
    assert keyword(text) is Keyword.YES


@pytest.mark.parametrize("text", NO)
def test_clear_no_in_every_language_is_a_no(text):
    assert keyword(text) is Keyword.NO


@pytest.mark.parametrize("text", FORWARDED)
def test_anything_not_clearly_yes_or_no_is_left_for_the_convenor(text):
    assert keyword(text) not in (Keyword.YES, Keyword.NO)


def test_the_corpus_is_big_enough_and_has_no_duplicates():
    corpus = YES + NO + FORWARDED
    assert len(corpus) >= 60
    assert len(set(corpus)) == len(corpus)


@pytest.mark.parametrize(
    ("text", "not_coming"),
    [
        ("nej", False),
        ("Nej tack", False),
        ("no thanks", False),
        ("لا", False),
        ("Nej, jag kan inte komma", True),
        ("kommer inte", True),
        ("I can't come", True),
        ("لا أستطيع الحضور", True),
        ("ja", False),
    ],
)
def test_a_no_that_says_cannot_come_is_told_from_a_plain_no(text, not_coming):
    """A plain no answers an open survey question; "cannot come" declines the meeting."""
    assert says_not_coming(text) is not_coming


def test_the_word_lists_load_without_a_phrase_in_two_meanings():
    lexicon = _lexicon()
    assert lexicon.phrases and lexicon.commands
