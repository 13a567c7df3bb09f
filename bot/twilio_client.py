"""Our Twilio client: the official library, async, with a timeout that works.

twilio-python ignores `AsyncTwilioHttpClient(timeout=...)` (issue #925), so a
hung Twilio would hang a send for ever. The subclass below bounds every request,
and sends the credentials as a header rather than through aiohttp's deprecated
`auth=` parameter.
"""

from __future__ import annotations

import asyncio
import base64

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client


def basic_auth_header(login: str, password: str) -> str:
    # aiohttp 3.14 deprecates BasicAuth; older versions lack encode_basic_auth.
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
            # aiohttp 3.14 deprecates `auth=`; the same header, set by us, is not.
            headers = {**(headers or {}), "Authorization": basic_auth_header(*auth)}
        async with asyncio.timeout(timeout or self.timeout):
            return await super().request(
                method, url, params, data, headers, None, None, allow_redirects
            )


def make_twilio_client(
    account_sid: str, auth_token: str, *, base_url: str | None = None, timeout: float = 10.0
) -> Client:
    """Call inside the running loop (aiohttp's session needs it)."""
    client = Client(
        account_sid, auth_token, http_client=TimeoutAsyncTwilioHttpClient(timeout=timeout)
    )
    if base_url:
        client.api.base_url = base_url.rstrip("/")
    return client


async def close_twilio_client(client: Client) -> None:
    await client.http_client.close()  # type: ignore[attr-defined]
