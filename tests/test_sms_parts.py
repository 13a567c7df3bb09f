from datetime import time

import pytest
from babel.dates import format_time
from babel.numbers import format_decimal

from flows.participants.sms_parts import gsm7_safe, sms_parts


@pytest.mark.parametrize(
    ("text", "encoding", "parts", "units"),
    [
        ("", "GSM-7", 1, 0),
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),
        ("a" * 307, "GSM-7", 3, 307),
        ("Hej Åsa, vi ses på mötet i Ängelholm. Öl? Nej.", "GSM-7", 1, 46),
        ("€" * 80, "GSM-7", 1, 160),
        ("€" * 81, "GSM-7", 2, 162),
        ("{[~]}|^\\\f", "GSM-7", 1, 18),
        ("ö" * 70 + "“", "UCS-2", 2, 71),
        ("á" * 70, "UCS-2", 1, 70),
        ("á" * 71, "UCS-2", 2, 71),
        ("á" * 134, "UCS-2", 2, 134),
        ("á" * 135, "UCS-2", 3, 135),
        ("😀", "UCS-2", 1, 2),
        ("😀" * 35, "UCS-2", 1, 70),
        ("😀" * 36, "UCS-2", 2, 72),
        ("مرحبا، موعدك غدا", "UCS-2", 1, 16),
    ],
)
def test_parts_and_encoding(text: str, encoding: str, parts: int, units: int) -> None:
    result = sms_parts(text)
    assert (result.encoding, result.parts, result.units) == (encoding, parts, units)


def test_the_whole_basic_alphabet_is_gsm7() -> None:
    alphabet = (
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
    )
    assert sms_parts(alphabet) == sms_parts("a" * 127)


@pytest.mark.parametrize(
    "char", ["á", "í", "ó", "ú", "â", "ê", "“", "”", "‘", "’", "–", "—", "\u00a0", "\u202f"]
)
def test_one_character_outside_the_alphabet_makes_it_ucs2(char: str) -> None:
    assert sms_parts("Hej på dig " + char).encoding == "UCS-2"


def test_an_extension_character_is_not_split_across_parts() -> None:
    # 152 plain septets then a two-septet euro sign: it cannot fit in part one.
    text = "a" * 152 + "€" + "a" * 10
    assert sms_parts(text).units == 164
    assert sms_parts(text).parts == 2
    # Divided, 306 septets would be 2 parts; walked, the euro moves to part two.
    assert sms_parts("a" * 152 + "€" + "a" * 152).units == 306
    assert sms_parts("a" * 152 + "€" + "a" * 152).parts == 3
    assert sms_parts("a" * 151 + "€" + "a" * 153).parts == 2


def test_babel_spacing_and_typographic_quotes_are_made_gsm7() -> None:
    babel_time = "10:00\u202fAM, 3\u00a0dec – “Ekan” ‘A’ — 1\u2009000"
    assert sms_parts(babel_time).encoding == "UCS-2"
    safe = gsm7_safe(babel_time)
    assert safe == "10:00 AM, 3 dec - \"Ekan\" 'A' - 1 000"
    assert sms_parts(safe).encoding == "GSM-7"
    assert gsm7_safe(safe) == safe


def test_what_babel_really_formats_becomes_gsm7() -> None:
    english = format_time(time(10, 0), "short", locale="en_US")
    swedish = format_decimal(-12345.5, locale="sv_SE")
    assert sms_parts(english + " " + swedish).encoding == "UCS-2"
    assert sms_parts(gsm7_safe(english + " " + swedish)).encoding == "GSM-7"


def test_gsm7_safe_leaves_other_characters_alone() -> None:
    assert gsm7_safe("Café á 😀 Åsa") == "Café á 😀 Åsa"
