"""The coordinator dashboard over HTTP, on both databases: login by one-time link,
sessions and CSRF, what each page shows, scoping, escaping and the CSV exports."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.process import FlerpartProcess
from bot.web.dashboard_auth import LOGIN_COOKIE, SESSION_COOKIE
from flows.core.clock import clock
from flows.staff import web_auth
from storage.record_models import AuditEvent, WebSession
from tests.conftest import local_process
from tests.dashboard_seed import PHONE, World, logged_in, login_form_value, seed

PHONE_DIGITS = re.compile(r"0701740|46701740")


@pytest.fixture
async def process(tmp_path, database_env) -> AsyncIterator[FlerpartProcess]:
    async with local_process(tmp_path, **database_env) as running:
        yield running


@pytest.fixture
async def world(process) -> World:
    return await seed()


async def get(http: aiohttp.ClientSession, path: str) -> tuple[int, str]:
    async with http.get(path, allow_redirects=False) as response:
        return response.status, await response.text()


async def test_a_login_link_opens_a_session_once_with_a_safe_cookie(process, world):
    token = await web_auth.create_login_link(world.cora, clock.now())
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=process.local_url, cookie_jar=jar) as http:
        async with http.get(f"/dashboard/login/{token}?lang=en") as response:
            html = await response.text()
            assert response.status == 200 and 'id="login"' in html
            pre_session = response.cookies[LOGIN_COOKIE]
        assert await WebSession.all().count() == 0  # looking at the link spends nothing
        # The form carries the pre-session value, not the link's token.
        assert f'name="csrf" value="{pre_session.value}"' in html and pre_session.value != token
        assert pre_session["httponly"] and pre_session["samesite"] == "Strict"
        assert pre_session["path"] == "/dashboard/login"
        async with http.post(
            f"/dashboard/login/{token}", data={"csrf": pre_session.value}, allow_redirects=False
        ) as response:
            assert response.status == 303 and response.headers["Location"] == "/dashboard"
            cookie = response.cookies[SESSION_COOKIE].OutputString()
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
        assert "Max-Age=28800" in cookie
        status, html = await get(http, "/dashboard?lang=en")
        assert status == 200 and "Needs attention" in html
    async with aiohttp.ClientSession(base_url=process.local_url) as again:
        nonce = web_auth.new_login_nonce()  # a valid pair, but the link is spent
        async with again.post(
            f"/dashboard/login/{token}",
            data={"csrf": nonce},
            headers={"Cookie": f"{LOGIN_COOKIE}={nonce}"},
        ) as response:
            assert response.status == 410  # single use
    session = await WebSession.get(staff_user=world.cora)
    assert token not in session.token_hash and len(session.token_hash) == 64


async def test_a_login_link_expires_after_ten_minutes(process, world):
    token = await web_auth.create_login_link(world.cora, clock.now())
    clock.advance(timedelta(minutes=10, seconds=1))
    async with aiohttp.ClientSession(base_url=process.local_url) as http:
        assert (await get(http, f"/dashboard/login/{token}"))[0] == 410
        nonce = web_auth.new_login_nonce()
        async with http.post(
            f"/dashboard/login/{token}",
            data={"csrf": nonce},
            headers={"Cookie": f"{LOGIN_COOKIE}={nonce}"},
        ) as response:
            assert response.status == 410


async def test_another_site_cannot_log_a_browser_in_with_its_own_link(process, world):
    """Login CSRF: the attacker holds a valid link of their own and makes the victim's
    browser post it. Without the victim's pre-session cookie, nothing happens."""
    attacker_token = await web_auth.create_login_link(world.karin, clock.now())
    victim = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=process.local_url, cookie_jar=victim) as http:
        # What main accepted: the link's token as the form's value, no cookie.
        for forged in ({"csrf": attacker_token}, {}, {"csrf": ""}):
            async with http.post(
                f"/dashboard/login/{attacker_token}", data=forged, allow_redirects=False
            ) as response:
                assert response.status == 403
                assert SESSION_COOKIE not in response.cookies
        # The victim's own pre-session cookie (from opening some login page) does not
        # help a form whose value the attacker had to guess.
        own = await web_auth.create_login_link(world.cora, clock.now())
        await login_form_value(http, f"/dashboard/login/{own}")
        async with http.post(
            f"/dashboard/login/{attacker_token}",
            data={"csrf": web_auth.new_login_nonce()},
            allow_redirects=False,
        ) as response:
            assert response.status == 403
    assert await WebSession.all().count() == 0
    assert await web_auth.link_is_usable(attacker_token, clock.now())  # nothing spent


async def test_two_login_tabs_do_not_undo_each_other(process, world):
    first = await web_auth.create_login_link(world.cora, clock.now())
    second = await web_auth.create_login_link(world.cora, clock.now())
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(base_url=process.local_url, cookie_jar=jar) as http:
        value = await login_form_value(http, f"/dashboard/login/{first}")
        assert await login_form_value(http, f"/dashboard/login/{second}") == value
        async with http.post(
            f"/dashboard/login/{first}", data={"csrf": value}, allow_redirects=False
        ) as response:
            assert response.status == 303


async def test_a_session_ends_after_eight_idle_hours(process, world):
    http = await logged_in(process, world.cora)
    async with http:
        clock.advance(timedelta(hours=7, minutes=59))
        assert (await get(http, "/dashboard"))[0] == 200  # a request keeps it alive
        clock.advance(timedelta(hours=8, seconds=1))
        assert (await get(http, "/dashboard"))[0] == 401


