"""How the servers are started from the settings: shared by ``make run`` and the container images.

``serving/processes.py`` (``make run``, the tests, the benchmark) and the
images' entry points (``bot/container.py`` for the Rasa server and the purge,
``serving/container.py`` for the action server and the website) take from here
the variables that ``endpoints.yml`` names, the Rasa server's command-line
options, and the refusal of the development secrets beyond loopback, so that a
container starts its server exactly as ``make run`` does. Standard library only:
both runtimes import it.
"""

from __future__ import annotations

from pathlib import Path

from common.settings import Settings, is_loopback


def development_secrets(config: Settings) -> list[str]:
    """The development secrets still in use while the server listens beyond this machine, one line each."""
    if is_loopback(config.bind_host):
        return []
    defaults = Settings()
    return [
        f"{name} is the development default: set a long random value before serving on {config.bind_host}"
        for name, value, default in (
            ("BOT_API_TOKEN", config.bot_api_token, defaults.bot_api_token),
            ("LOG_HASH_KEY", config.log_hash_key, defaults.log_hash_key),
            ("STAFF_SECRET_KEY", config.staff_secret_key, defaults.staff_secret_key),
        )
        if value == default
    ]


def endpoint_env(config: Settings) -> dict[str, str]:
    """The variables ``endpoints.yml`` names, derived from the settings (Rasa refuses to start when one is unset)."""
    lock_store = config.lock_store_parts()
    return {
        "TRACKER_DB_URL": config.tracker_store_url,  # the effective URL: TRACKER_DB's file when unset
        "LOCK_STORE_TYPE": lock_store["type"],
        "LOCK_STORE_HOST": lock_store["host"],
        "LOCK_STORE_PORT": lock_store["port"],
        "LOCK_STORE_DB": lock_store["db"],
        "LOCK_STORE_PASSWORD": lock_store["password"],
    }


def rasa_run_options(config: Settings, model: Path) -> list[str]:
    """``rasa run``'s options for the bot: model, HTTP API with its token, project files, address, CORS."""
    return [
        "--model",
        str(model),
        "--enable-api",
        "--auth-token",
        config.bot_api_token,
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "--interface",
        config.bind_host,
        "--port",
        str(config.rasa_port),
        "--cors",
        *config.allowed_origins,
    ]
