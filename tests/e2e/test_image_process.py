"""The image's entrypoint and health command as plain processes, configured the way
compose.yaml configures them, on PostgreSQL, in polling and in webhook mode."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from bot.services.status import scrape
from tests.conftest import Database, _postgres
from tests.e2e.botapi import BotAPIServer
from tests.unit.test_deploy import compose, dockerfile_instruction, health_command

BIN = Path(sys.executable).parent
SECRET = "s3cret-token_for-webhook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest_asyncio.fixture
async def pg_db() -> AsyncIterator[Database]:
    async for database in _postgres():
        yield database


def image_env(
    service: str, db: Database, server: BotAPIServer, metrics_port: int
) -> dict[str, str]:
    """The environment compose.yaml gives ``service``, pointed at the test's servers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAIKHANA_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # `chaikhana` as in the image
    env.update({k: str(v) for k, v in compose()["services"][service]["environment"].items()})
    env.update(
        CHAIKHANA_DATABASE__URL=db.url,
        CHAIKHANA_METRICS__PORT=str(metrics_port),
        CHAIKHANA_TELEGRAM__TOKEN=server.token,
        CHAIKHANA_TELEGRAM__BASE_URL=server.base_url,
        CHAIKHANA_TELEGRAM__BASE_FILE_URL=server.base_file_url,
        CHAIKHANA_TELEGRAM__POLL_TIMEOUT="1",
        CHAIKHANA_INGEST__POLL="false",
        CHAIKHANA_DIGESTS__PLAN_INTERVAL="1",
        CHAIKHANA_METRICS__REFRESH="0.5",
        CHAIKHANA_LOGGING__LEVEL="INFO",
    )
    return env


async def health(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run the image's health command once; return its exit status and what it said."""
    proc = await asyncio.create_subprocess_exec(
        *json.loads(health_command()),
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def until_healthy(env: dict[str, str], cwd: Path, wait: float = 90) -> None:
    deadline = time.monotonic() + wait
    while True:
        status, said = await health(env, cwd)
        if status == 0:
            assert said.strip() == "ready"
            return
        assert time.monotonic() < deadline, said
        await asyncio.sleep(0.5)


@pytest.mark.postgres
@pytest.mark.parametrize("service", ["bot", "webhook"])
async def test_the_entrypoint_serves_metrics_and_passes_its_health_check(
    service: str, pg_db: Database, tmp_path: Path
) -> None:
    metrics_port = free_port()
    async with BotAPIServer() as server:
        env = image_env(service, pg_db, server, metrics_port)
        if service == "webhook":
            hook_port = free_port()
            env.update(
                CHAIKHANA_TELEGRAM__WEBHOOK_URL=f"http://127.0.0.1:{hook_port}/telegram",
                CHAIKHANA_TELEGRAM__WEBHOOK_LISTEN="127.0.0.1",
                CHAIKHANA_TELEGRAM__WEBHOOK_PORT=str(hook_port),
                CHAIKHANA_TELEGRAM__WEBHOOK_SECRET=SECRET,
            )
        assert (await health(env, tmp_path))[0] == 1  # nothing runs yet: unhealthy
        entrypoint = json.loads(dockerfile_instruction("ENTRYPOINT"))
        cmd = json.loads(dockerfile_instruction("CMD"))
        bot = await asyncio.create_subprocess_exec(
            *entrypoint,
            *cmd,
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await until_healthy(env, tmp_path)
            chat, user = server.private_chat(4343), server.user(4343, "tg")
            server.add_chat(chat)
            if service == "webhook":
                [hook] = server.calls_to("setWebhook")
                assert hook.params["url"] == env["CHAIKHANA_TELEGRAM__WEBHOOK_URL"]
                update = {
                    "update_id": 1,
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()),
                        "chat": chat,
                        "from": user,
                        "text": "/country Тоҷикистон",
                        "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
                    },
                }
                async with httpx.AsyncClient() as client:
                    refused = await client.post(hook.params["url"], json=update)
                    assert refused.status_code == 403  # no secret, no update
                    posted = await client.post(
                        hook.params["url"],
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    )
                    assert posted.status_code == 200
            else:
                server.push_text(chat, user, "/country Тоҷикистон")
            await server.wait_sent(4343, wait=30)
            await asyncio.sleep(0.3)
            scraped = await scrape(f"http://127.0.0.1:{metrics_port}")
            assert scraped.ready
            assert scraped.total("chaikhana_commands_total", command="country") == 1
            assert scraped.total("chaikhana_reply_duration_seconds_count", command="country") == 1
        finally:
            bot.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(bot.communicate(), 30)
        assert bot.returncode == 0, err.decode()[-2000:]
        assert "Traceback" not in err.decode()
        status, said = await health(env, tmp_path)
        assert status == 1 and "no answer" in said  # stopped: unhealthy again
