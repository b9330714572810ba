"""Production settings refuse to start without their secrets and pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")


def production_env(tmp_path, **overrides):
    """A clean copy of the environment with the production settings and all four variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in REQUIRED and not key.startswith(("DJANGO_", "SECURE_", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY="prod-" + "k9Qz7xWm3Lp2Vn8Rt5Yb1Hc6Jd4Fg0Ts" * 2,
        ALLOWED_HOSTS="behovsinventering.example.se",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", REQUIRED)
def test_a_missing_variable_stops_start_up_naming_it(tmp_path, missing):
    result = manage(production_env(tmp_path, **{missing: None}), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"need these environment variables: {missing}" in result.stderr


def test_an_empty_secret_key_counts_as_missing(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY="  "), "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_with_all_four_variables_the_deploy_checks_pass(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_shares_the_rate_limit_counters_in_redis(tmp_path):
    env = production_env(tmp_path, CACHE_URL=None)
    result = manage(env, "shell", "-c", "from django.conf import settings; print(settings.CACHES)")
    assert result.returncode == 0, result.stderr
    assert "RedisCache" in result.stdout
    assert "127.0.0.1:6379" in result.stdout


def test_production_refuses_a_cache_of_its_own_process(tmp_path):
    result = manage(production_env(tmp_path, CACHE_URL="locmemcache://"), "check")
    assert result.returncode != 0
    assert "CACHE_URL" in result.stderr
