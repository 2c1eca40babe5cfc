"""`chaikhana run` as a real process: configured from the environment, answering, stopping."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.e2e.botapi import BotAPIServer

SEEDS = sorted((Path(__file__).parents[1] / "fixtures" / "seeds").glob("*.txt"))
CHAIKHANA = str(Path(sys.executable).with_name("chaikhana"))


async def test_chaikhana_run_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAIKHANA_")}
    env["CHAIKHANA_DATABASE__URL"] = f"sqlite:///{tmp_path / 'bot.db'}"
    ingest = await asyncio.create_subprocess_exec(
        CHAIKHANA,
        "ingest",
        *map(str, SEEDS),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(ingest.communicate(), 120)
    assert ingest.returncode == 0, err.decode()

    async with BotAPIServer() as server:
        env.update(
            CHAIKHANA_TELEGRAM__TOKEN=server.token,
            CHAIKHANA_TELEGRAM__BASE_URL=server.base_url,
            CHAIKHANA_TELEGRAM__BASE_FILE_URL=server.base_file_url,
            CHAIKHANA_TELEGRAM__POLL_TIMEOUT="1",
            CHAIKHANA_LOGGING__LEVEL="INFO",
        )
        bot = await asyncio.create_subprocess_exec(
            CHAIKHANA,
            "run",
            env=env,
            cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await server.wait_for(lambda c: c.method == "getUpdates", wait=60)
            chat = server.private_chat(4242)
            user = server.user(4242, "ru")
            server.push_text(chat, user, "/country Казахстан")
            [call] = await server.wait_sent(4242, wait=30)
            text = call.params["text"]
            assert "Казахстан" in text
            assert "Turkistan" in text  # seed 004's story, stored by `chaikhana ingest`
        finally:
            bot.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(bot.communicate(), 30)
    assert bot.returncode == 0, err.decode()[-2000:]
    assert "Traceback" not in err.decode()
    assert "bot stopped" in err.decode()
