"""Every route of the web app under random and garbage requests: no 5xx, no traceback.

The routes are read from the app's router (sub-apps included), so a new route is
fuzzed without anyone listing it here. Each route gets bodies of every kind
(urlencoded, multipart, malformed multipart, JSON, binary), huge numbers, long
fields, prefixed and odd senders, garbage query strings and path values, each once
without credentials and once with every credential valid at the same time: a
correct Twilio signature over the form, the Telegram secret token, an API token and
a dashboard session with its CSRF token.

The production app is built in-process against the `db` fixture (SQLite and
PostgreSQL); the routes that exist only in local mode (the simulator, the stand-ins)
are fuzzed on a local process. The cases are random but seeded per route (the same
ones each run); set FLERPART_ROUTE_FUZZ_EXAMPLES for more.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram.ext import ApplicationBuilder
from twilio.request_validator import RequestValidator

from bot.config import Settings
from bot.local_mode import LOCAL_BOT_TOKEN, LOCAL_TWILIO_SID, TWILIO_STANDIN_PATH
from bot.services import Services
from bot.sms.twilio_client import basic_auth_header
from bot.web.app import make_web_app
from flows.core.clock import clock
from flows.staff import web_auth
from flows.staff.api_tokens import create_token
from storage.message_models import InboundMessage
from storage.models import StaffRole, StaffUser, Team
from tests.conftest import local_process

EXAMPLES = int(os.environ.get("FLERPART_ROUTE_FUZZ_EXAMPLES", "16"))  # per route and method
PUBLIC = "https://flerpart.example.se"
TWILIO_TOKEN = "f" * 32
TELEGRAM_SECRET = "fuzz-secret-token"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")

# Field and query names the routes read, so the fuzz reaches past "missing field".
FIELDS = [
    "MessageSid",
    "SmsSid",
    "From",
    "To",
    "Body",
    "MessageStatus",
    "ErrorCode",
    "AccountSid",
    "NumMedia",
    "csrf",
    "text",
    "role",
    "data",
    "message_id",
    "update_id",
    "chat_id",
]
QUERY_KEYS = ["o", "lang", "page", "status", "from", "to", "convenor", "team", "sort", "q"]
SENDERS = [
    "+46701740605",
    "whatsapp:+46701234567",
    "messenger:1234567890123456",
    "whatsapp:",
    "sms:+46701740605",
    "tel:+46701740605",
    "72345",
    "BANKID",
    "Telia Info",
    "+",
    "+0000000000000000000000",
    "46701740605",
    "070-174 06 05",
    "",
    "😀" * 30,
    "a" * 300,
]
HUGE_NUMBERS = [
    "99999999999999999999",
    "-1",
    "0",
    "1e308",
    "NaN",
    "²",
    "١٢٣",
    str(2**63),
    str(2**31),
    "9" * 5000,
]
ODD_CHARS = "\x00\r\n\t%&=;\"'<>\\/+:?#\u202e\u200b\ufeffäö😀\U0010ffff"
PATH_VALUES = [
    "1",
    "0",
    "123456789",
    "999999999999999",
    "a",
    "A" * 16,
    "A" * 64,
    "x" * 65,
    "sim.js",
    "sim.css",
    "+46701740605",
    "+467017406051234",
    "SM" + "0" * 32,
    "ä",
    "..",
    "%",
    " ",
    "a;b",
    "nothing/here",
    LOCAL_BOT_TOKEN,
    LOCAL_TWILIO_SID,
]
# What local mode's stand-ins answer to: their token, account and methods.
NAMED_VALUES = {
    "token": [LOCAL_BOT_TOKEN],
    "sid": [LOCAL_TWILIO_SID],
    "method": [
        "sendMessage",
        "getUpdates",
        "editMessageText",
        "answerCallbackQuery",
        "setWebhook",
        "sendDocument",
        "getMe",
        "deleteMessage",
        "editMessageReplyMarkup",
        "setMyCommands",
    ],
}
MALFORMED_MULTIPART = [
    b"--x\r\nContent-Disposition: form-data; name\x00=\r\n\r\n\r\n--x--\r\n",
    b'--x\r\nContent-Disposition: form-data; name="a"\r\nBad Header\r\n\r\n--x--',
    b"--x\r\n\r\n\r\n",
    b'--x\r\nContent-Disposition: form-data; name="a"\r\nContent-Type: text/plain; charset=nope'
    b"\r\n\r\nv\r\n--x--\r\n",
    b'--x\r\nContent-Encoding: gzip\r\nContent-Disposition: form-data; name="a"\r\n\r\nzz\r\n--x--',
]
CONTENT_TYPES = [
    "application/json",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "application/x-www-form-urlencoded; charset=utf-16",
    "text/plain",
    "application/octet-stream",
    "multipart/form-data",
    "multipart/mixed; boundary=x",
    "garbage",
]


def weird_text(rng: random.Random, short: bool = False) -> str:
    pick = rng.randrange(5)
    if pick == 0:
        return "".join(rng.choice(ODD_CHARS) for _ in range(rng.randrange(12)))
    if pick == 1:
        return rng.choice(SENDERS + (HUGE_NUMBERS[:-1] if short else HUGE_NUMBERS))
    if pick == 2:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(30)))
    if pick == 3 and not short:
        return rng.choice("a9ä\x00 ") * rng.choice([65, 300, 1700, 20_000])
    return rng.choice(["", "JA", "NEJ", "STOPP", "1", "/start", "hej"])


def json_value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(8 if depth < 4 else 5)
    if pick == 0:
        return None
    if pick == 1:
        return rng.choice([True, False, 0, -1, 2**31, 2**63, 2**70, -(2**70), 1e308, 0.5])
    if pick in (2, 3, 4):
        return weird_text(rng)
    if pick == 5:
        return [json_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [*FIELDS, "message", "callback_query", "chat", "from", "id", "date", "role"]
    return {
        rng.choice(keys) if rng.random() < 0.7 else weird_text(rng, short=True): json_value(
            rng, depth + 1
        )
        for _ in range(rng.randrange(5))
    }


def telegram_update(rng: random.Random) -> dict[str, Any]:
    update: dict[str, Any] = {"update_id": rng.choice([1, 2**63, -5, "x", 10**30])}
    if rng.random() < 0.7:
        update["message"] = {
            "message_id": rng.choice([1, 2**70, "a"]),
            "date": rng.choice([0, 1_700_000_000, 10**20, -1, "x"]),
            "chat": {"id": rng.choice([1, 2**70]), "type": rng.choice(["private", "x", 5])},
            "text": weird_text(rng),
        }
    if rng.random() < 0.3:
        update["callback_query"] = json_value(rng, 2)
    return update


def twilio_form(rng: random.Random) -> dict[str, str]:
    """What Twilio posts, with one field or another made odd."""
    form = {
        "MessageSid": rng.choice(["SM" + f"{rng.getrandbits(128):032x}", weird_text(rng)]),
        "From": rng.choice([*SENDERS, weird_text(rng)]),
        "To": "+46700000000",
        "Body": weird_text(rng),
        "MessageStatus": rng.choice(["sent", "delivered", "undelivered", "failed", "read"])
        if rng.random() < 0.8
        else weird_text(rng),
    }
    if rng.random() < 0.5:
        form["ErrorCode"] = rng.choice(["30003", "21610", weird_text(rng)])
    return form


def random_form(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.5:
        return twilio_form(rng)
    return {
        rng.choice(FIELDS) if rng.random() < 0.7 else weird_text(rng, short=True): weird_text(rng)
        for _ in range(rng.randrange(7))
    }


@dataclass
class Credentials:
    api_token: str = ""
    session_cookie: str = ""
    csrf: str = ""


@dataclass
class Body:
    kind: str
    form: dict[str, str] = field(default_factory=dict)
    raw: bytes = b""
    content_type: str | None = None


def random_body(rng: random.Random) -> Body:
    pick = rng.randrange(7)
    if pick == 0:
        return Body("none")
    if pick == 1:
        return Body("urlencoded", form=random_form(rng))
    if pick == 2:
        return Body("multipart", form=random_form(rng))
    if pick == 3:
        boundary = rng.choice(["x", "nothing", "", '"', "a" * 100])
        raw = rng.choice([*MALFORMED_MULTIPART, rng.randbytes(rng.randrange(200))])
        return Body("raw", raw=raw, content_type=f"multipart/form-data; boundary={boundary}")
    if pick == 4:
        value = telegram_update(rng) if rng.random() < 0.5 else json_value(rng)
        return Body("raw", raw=json.dumps(value).encode(), content_type="application/json")
    raw = rng.choice(
        [
            rng.randbytes(rng.randrange(300)),
            b"[" * 5000 + b"]" * 5000,
            b'{"update_id": ' + b"9" * 5000 + b"}",
            b"From=whatsapp%3A%2B46701234567&MessageSid=" + b"S" * 100,
            b"%%%&&==\xff\xfe",
        ]
    )
    return Body("raw", raw=raw, content_type=rng.choice([*CONTENT_TYPES, None]))  # type: ignore[list-item]


@dataclass
class Case:
    method: str
    path: str
    query: list[tuple[str, str]]
    body: Body
    authenticated: bool


def _paths(resource: web.AbstractResource, rng: random.Random, count: int) -> list[str]:
    """`count` concrete paths for the resource: its own, or its pattern filled with odd
    values, each variable its own (so `/bot{token}/{method}` can get a real token and
    a real method), the values a variable's name suggests more often."""
    info = resource.get_info()
    if "path" in info:
        return [info["path"]] * count
    pattern: re.Pattern[str] = info["pattern"]
    names = re.findall(r"\{(\w+)\}", info["formatter"])

    def value(name: str) -> str:
        suggested = NAMED_VALUES.get(name)
        return rng.choice(suggested if suggested and rng.random() < 0.7 else PATH_VALUES)

    tries = (info["formatter"].format(**{n: value(n) for n in names}) for _ in range(50 * count))
    paths = [quote(path, safe="/+:@") for path in tries if pattern.fullmatch(path)][:count]
    assert paths, f"no sample value fits {info['formatter']}: add one to PATH_VALUES"
    return paths