async def test_logout_needs_the_csrf_token(process, world):
    http = await logged_in(process, world.cora)
    async with http:
        _, html = await get(http, "/dashboard/meetings")
        csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
        async with http.post("/dashboard/logout", data={"csrf": "forged"}) as response:
            assert response.status == 403
        assert (await get(http, "/dashboard"))[0] == 200
        async with http.post(
            "/dashboard/logout", data={"csrf": csrf}, allow_redirects=False
        ) as response:
            assert response.status == 303
        assert (await get(http, "/dashboard"))[0] == 401


async def test_every_form_carries_the_csrf_token(process, world):
    http = await logged_in(process, world.ada)
    async with http:
        for path in ("/dashboard", "/dashboard/meetings", "/dashboard/survey"):
            _, html = await get(http, path)
            forms = re.findall(r"<form\b.*?</form>", html, flags=re.S)
            assert forms and all('name="csrf"' in form for form in forms), path


async def test_attention_lists_each_concern_of_the_team(process, world):
    http = await logged_in(process, world.cora)
    async with http:
        status, html = await get(http, "/dashboard?lang=en")
    assert status == 200
    for concern in (
        "info_failed",
        "not_confirmed",
        "feedback_overdue",
        "actions_overdue",
        "next_unknown",
    ):
        assert f'id="concern-{concern}"' in html, concern
    assert "1 meeting: the information did not reach someone" in html
    assert f"/dashboard/meetings/{world.upcoming.id}" in html
    assert f"/dashboard/meetings/{world.south.id}" not in html


async def test_a_coordinator_of_another_team_sees_nothing_wrong(process, world):
    http = await logged_in(process, world.syd)
    async with http:
        _, html = await get(http, "/dashboard?lang=en")
    assert 'id="all-well"' in html


async def test_the_meeting_timeline_shows_messages_and_actions_without_phone_numbers(
    process, world
):
    http = await logged_in(process, world.cora)
    async with http:
        status, html = await get(http, f"/dashboard/meetings/{world.upcoming.id}?lang=en")
        assert status == 200
        assert "Information" in html and "failed (21211)" in html
        assert "Amina (the person in focus)" in html
        assert not PHONE_DIGITS.search(html)
        _, held = await get(http, f"/dashboard/meetings/{world.held.id}?lang=en")
        assert "Book the SIP" in held and 'class="problem"' in held
    assert await AuditEvent.filter(action="view", object_id=str(world.held.id)).exists()


async def test_a_convenor_cannot_open_another_convenors_meeting(process, world):
    http = await logged_in(process, world.karin)
    async with http:
        assert (await get(http, f"/dashboard/meetings/{world.upcoming.id}"))[0] == 200
        assert (await get(http, f"/dashboard/meetings/{world.other.id}"))[0] == 404
        assert (await get(http, f"/dashboard/meetings/{world.south.id}"))[0] == 404
        _, listing = await get(http, "/dashboard/meetings")
        # The convenor filter is ignored for a convenor: still only her own.
        _, forced = await get(http, f"/dashboard/meetings?convenor={world.olle.id}")
    for html in (listing, forced):
        assert f"/dashboard/meetings/{world.upcoming.id}" in html
        assert f"/dashboard/meetings/{world.other.id}" not in html


async def test_the_meetings_list_filters_by_convenor_and_status(process, world):
    http = await logged_in(process, world.cora)
    async with http:
        _, everything = await get(http, "/dashboard/meetings")
        _, olles = await get(http, f"/dashboard/meetings?convenor={world.olle.id}")
        _, held = await get(http, "/dashboard/meetings?status=held")
        bad = await get(http, "/dashboard/meetings?status=nonsense")
    ids = lambda html: set(re.findall(r"/dashboard/meetings/(\d+)", html))  # noqa: E731
    nord = {str(m.id) for m in (world.upcoming, world.held, world.other)}
    assert ids(everything) == nord
    assert ids(olles) == {str(world.other.id)}
    assert ids(held) == {str(world.held.id)}
    assert bad[0] == 400


async def test_names_are_escaped(process):
    world = await seed(karin_name="<script>alert(1)</script>")
    http = await logged_in(process, world.cora)
    async with http:
        _, html = await get(http, "/dashboard/meetings")
        _, attention = await get(http, "/dashboard")
    for page in (html, attention):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_the_survey_page_draws_charts_rate_and_funnel(process, world):
    http = await logged_in(process, world.cora)
    async with http:
        status, html = await get(http, "/dashboard/survey?lang=en")
    assert status == 200
    assert html.count("<svg") == 5  # three questions, the response rate, the funnel
    assert "Response rate: 1 of 1 surveys answered" in html
    assert "Survey answered: 1" in html


async def test_the_meetings_csv_has_the_follow_up_status_of_the_scope_only(process, world):
    http = await logged_in(process, world.karin)
    async with http, http.get("/dashboard/export/meetings.csv") as response:
        assert response.headers["Content-Disposition"].startswith("attachment")
        text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["meeting_id"] for row in rows} == {str(world.upcoming.id), str(world.held.id)}
    upcoming = next(r for r in rows if r["meeting_id"] == str(world.upcoming.id))
    assert (upcoming["info_failed"], upcoming["people"], upcoming["confirmed"]) == ("1", "1", "0")
    assert await AuditEvent.filter(action="export", object_type="meetings_csv").exists()


async def test_the_answers_csv_has_no_names_or_numbers(process, world):
    http = await logged_in(process, world.cora)
    async with http, http.get("/dashboard/export/answers.csv?from=2027-01-01") as response:
        text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(r["question"], r["value"]) for r in rows} == {
        ("knew_why", "1"),
        ("could_say", "4"),
        ("next_known", "0"),
    }
    assert {r["respondent"] for r in rows} == {"1"}
    assert "Amina" not in text and PHONE not in text and not PHONE_DIGITS.search(text)
