import logging

import pytest

from bot.logs import MaskPhoneNumbers
from flows.phone import InvalidPhone, mask, mask_in_text, to_e164


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("070-174 06 05", "+46701740605"),
        ("+46 70 174 06 05", "+46701740605"),
        ("0046701740605", "+46701740605"),
        ("+358 40 1234567", "+358401234567"),
    ],
)
def test_typed_numbers_become_e164(typed, e164):
    assert to_e164(typed) == e164


@pytest.mark.parametrize("typed", ["", "hello", "070", "+46 70 174 06 05 99 99", "😀", "1" * 500])
def test_bad_numbers_are_refused(typed):
    with pytest.raises(InvalidPhone):
        to_e164(typed)


def test_mask_keeps_country_prefix_and_last_two_digits():
    assert mask("+46701234512") == "+46 70 *** ** 12"


def test_log_records_never_carry_a_full_number(caplog):
    logger = logging.getLogger("test.mask")
    logger.addFilter(MaskPhoneNumbers())
    with caplog.at_level(logging.INFO, logger="test.mask"):
        logger.info("SMS to %s failed, then %s", "+46701740605", "+358401234567")
    assert "+46701740605" not in caplog.text
    assert "+358401234567" not in caplog.text
    assert "+46 70 *** ** 05" in caplog.text
    assert mask_in_text("no number here") == "no number here"