def _routes(app: web.Application) -> list[tuple[str, web.AbstractResource]]:
    """(method, resource) for every route, sub-apps' routes included (their resources
    carry the sub-app's prefix already)."""
    found = []
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource):
            found += _routes(resource._app)
            continue
        for route in resource:
            found.append((route.method, resource))
    return found


def _cases(app: web.Application) -> list[Case]:
    cases: list[Case] = []
    for method, resource in _routes(app):
        rng = random.Random(f"{method} {resource.canonical}")  # the same cases each run
        paths = _paths(resource, rng, EXAMPLES)
        for _ in range(EXAMPLES):
            query = [
                (
                    rng.choice(QUERY_KEYS) if rng.random() < 0.8 else weird_text(rng, True),
                    weird_text(rng, True),
                )
                for _ in range(rng.randrange(4))
            ]
            cases.append(
                Case(
                    method=rng.choice(METHODS) if method == "*" else method,
                    path=rng.choice(paths),
                    query=query,
                    body=random_body(rng),
                    authenticated=rng.random() < 0.6,
                )
            )
    # The examples, always: each gave a 500 once.
    sms = {"MessageSid": "SM" + "1" * 32, "From": "+46701740605", "To": "+46700000000"}
    examples = [
        Case(
            "POST",
            "/twilio/sms",
            [],
            Body("urlencoded", {**sms, "From": "whatsapp:+46701234567"}),
            True,
        ),
        Case("POST", "/twilio/sms", [], Body("urlencoded", {**sms, "MessageSid": "S" * 65}), True),
        Case(
            "POST",
            "/twilio/status",
            [("o", "99999999999999999999")],
            Body("urlencoded", {**sms, "MessageStatus": "delivered"}),
            True,
        ),
        Case(
            "POST",
            "/telegram/webhook",
            [],
            Body("raw", raw=b"[1, 2]", content_type="application/json"),
            True,
        ),
    ]
    for path in ("/twilio/sms", "/twilio/status"):
        examples += [
            Case(
                "POST",
                path,
                [],
                Body("raw", raw=raw, content_type="multipart/form-data; boundary=x"),
                False,
            )
            for raw in MALFORMED_MULTIPART
        ]
    routed = {resource.canonical for _, resource in _routes(app)}
    cases += [case for case in examples if case.path in routed]
    # Paths no route has, and methods a route does not allow: clean 404 and 405.
    cases += [
        Case("GET", "/nothing/here", [], Body("none"), False),
        Case("DELETE", "/healthz", [], Body("none"), True),
        Case("POST", "/%ff%00", [], Body("none"), False),
        Case("GET", "/healthz", [("q", "a" * 9000)], Body("none"), False),  # line too long
    ]
    return cases


