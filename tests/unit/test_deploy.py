"""compose.yaml, .env.example and the Dockerfile, checked without a Docker daemon.

The Compose file is validated against the Compose Specification's JSON schema as
check-jsonschema vendors it (check_jsonschema/builtin_schemas/vendor/compose-spec.json,
from github.com/compose-spec/compose-spec).
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from bot.config import Config

ROOT = Path(__file__).parents[2]


@cache
def schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    return json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def compose() -> dict[str, Any]:
    return YAML(typ="safe").load((ROOT / "compose.yaml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.validators.validator_for(schema())(schema())
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def dockerfile_instruction(name: str) -> str:
    """Return the argument text of the last ``name`` instruction of the run stage."""
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    found = [line.split(None, 1)[1] for line in lines if line.startswith(f"{name} ")]
    assert found, f"Dockerfile has no {name}"
    return found[-1]


def test_compose_file_validates_against_the_compose_specification() -> None:
    assert errors(compose()) == []


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param(
            ("services", "bot", "depends_on", "db", "condition"), "healthy", id="condition"
        ),
        pytest.param(("services", "db", "volumes"), "pgdata", id="volumes-not-a-list"),
        pytest.param(("services", "bot", "restart_policy"), "always", id="unknown-key"),
    ],
)
def test_the_schema_check_catches_a_broken_file(path: tuple[str, ...], value: str) -> None:
    broken = copy.deepcopy(compose())
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert errors(broken) != []


def test_compose_runs_the_bot_on_a_healthy_postgres_with_a_named_volume() -> None:
    doc = compose()
    db, bot, webhook = (doc["services"][n] for n in ("db", "bot", "webhook"))
    assert db["image"].startswith("postgres:")
    [volume] = db["volumes"]
    assert volume.split(":")[0] in doc["volumes"]  # named, so it outlives the container
    assert "pg_isready" in db["healthcheck"]["test"][-1]
    for service in (bot, webhook):
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["env_file"] == ".env"
        assert service["environment"]["CHAIKHANA_DATABASE__URL"].startswith("postgresql://")
        assert service["healthcheck"]["test"] == ["CMD", *json.loads(health_command())]
    assert any(p.endswith(":9464") for p in bot["ports"])  # the scraper's port
    assert bot["profiles"] == ["polling"] and webhook["profiles"] == ["webhook"]
    assert webhook["environment"]["CHAIKHANA_TELEGRAM__MODE"] == "webhook"
    assert "replicas" in webhook["deploy"]  # several instances


def health_command() -> str:
    text = dockerfile_instruction("HEALTHCHECK")
    return text[text.index("CMD") + 3 :].strip()


def test_every_variable_compose_requires_is_in_the_committed_example() -> None:
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    required = set(re.findall(r"(?<!\$)\$\{(\w+):\?", text))
    example = env_example()
    assert required and required <= set(example), required - set(example)
    assert example["COMPOSE_PROFILES"] == "polling"  # plain `docker compose up` runs a bot


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_the_example_env_file_is_a_valid_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAIKHANA_CONFIG", raising=False)
    monkeypatch.chdir(ROOT / "tests")  # no config.toml here
    for key, value in env_example().items():
        if key.startswith("CHAIKHANA_") and key.count("__") == 1:
            monkeypatch.setenv(key, value)
    cfg = Config()
    assert cfg.telegram.admins == [] and cfg.logging.level == "INFO"
    with pytest.raises(Exception, match=r"telegram\.token"):
        cfg.require_token()  # the placeholder is refused at start-up, naming the key


def test_the_image_runs_chaikhana_and_checks_its_health_with_it() -> None:
    assert json.loads(dockerfile_instruction("ENTRYPOINT")) == ["chaikhana"]
    assert json.loads(dockerfile_instruction("CMD")) == ["run"]
    assert shlex.split(dockerfile_instruction("HEALTHCHECK"))[-1] != ""
    assert json.loads(health_command()) == ["chaikhana-health"]
