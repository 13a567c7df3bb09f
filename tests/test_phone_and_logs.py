import io
import logging

import pytest

from bot.logs import FORMAT, MaskingFormatter, MaskPhoneNumbers
from flows.core.phone import InvalidPhone, mask, mask_in_text, to_e164


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


NUMBERS_IN_SEVERAL_FORMATS = [
    "+46701740605",
    "whatsapp:+46701740606",
    "+46 70 174 06 07",
    "070-174 06 08",
    "0701740609",
    "0046701740610",
    "%2B46701740611",
    "+358401234567",
]


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _assert_no_number(text: str) -> None:
    for number in NUMBERS_IN_SEVERAL_FORMATS:
        assert number not in text
        # nor the same digits in another grouping
        assert _digits(number)[-9:] not in _digits(text)


def test_mask_in_text_masks_numbers_in_every_common_format():
    text = " | ".join(NUMBERS_IN_SEVERAL_FORMATS)
    masked = mask_in_text(text)
    _assert_no_number(masked)
    assert masked.count("***") == len(NUMBERS_IN_SEVERAL_FORMATS)
    assert masked.endswith("+358 40 *** ** 67")


@pytest.mark.parametrize(
    "harmless",
    [
        "2026-12-02 09:49:21,123",
        "2026-12-02T09:49:21.012345+00:00",
        "message 12345678 is now delivered",
        'File "/app/bot/web/app.py", line 1034, in twilio_sms',
        "at 0x7f1234567890",
        "MessageSid SM0123456789abcdef0123456789abcdef",
        "o=99999999999999999999",
        "pi is 3.14159265358",
    ],
)
def test_mask_in_text_leaves_things_that_are_not_phone_numbers(harmless):
    assert mask_in_text(harmless) == harmless


def _raise_with_numbers() -> None:
    try:
        raise ValueError("Length of 'whatsapp:+46701740606' is 21 > 20")
    except ValueError as cause:
        raise RuntimeError(
            f"could not store {NUMBERS_IN_SEVERAL_FORMATS[2]} / {NUMBERS_IN_SEVERAL_FORMATS[3]}"
        ) from cause


def _local_numbers_in_frame() -> None:
    phone = "0046701740610"  # noqa: F841 (a local a traceback could show)
    raise KeyError("+358401234567 %2B46701740611 0701740609 +46701740605")


def test_tracebacks_in_log_lines_are_masked_too():
    """What the running process writes (setup_logging's handler): the message, the
    exception's message, the chained cause and the stack dump, all masked."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter(FORMAT))
    handler.addFilter(MaskPhoneNumbers())
    logger = logging.getLogger("test.mask.traceback")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            _raise_with_numbers()
        except RuntimeError:
            logger.exception("handling %s failed", "+46701740605")
        try:
            _local_numbers_in_frame()
        except KeyError:
            logger.error("again", exc_info=True, stack_info=True)
        logger.warning("plain warning about %s", "070-174 06 08", stack_info=True)
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "Traceback" in text and "ValueError: Length of 'whatsapp:+46 70 *** ** 06'" in text
    _assert_no_number(text)


def test_a_masking_filter_alone_masks_the_traceback_for_any_formatter(caplog):
    """A handler with its own formatter (pytest's caplog here) gets the masked
    traceback when the filter sits on it."""
    caplog.handler.addFilter(MaskPhoneNumbers())
    try:
        with caplog.at_level(logging.INFO):
            try:
                _raise_with_numbers()
            except RuntimeError:
                logging.getLogger("test.mask.filter").exception("failed")
    finally:
        caplog.handler.removeFilter(caplog.handler.filters[-1])
    assert "Traceback" in caplog.text
    _assert_no_number(caplog.text)