def _request(case: Case, credentials: Credentials, base: str, twilio_token: str) -> dict[str, Any]:
    query = urlencode(case.query)
    raw_path = case.path + ("?" + query if query else "")
    headers: dict[str, str] = {}
    form = dict(case.body.form)
    if case.authenticated:
        form.setdefault("csrf", credentials.csrf)
        headers["X-Telegram-Bot-Api-Secret-Token"] = TELEGRAM_SECRET
        headers["Authorization"] = f"Bearer {credentials.api_token}"
        if case.path.startswith(TWILIO_STANDIN_PATH):  # the stand-in wants Twilio's own
            headers["Authorization"] = basic_auth_header(LOCAL_TWILIO_SID, twilio_token)
        headers["Cookie"] = f"flerpart_session={credentials.session_cookie}"
        signed = form if case.body.kind in ("urlencoded", "multipart") else {}
        validator = RequestValidator(twilio_token)
        headers["X-Twilio-Signature"] = validator.compute_signature(base + raw_path, signed)
    else:
        headers["X-Twilio-Signature"] = "bm90IGEgc2lnbmF0dXJl"
        headers["Cookie"] = "flerpart_session=guessed"
    request: dict[str, Any] = {"method": case.method, "url": raw_path, "headers": headers}
    if case.body.kind == "urlencoded":
        request["data"] = form
    elif case.body.kind == "multipart":
        data = aiohttp.FormData()
        for key, value in form.items():
            if not (key.isascii() and key.isprintable()):
                continue  # aiohttp's client writes no plain `name=` for these (and asserts)
            data.add_field(key, value, filename="x.txt" if len(value) % 7 == 3 else None)
        request["data"] = data
    elif case.body.kind == "raw":
        request["data"] = case.body.raw
        if case.body.content_type is not None:
            headers["Content-Type"] = case.body.content_type
    return request


