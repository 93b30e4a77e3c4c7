"""The image and the deployment, checked with Docker's own Dockerfile parser (no engine runs
on these machines) and a YAML parser."""

from pathlib import Path

import dockerfile
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[dockerfile.Command]:
    return list(dockerfile.parse_file(str(ROOT / "Dockerfile")))


def _index(commands: list[dockerfile.Command], kind: str, needle: str) -> int:
    return next(n for n, c in enumerate(commands) if c.cmd == kind and needle in " ".join(c.value))


def test_the_image_is_slim_installs_the_lock_before_the_code_and_runs_unprivileged() -> None:
    commands = _instructions()
    assert commands[0].cmd == "FROM"
    assert commands[0].value[0].startswith("python:3.11-slim")
    lock, install, code = (
        _index(commands, "COPY", "requirements.lock"),
        _index(commands, "RUN", "pip install -r requirements.lock"),
        _index(commands, "COPY", "app"),
    )
    assert lock < install < code  # a code change reuses the dependency layer
    user = _index(commands, "USER", "inventory")
    assert user > install
    assert [c.value[0] for c in commands if c.cmd == "USER"] == ["inventory"]
    for command in commands:
        if command.cmd == "COPY":
            for source in command.value[:-1]:
                assert (ROOT / source).exists(), source


def test_the_image_checks_liveness_stops_gracefully_and_starts_through_the_entrypoint() -> None:
    commands = {c.cmd: c for c in _instructions()}
    assert "/health/live" in commands["HEALTHCHECK"].original
    assert commands["STOPSIGNAL"].value == ("SIGTERM",)
    assert commands["ENTRYPOINT"].value == ("/app/scripts/entrypoint.sh",)
    assert commands["EXPOSE"].value == ("8000",)
    # The README's run command starts the service through the very same script.
    assert "scripts/entrypoint.sh" in (ROOT / "scripts" / "serve").read_text()


def test_compose_migrates_once_then_starts_the_service_on_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "app"}
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    app = services["app"]
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert app["environment"]["INVENTORY_MIGRATE"] == "false"
    url = app["environment"]["INVENTORY_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://")
    assert "@db:5432/" in url
    assert services["migrate"]["environment"]["INVENTORY_DATABASE_URL"] == url
    assert "healthcheck" in services["db"]
