"""Production settings refuse the embedded defaults and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "SECRET_KEY": "test-only-k3y-9f8e7d6c5b4a3210-qwertyuiop-asdfghjkl-zxcvbnm-0192837465",
    "ALLOWED_HOSTS": "egalite.example",
    "CSRF_TRUSTED_ORIGINS": "https://egalite.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://user:pass@smtp.egalite.example:587",
}


def check(extra_env: dict, *args) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in GOOD and k not in ("DEBUG", "WEBSOCKET_ALLOWED_ORIGINS")
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.production", **extra_env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checks():
    result = check(GOOD, "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_production_refuses_to_start_without_each_required_variable(missing):
    env = {k: v for k, v in GOOD.items() if k != missing}
    result = check(env)
    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": "embedded-mode-insecure-key-do-not-use-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "PostgreSQL"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"WEBSOCKET_ALLOWED_ORIGINS": "*"}, "WEBSOCKET_ALLOWED_ORIGINS"),
        ({"EMAIL_URL": "consolemail://"}, "EMAIL_URL"),
    ],
)
def test_production_refuses_insecure_values(override, message):
    result = check({**GOOD, **override})
    assert result.returncode != 0
    assert message in result.stderr


def test_websocket_origins_are_an_explicit_list_not_a_wildcard():
    from django.conf import settings

    assert settings.WEBSOCKET_ALLOWED_ORIGINS
    assert "*" not in settings.WEBSOCKET_ALLOWED_ORIGINS