def _short(status: int, case: Case) -> str:
    body = case.body
    shown = {k: v[:40] for k, v in body.form.items()} if body.form else body.raw[:60]
    signed = "with credentials" if case.authenticated else "without"
    what = f"{body.kind} {body.content_type} {shown!r}"
    return f"{status} {case.method} {case.path[:60]} {signed}: {what}"


async def _credentials() -> Credentials:
    team = await Team.create(name="Nord")
    staff = await StaffUser.create(
        telegram_user_id=5151, display_name="Fuzz", role=StaffRole.ADMIN, team=team
    )
    link = await web_auth.create_login_link(staff, clock.now())
    opened = await web_auth.redeem(link, clock.now())
    assert opened is not None
    session_token, session = opened
    api_token, _ = await create_token("Nord")
    return Credentials(api_token, session_token, session.csrf_token)


async def _fuzz(
    http: aiohttp.ClientSession | TestClient,
    app: web.Application,
    base: str,
    twilio_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    credentials = await _credentials()
    failures = []
    statuses: dict[int, int] = {}
    unsendable = 0
    for case in _cases(app):
        request = _request(case, credentials, base, twilio_token)
        method, url = request.pop("method"), request.pop("url")
        try:
            async with http.request(method, url, **request, allow_redirects=False) as response:
                await response.read()
                status = response.status
        except aiohttp.ClientResponseError as refused:  # the server refused the request line
            status = refused.status
        except (ValueError, LookupError, TypeError):
            unsendable += 1  # aiohttp itself will not send it (e.g. CR LF in a field name)
            continue
        statuses[status] = statuses.get(status, 0) + 1
        if status >= 500:
            failures.append((status, case))
    tracebacks = [
        r.getMessage() for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()
    ]
    assert not failures, "\n".join(_short(status, case) for status, case in failures[:20])
    # Not vacuous: most cases reached the server, and many got past the checks.
    assert unsendable < 0.1 * sum(statuses.values()), (unsendable, statuses)
    assert statuses.get(200, 0) + statuses.get(204, 0) > 0.1 * sum(statuses.values()), statuses
    assert "Traceback" not in caplog.text, tracebacks[:5]


def production_settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        telegram_bot_token="123456:" + "A" * 35,
        telegram_webhook_secret=TELEGRAM_SECRET,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from="+46700000000",
        public_base_url=PUBLIC,
    )


