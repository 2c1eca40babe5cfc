"""Configuration: TOML file, environment overrides, one-line errors naming the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import Config, ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run each test in an empty folder with no CHAIKHANA_* variables."""
    for key in list(os.environ):
        if key.startswith("CHAIKHANA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_no_configuration_means_sqlite_in_the_working_directory() -> None:
    cfg = load_config()
    assert cfg.database.url == "sqlite:///chaikhana.db"
    assert cfg.telegram.mode == "polling"


def test_example_config_is_valid_and_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    cfg = Config()
    for section, model in cfg:
        if isinstance(model, list):  # an array of tables, documented commented out
            assert f"[[{section}]]" in text
            item = type(cfg).model_fields[section].annotation.__args__[0]  # type: ignore[union-attr]
            for key in item.model_fields:
                assert f"\n# {key} = " in text, f"{section}.{key} is not in config.example.toml"
            continue
        assert f"[{section}]" in text
        for key in type(model).model_fields:
            assert f"\n{key} = " in text, f"{section}.{key} is not in config.example.toml"


def test_example_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAIKHANA_CONFIG", str(EXAMPLE))
    cfg = load_config()
    assert cfg.ingest.interval == 900
    with pytest.raises(ConfigError, match=r"^telegram\.token: set a real bot token"):
        cfg.require_token()


def test_config_toml_in_working_directory(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[database]\nurl = "postgresql://u@h/db"\n[telegram]\ntoken = "1:abc"\n', encoding="utf-8"
    )
    cfg = load_config()
    assert cfg.database.url == "postgresql://u@h/db"
    assert cfg.require_token() == "1:abc"


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.toml").write_text("[ingest]\ninterval = 600\n", encoding="utf-8")
    monkeypatch.setenv("CHAIKHANA_INGEST__INTERVAL", "120")
    monkeypatch.setenv("CHAIKHANA_TELEGRAM__TOKEN", "42:xyz")
    monkeypatch.setenv("CHAIKHANA_TELEGRAM__ADMINS", "[1, 2]")
    cfg = load_config()
    assert cfg.ingest.interval == 120
    assert cfg.telegram.token == "42:xyz"
    assert cfg.telegram.admins == [1, 2]


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        pytest.param("[ingest]\ninterval = 5\n", {}, r"^ingest\.interval: ", id="too-small"),
        pytest.param("[ingest]\nintervall = 60\n", {}, r"^ingest\.intervall: ", id="unknown-key"),
        pytest.param("", {"CHAIKHANA_INGEST__PER_HOST": "many"}, r"^ingest\.per_host: ", id="env"),
        pytest.param(
            '[telegram]\nmode = "carrier-pigeon"\n', {}, r"^telegram\.mode: ", id="bad-choice"
        ),
        pytest.param("[database\nurl=", {}, r"config\.toml: ", id="toml-syntax"),
        pytest.param(
            '[[channels]]\nchat = "@kz_tech"\ntimezone = "Asia/Tashkentt"\n',
            {},
            r"^channels\.0\.timezone: unknown IANA time zone 'Asia/Tashkentt'",
            id="channel-timezone",
        ),
        pytest.param(
            '[[channels]]\nchat = "@kz_tech"\n\n[[channels]]\nchat = "@uz_tech"\n'
            'timezone = "Тошкент"\n',
            {},
            r"^channels\.1\.timezone: ",
            id="second-channel-timezone",
        ),
        pytest.param(
            "",
            {"CHAIKHANA_DATABSE__URL": "sqlite:///elsewhere.db"},
            r"^CHAIKHANA_DATABSE__URL: no section \[databse\].*CHAIKHANA_DATABASE__",
            id="env-section-typo",
        ),
        pytest.param(
            "", {"chaikhana_telegramm__token": "42:xyz"}, r"telegramm", id="env-section-lowercase"
        ),
        pytest.param(
            "[ingest]\nbackoff_base = 600\nbackoff_max = 60\n",
            {},
            r"^ingest\.backoff_max: must be at least backoff_base \(600\)",
            id="ingest-backoff",
        ),
        pytest.param(
            "",
            {"CHAIKHANA_DELIVERY__BACKOFF_MAX": "5"},
            r"^delivery\.backoff_max: must be at least backoff_base \(30\)",
            id="delivery-backoff-env",
        ),
        pytest.param(
            "",
            {"CHAIKHANA_TELEGRAM__ADMINS": "[1, 2"},
            r"^CHAIKHANA_TELEGRAM__ADMINS: not valid JSON",
            id="env-admins-broken-json",
        ),
        pytest.param(
            '[database]\nurl = "mysql://u:secret@db/chaikhana"\n',
            {},
            r"^database\.url: not a sqlite:/// or postgresql:// URL: 'db/chaikhana'",
            id="database-url-scheme",
        ),
    ],
)
def test_bad_configuration_names_the_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    toml: str,
    env: dict[str, str],
    message: str,
) -> None:
    (tmp_path / "config.toml").write_text(toml, encoding="utf-8")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message) as info:
        load_config()
    assert "\n" not in str(info.value)
    assert "secret" not in str(info.value)


def test_missing_named_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHAIKHANA_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match=r"^CHAIKHANA_CONFIG: no such file"):
        load_config()
