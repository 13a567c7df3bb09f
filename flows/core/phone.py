"""Phone numbers: parse what people type into E.164, and mask them for logs."""

from __future__ import annotations

import re

import phonenumbers

from flows.core import limits

DEFAULT_REGION = "SE"
_CAN_TAKE_SMS = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,  # countries that do not tell them apart
)
# A phone number inside free text (a log line, an exception message, a traceback):
# international (+46..., 0046..., a URL's %2B46...) or national with the trunk 0
# (070-123 45 67), digits grouped by single spaces, dashes or dots.
_PHONE_IN_TEXT = re.compile(
    r"(?:\+|%2[Bb]|(?<![\w+.\-])00|(?<![\w+.\-%])(?=0[1-9]))"
    r"\d(?:[ .\-]?\d){6,14}(?!\d)"
)


_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_CHANNEL_PREFIX = re.compile(r"[a-z][a-z0-9-]{0,11}")


class InvalidPhone(ValueError):
    pass


def to_e164(text: str, region: str = DEFAULT_REGION) -> str:
    """'070-123 45 67' -> '+46701234567'; raises InvalidPhone for anything but a real mobile
    number."""
    try:
        number = phonenumbers.parse(text[: limits.PHONE], region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(text) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(text)
    # We send SMS: a landline or a short service number would only fail later, at Twilio.
    if phonenumbers.number_type(number) not in _CAN_TAKE_SMS:
        raise InvalidPhone(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_e164(text: str) -> bool:
    """'+46701234567' is; 'whatsapp:+46...', '72345', 'BANKID', '0701234567' are not."""
    return bool(_E164.fullmatch(text))


def mask_address(address: str, limit: int = 32) -> str:
    """Any sender address masked for storage and logs, at most `limit` characters:
    '+46701234512' -> '+46 70 *** ** 12', 'whatsapp:+46701234512' -> 'whatsapp:+46 70 *** ** 12',
    'BANKID' -> '***'."""
    prefix, colon, rest = address.rpartition(":")
    if colon and _CHANNEL_PREFIX.fullmatch(prefix):
        return (prefix + colon + mask(rest))[:limit]
    return mask(address)[:limit]


def mask(e164: str) -> str:
    """'+46701234512' -> '+46 70 *** ** 12': enough to tell numbers apart in a log."""
    try:
        number = phonenumbers.parse(e164, None)
        country, national = number.country_code, str(number.national_number)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", e164)
        return f"+{digits[:2]} *** ** {digits[-2:]}" if len(digits) > 4 else "***"
    return f"+{country} {national[:2]} *** ** {national[-2:]}"


def _mask_found(found: str) -> str:
    digits = re.sub(r"\D", "", found.replace("%2B", "+").replace("%2b", "+"))
    if found.startswith(("+", "%2")):
        return mask("+" + digits)
    if digits.startswith("00"):
        return mask("+" + digits[2:])
    return f"{digits[:3]} *** ** {digits[-2:]}"  # national: 070 *** ** 67


def mask_in_text(text: str) -> str:
    """Every phone number in `text` masked, in whatever format it was written."""
    return _PHONE_IN_TEXT.sub(lambda m: _mask_found(m.group(0)), text)
