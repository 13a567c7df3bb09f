"""Every answer of the web server carries the dashboard's security headers: pages, the
JSON API, the webhooks, the participant page, and aiohttp's own 404, 405 and 413."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.process import FlerpartProcess
from bot.web import info_routes
from bot.web.security_headers import BASELINE
from flows.core.clock import clock
from flows.staff import web_auth
from flows.staff.api_tokens import create_token
from tests.conftest import local_process
from tests.factories import convenor, meeting_with_attendees, page_token


@pytest.fixture
async def process(tmp_path) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path) as running:
        yield running


def assert_secure(response: aiohttp.ClientResponse, where: str) -> None:
    missing = [name for name in BASELINE if name not in response.headers]
    assert not missing, f"{where}: {response.status} lacks {missing}"
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["Referrer-Policy"] == "no-referrer", where
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, where


async def test_every_route_and_every_error_page_carries_the_security_headers(process):
    staff = await convenor(501, "Nord")
    meeting = await meeting_with_attendees(clock.now() + timedelta(days=3), staff)
    info = await page_token(meeting)
    login = await web_auth.create_login_link(staff, clock.now())
    api_token, _ = await create_token("Nord")
    bearer = {"Authorization": f"Bearer {api_token}"}
    requests: list[tuple[str, str, dict, int]] = [
        ("GET", "/healthz", {}, 200),
        ("GET", "/api/openapi.json", {}, 200),
        ("GET", "/api/meetings", {}, 401),
        ("GET", "/api/meetings", {"headers": bearer}, 200),
        ("POST", "/api/meetings", {"headers": bearer, "data": b"not json"}, 400),
        ("GET", "/api/meetings/999999", {"headers": bearer}, 404),
        ("GET", "/api/no/such/route", {}, 404),
        ("GET", f"/i/{info}", {}, 200),
        ("GET", f"/i/{info}.ics", {}, 200),
        ("GET", "/i/" + "A" * 32, {}, 404),
        ("GET", "/dashboard", {}, 401),
        ("GET", f"/dashboard/login/{login}", {}, 200),
        ("POST", f"/dashboard/login/{login}", {"data": {"csrf": "x"}}, 403),
        ("POST", "/twilio/sms", {"data": {"From": "+46701740605"}}, 403),  # unsigned
        ("GET", "/sim", {}, 200),
        # aiohttp's own answers
        ("GET", "/no/such/page", {}, 404),
        ("GET", "/twilio/sms", {}, 405),
        ("PUT", "/healthz", {}, 405),
        ("POST", "/twilio/status", {"data": {"Body": "x" * (300 * 1024)}}, 413),
    ]
    async with aiohttp.ClientSession(base_url=process.local_url) as http:
        for method, path, options, status in requests:
            where = f"{method} {path}"
            async with http.request(method, path, allow_redirects=False, **options) as response:
                assert response.status == status, where
                assert_secure(response, where)
                if path.startswith("/api") or response.status >= 400:
                    assert response.headers["Cache-Control"] == "no-store", where


async def test_a_page_keeps_its_own_policy(process):
    """The baseline fills in; it does not replace what a page needs (the simulator's
    script, the dashboard's forms)."""
    async with aiohttp.ClientSession(base_url=process.local_url) as http:
        async with http.get("/sim") as response:
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        async with http.get("/sim/sim.js") as response:
            assert response.headers["Cache-Control"] == "no-cache"
            assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_unexpected_error_answer_carries_them_too(process, monkeypatch):
    async def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(info_routes, "info_for", broken)
    async with (
        aiohttp.ClientSession(base_url=process.local_url) as http,
        http.get("/i/" + "A" * 32) as response,
    ):
        assert response.status == 500
        assert_secure(response, "a 500")
        assert response.headers["Cache-Control"] == "no-store"