@pytest.fixture
async def production_app(db) -> AsyncIterator[TestClient]:
    """The app as a fully configured instance serves it: webhook mode, real signatures."""
    settings_ = production_settings(db)
    services = Services(
        settings=settings_,
        twilio_account_sid=settings_.twilio_account_sid or "",
        twilio_auth_token=TWILIO_TOKEN,
        public_url=PUBLIC,
    )
    services.telegram = (
        ApplicationBuilder().token(settings_.telegram_bot_token).updater(None).build()
    )
    app = make_web_app(services)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_no_route_of_the_production_app_answers_garbage_with_a_5xx(production_app, caplog):
    caplog.set_level(logging.INFO)
    routes = {resource.canonical for _, resource in _routes(production_app.app)}
    assert {"/twilio/sms", "/twilio/status", "/telegram/webhook", "/healthz"} <= routes
    await _fuzz(production_app, production_app.app, PUBLIC, TWILIO_TOKEN, caplog)


async def test_no_route_of_local_mode_answers_garbage_with_a_5xx(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    async with (
        local_process(tmp_path) as process,
        aiohttp.ClientSession(base_url=process.local_url) as http,
    ):
        app = process._runner.app  # type: ignore[union-attr]
        services = process.services
        await _fuzz(http, app, services.public_url, services.twilio_auth_token, caplog)


def _signed_sms(form: dict[str, str], path: str = "/twilio/sms") -> dict[str, Any]:
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC + path, form)
    return {"data": form, "headers": {"X-Twilio-Signature": signature}}


@pytest.mark.parametrize(
    ("sender", "answered"),
    [
        ("whatsapp:+46701234567", True),
        ("messenger:1234567890123456", True),
        ("72345", False),  # a short code
        ("BANKID", False),  # an alphanumeric sender
        ("Telia Info", False),
        ("+0000", False),
    ],
)
async def test_senders_that_are_not_phone_numbers_get_the_answer_or_empty_twiml(
    production_app, sender, answered
):
    form = {"MessageSid": "SM" + "2" * 32, "From": sender, "To": "+46700000000", "Body": "hej"}
    async with production_app.post("/twilio/sms", **_signed_sms(form)) as response:
        assert response.status == 200
        twiml = await response.text()
    assert ("<Message>" in twiml) is answered, twiml
    stored = await InboundMessage.get(provider_message_id=form["MessageSid"])
    assert stored.body == "" and stored.handled_as == "unknown_sender"
    assert "1234567" not in stored.sender_masked and len(stored.sender_masked) <= 32


async def test_a_signed_status_report_with_odd_fields_is_taken_or_refused_cleanly(production_app):
    report = {"MessageSid": "SM" + "3" * 32, "MessageStatus": "failed", "ErrorCode": "x" * 40}
    path = "/twilio/status?o=99999999999999999999"
    async with production_app.post(path, **_signed_sms(report, path)) as response:
        assert response.status == 204
    too_long = {**report, "MessageSid": "S" * 65}
    async with production_app.post(path, **_signed_sms(too_long, path)) as response:
        assert response.status == 400
