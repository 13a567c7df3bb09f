"""schemathesis against /api/openapi.json, with a valid token and without one: generated
requests from our own schema, and every answer checked against it. No 500, no answer
the document does not describe, no body that breaks its schema."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from flows.staff.api_tokens import create_token
from tests.conftest import local_process
from tests.dashboard_seed import seed

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
EXAMPLES = os.environ.get("FLERPART_FUZZ_EXAMPLES", "60")


async def _schemathesis(url: str, *headers: str) -> tuple[int, str]:
    args = [str(SCHEMATHESIS), "run", url, "--checks", CHECKS, "--max-examples", EXAMPLES]
    args += ["--generation-deterministic", "--no-color"]
    for header in headers:
        args += ["--header", header]
    child = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    output, _ = await asyncio.wait_for(child.communicate(), timeout=600)
    return child.returncode or 0, output.decode(errors="replace")


@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
async def test_the_api_holds_to_its_own_schema_under_generated_requests(
    tmp_path, database_env, with_token
):
    async with local_process(tmp_path, **database_env) as process:
        await seed()
        token, _ = await create_token("Nord")
        headers = [f"Authorization: Bearer {token}"] if with_token else []
        code, output = await _schemathesis(process.local_url + "/api/openapi.json", *headers)
        assert code == 0, output[-6000:]
