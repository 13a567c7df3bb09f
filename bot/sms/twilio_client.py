"""Our Twilio client: the official library, async, with a timeout that works.

twilio-python's `AsyncTwilioHttpClient` keeps `timeout=` but never uses it (issue
#925): it hands the per-call timeout, which is always None, to aiohttp, and
aiohttp reads `timeout=None` as "no limit at all", so a hung Twilio hangs a send
for ever. The subclass passes the client's timeout instead; aiohttp turns a
number into `ClientTimeout(total=...)`, which bounds connecting, waiting for the
answer and reading its body together.
"""

from __future__ import annotations

import asyncio
import base64

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client


def basic_auth_header(login: str, password: str) -> str:
    # aiohttp 3.14 deprecates BasicAuth and `auth=`; older versions lack encode_basic_auth.
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode("ascii")


class TimeoutAsyncTwilioHttpClient(AsyncTwilioHttpClient):
    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if auth is not None:
            # The same header aiohttp would build, without its deprecation warning.
            headers = {**(headers or {}), "Authorization": basic_auth_header(*auth)}
        return await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=None,
            timeout=timeout if timeout is not None else self.timeout,  # the #925 fix
            allow_redirects=allow_redirects,
        )


def make_twilio_client(
    account_sid: str, auth_token: str, *, base_url: str | None = None, timeout: float = 10.0
) -> Client:
    """An async Twilio client; `base_url` points the Messages API elsewhere (our stand-in).

    Call it inside the running loop: the aiohttp session is created here and
    belongs to that loop.
    """
    asyncio.get_running_loop()  # fail clearly rather than bind a session to no loop
    client = Client(
        account_sid, auth_token, http_client=TimeoutAsyncTwilioHttpClient(timeout=timeout)
    )
    if base_url:
        # Domain.absolute_url joins base_url.strip("/") + "/" + "2010-04-01/...", so a
        # path prefix such as ".../_standin/twilio" is kept.
        client.api.base_url = base_url.rstrip("/")
        # TWILIO_REGION / TWILIO_EDGE in the environment would rewrite the host
        # (ClientBase.get_hostname): "127.0.0.1" would become "127.ie1.0.1".
        client.region = None
        client.edge = None
    return client


async def close_twilio_client(client: Client) -> None:
    """Closes the aiohttp session, so no "Unclosed client session" at exit."""
    http_client = client.http_client
    if isinstance(http_client, AsyncTwilioHttpClient):
        await http_client.close()
