import pytest

from flows.sms_parts import gsm7_safe, sms_parts


@pytest.mark.parametrize(
    ("text", "encoding", "parts", "units"),
    [
        ("a" * 160, "GSM-7", 1, 160),
        ("a" * 161, "GSM-7", 2, 161),
        ("a" * 306, "GSM-7", 2, 306),
        ("a" * 307, "GSM-7", 3, 307),
        ("Hej Åsa, vi ses på mötet i Ängelholm. Öl? Nej.", "GSM-7", 1, 46),
        ("€" * 80, "GSM-7", 1, 160),
        ("€" * 81, "GSM-7", 2, 162),
        ("ö" * 70 + "“", "UCS-2", 2, 71),
        ("á" * 70, "UCS-2", 1, 70),
        ("á" * 71, "UCS-2", 2, 71),
        ("😀" * 35, "UCS-2", 1, 70),
        ("مرحبا، موعدك غدا", "UCS-2", 1, 16),
        ("", "GSM-7", 1, 0),
    ],
)
def test_parts_and_encoding(text, encoding, parts, units):
    assert (sms_parts(text).encoding, sms_parts(text).parts, sms_parts(text).units) == (
        encoding,
        parts,
        units,
    )


def test_an_extension_character_is_not_split_across_parts():
    # 152 plain septets then a two-septet euro sign: it cannot fit in part one.
    text = "a" * 152 + "€" + "a" * 10
    assert sms_parts(text).units == 164
    assert sms_parts(text).parts == 2
    assert sms_parts("a" * 152 + "€" + "a" * 153).parts == 3


def test_babel_spacing_and_typographic_quotes_are_made_gsm7():
    babel_time = "10:00\u202fAM, 3\u00a0dec – “Ekan”"
    assert sms_parts(babel_time).encoding == "UCS-2"
    safe = gsm7_safe(babel_time)
    assert safe == '10:00 AM, 3 dec - "Ekan"'
    assert sms_parts(safe).encoding == "GSM-7"
