"""Reading what a web request carries, defensively: bad input is a clean 4xx.

Every route reads its form, JSON and numbers through here, so no malformed body
(a broken multipart part, an unknown charset, a binary blob, JSON nested ten
thousand deep, a number with five thousand digits) reaches a handler as an
exception. The parsers underneath (aiohttp's multipart reader, `json`) raise many
kinds of exception for bad input, so each is wrapped as a whole.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits only; fits a BIGINT


async def read_form(request: web.Request, *, types: tuple[str, ...] = FORM_TYPES) -> dict[str, str]:
    """The form's text fields (the last of a repeated name). 415 for another content
    type, 400 for a body that does not parse, a file part or a NUL character, 413
    past the app's size limit."""
    if request.content_type not in types:
        raise web.HTTPUnsupportedMediaType(text="expected a form")
    try:
        posted = await request.post()
    except web.HTTPException:
        raise  # 413: too large
    except Exception:  # every parser error is the client's
        raise web.HTTPBadRequest(text="malformed form") from None
    form: dict[str, str] = {}
    for key, value in posted.items():
        if not isinstance(value, str) or "\x00" in key or "\x00" in value:
            raise web.HTTPBadRequest(text="malformed form")
        form[key] = value
    return form


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, or 400 (also for nesting deeper than Python recurses)."""
    try:
        raw = await request.read()
    except web.HTTPException:
        raise
    except Exception:  # a broken or aborted upload
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # also UnicodeDecodeError, huge integers
        raise web.HTTPBadRequest(text="expected a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="expected a JSON object")
    return body


def whole_number(text: str | None) -> int | None:
    """'123' -> 123; None for anything but 1-18 ASCII digits ('²', '١٢٣', 20 digits)."""
    if text is None or not _WHOLE_NUMBER.fullmatch(text):
        return None
    return int(text)
