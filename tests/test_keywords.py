import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.participants.keywords import Keyword, keyword


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JA", Keyword.YES),
        ("ja!", Keyword.YES),
        (" Ja. ", Keyword.YES),
        ("yes", Keyword.YES),
        ("Yes 👍", Keyword.YES),
        ("NEJ", Keyword.NO),
        ("nej.", Keyword.NO),
        ("No", Keyword.NO),
        ("kan inte", Keyword.NO),
        ("STOPP", Keyword.STOP),
        ("stop", Keyword.STOP),
        ("Stopall", Keyword.STOP),
        ("UNSUBSCRIBE", Keyword.STOP),
        ("cancel", Keyword.STOP),
        ("END", Keyword.STOP),
        ("quit", Keyword.STOP),
        ("START", Keyword.START),
        ("unstop", Keyword.START),
        ("HJÄLP", Keyword.HELP),
        ("hjalp", Keyword.HELP),
        ("Hjälp?", Keyword.HELP),
        ("help", Keyword.HELP),
        ("ja men jag kommer sent", None),
        ("Hej!", None),
        ("", None),
        ("12", None),
        ("nej " * 20, None),
    ],
)
def test_keywords_in_both_languages(text, expected):
    assert keyword(text) is expected


@settings(max_examples=3000, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_a_keyword_or_none_and_never_crashes(text):
    assert keyword(text) in (*Keyword, None)
