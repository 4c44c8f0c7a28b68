"""The settings table: the environment, .env.example, the children's environment and the hint address."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.paths import ROOT
from common.settings import Settings, load_settings, variable_names
from serving.processes import server_env


def test_defaults_are_safe_for_development() -> None:
    config = load_settings({})
    assert config == Settings()
    assert config.emergency_number == "911"
    assert config.crisis_line == "988"
    assert config.bind_host == "127.0.0.1"
    assert "*" not in config.allowed_origins


def test_environment_overrides_defaults() -> None:
    config = load_settings(
        {
            "CLINIC_PHONE": "555-0199",
            "EMERGENCY_NUMBER": "112",
            "ALLOWED_ORIGINS": "https://clinic.example, https://www.clinic.example",
            "RASA_PORT": "6005",
            "ACTION_PORT": "6055",
        }
    )
    assert config.clinic_phone == "555-0199"
    assert config.response_values()["emergency_number"] == "112"
    assert config.allowed_origins == ("https://clinic.example", "https://www.clinic.example")
    assert config.action_server_url == "http://127.0.0.1:6055/webhook"


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    assert all(len(pair) == 2 for pair in pairs), "every line that is not a comment is KEY=value"
    names = [name.strip() for name, _ in pairs]
    assert len(names) == len(set(names)), "each variable once"
    return {name.strip(): value.strip() for name, value in pairs}


def test_env_example_lists_exactly_the_tables_variables_with_their_defaults() -> None:
    example = env_example()
    assert set(example) == set(Settings().to_env())
    # Read as written, .env.example gives the defaults: each line is what an unset variable means.
    assert load_settings(example) == Settings()
    for name, value in example.items():
        assert load_settings({name: value}) == Settings(), name


def test_every_field_is_a_variable() -> None:
    assert len(variable_names()) == len(fields(Settings)) == len(set(variable_names()))


def test_to_env_reads_back_to_the_same_settings() -> None:
    config = Settings()
    assert load_settings(config.to_env()) == config
    changed = replace(
        config,
        allowed_origins=("https://clinic.example",),
        action_server_url="http://10.0.0.5:8000/webhook",
        knowledge_dir=Path("/srv/pages"),
        question_hints=False,
        question_hint_target="[::1]:5055",
        public_bot_url="https://bot.example.org",
        twilio_keyword_replies=False,
        action_timeout=2.5,
        passage_threshold=0.35,
    )
    assert load_settings(changed.to_env()) == changed


# Values that load_settings can produce: stripped, non-empty text (a blank variable means the default).
words = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1)
ports = st.integers(min_value=1, max_value=65535)
seconds = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
origins = st.lists(st.from_regex(r"https?://[a-z0-9.]{1,20}(:[0-9]{2,5})?", fullmatch=True), min_size=1, max_size=4)
paths = st.from_regex(r"(/[a-zA-Z0-9_.-]{1,12}){1,4}", fullmatch=True).map(Path)
hosts = st.sampled_from(["127.0.0.1", "10.0.0.6", "actions.internal", "[::1]", "[fd00::6]"])


@given(
    clinic_name=words,
    bot_api_token=words,
    rasa_port=ports,
    action_port=ports,
    embed_threads=st.integers(min_value=0, max_value=64),
    passage_threshold=st.floats(min_value=-1, max_value=1, allow_nan=False),
    knowledge_reload_seconds=seconds,
    question_hints=st.booleans(),
    hint_host=hosts,
    hint_port=ports,
    twilio_keyword_replies=st.booleans(),
    allowed_origins=origins,
    sms_db=paths,
    public_bot_url=st.from_regex(r"https://[a-z]{1,10}\.example(/[a-z]{1,5})?", fullmatch=True),
)
def test_to_env_round_trips(
    clinic_name: str,
    bot_api_token: str,
    rasa_port: int,
    action_port: int,
    embed_threads: int,
    passage_threshold: float,
    knowledge_reload_seconds: float,
    question_hints: bool,
    hint_host: str,
    hint_port: int,
    twilio_keyword_replies: bool,
    allowed_origins: list[str],
    sms_db: Path,
    public_bot_url: str,
) -> None:
    config = Settings(
        clinic_name=clinic_name,
        bot_api_token=bot_api_token,
        rasa_port=rasa_port,
        action_port=action_port,
        embed_threads=embed_threads,
        passage_threshold=passage_threshold,
        knowledge_reload_seconds=knowledge_reload_seconds,
        question_hints=question_hints,
        question_hint_target=f"{hint_host}:{hint_port}",
        twilio_keyword_replies=twilio_keyword_replies,
        allowed_origins=tuple(allowed_origins),
        sms_db=sms_db,
        public_bot_url=public_bot_url,
    )
    written = config.to_env()
    assert all(isinstance(value, str) for value in written.values())
    assert load_settings(written) == config


def test_paths_are_relative_to_the_repository() -> None:
    assert load_settings({"SMS_DB": "var/other.sqlite"}).sms_db == ROOT / "var" / "other.sqlite"
    assert load_settings({"KNOWLEDGE_DIR": "/srv/pages"}).knowledge_dir == Path("/srv/pages")


def test_text_is_read_as_today() -> None:
    config = load_settings(
        {
            "CLINIC_NAME": "  Lakeside  ",
            "TWILIO_NUMBER": "   ",
            "PUBLIC_BOT_URL": "https://bot.example.org/",
            "QUESTION_HINTS": "No",
            "TWILIO_KEYWORD_REPLIES": "ON",
            "ACTION_TIMEOUT": "12",
            "ALLOWED_ORIGINS": " https://a.example ,, https://b.example ",
        }
    )
    assert config.clinic_name == "Lakeside"
    assert config.twilio_number == ""
    assert config.public_bot_url == "https://bot.example.org"
    assert config.bot_url == "https://bot.example.org"
    assert config.question_hints is False
    assert config.twilio_keyword_replies is True
    assert config.action_timeout == 12.0
    assert config.allowed_origins == ("https://a.example", "https://b.example")
    assert load_settings(
        {"ACTION_PORT": "6055", "ACTION_SERVER_URL": "http://actions:7000/webhook"}
    ).action_server_url == ("http://actions:7000/webhook")


def test_server_env_passes_every_setting_and_what_endpoints_yml_needs() -> None:
    config = replace(Settings(), bind_host="0.0.0.0", embed_threads=3, passage_threshold=0.4)
    env = server_env(config)
    assert env["BIND_HOST"] == "0.0.0.0"
    assert env["EMBED_THREADS"] == "3"
    assert env["PASSAGE_THRESHOLD"] == "0.4"
    assert set(variable_names()) <= set(env)
    for name in ("TRACKER_DB_URL", "LOCK_STORE_TYPE", "LOCK_STORE_HOST", "LOCK_STORE_PORT", "LOCK_STORE_DB"):
        assert name in env
    assert env["TRACKER_DB_URL"] == config.tracker_store_url
    assert env["PYTHONPATH"] == str(ROOT)
    # What the children read back is what the parent meant (TRACKER_DB_URL: the effective URL).
    assert load_settings(env) == replace(config, tracker_db_url=config.tracker_store_url)


def test_every_variable_that_endpoints_and_credentials_read_is_set() -> None:
    env = server_env(Settings())
    for name in ("endpoints.yml", "credentials.yml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        for variable in re.findall(r"\$\{(\w+)\}", text):
            assert variable in env, f"{name} reads {variable}"


@pytest.mark.parametrize(
    ("variables", "address"),
    [
        # The action server on this machine: its own UDP port, whatever port the URL names (a local proxy).
        ({}, ("127.0.0.1", 5055)),
        ({"ACTION_PORT": "6055"}, ("127.0.0.1", 6055)),
        ({"ACTION_SERVER_URL": "http://127.0.0.1:5056/webhook"}, ("127.0.0.1", 5055)),
        ({"ACTION_SERVER_URL": "http://localhost:5055/webhook"}, ("127.0.0.1", 5055)),
        ({"ACTION_SERVER_URL": "http://127.0.1.1:5055/webhook"}, ("127.0.0.1", 5055)),
        ({"ACTION_SERVER_URL": "http://[::1]:5055/webhook"}, ("127.0.0.1", 5055)),
        # ... listening where BIND_HOST says.
        ({"BIND_HOST": "0.0.0.0"}, ("127.0.0.1", 5055)),
        ({"BIND_HOST": "::"}, ("::1", 5055)),
        ({"BIND_HOST": "::1"}, ("::1", 5055)),
        # A proxy or a load balancer: not an action server's address, so no hints unless named.
        ({"ACTION_SERVER_URL": "http://10.0.0.5:8000/webhook"}, None),
        ({"ACTION_SERVER_URL": "https://actions.example.org/webhook"}, None),
        ({"ACTION_SERVER_URL": "not a url"}, None),
        ({"QUESTION_HINT_ADDRESS": "10.0.0.6:5055"}, ("10.0.0.6", 5055)),
        (
            {"ACTION_SERVER_URL": "http://10.0.0.5:8000/webhook", "QUESTION_HINT_ADDRESS": "10.0.0.6:5055"},
            ("10.0.0.6", 5055),
        ),
        ({"QUESTION_HINT_ADDRESS": "[fd00::6]:5055"}, ("fd00::6", 5055)),
        ({"QUESTION_HINT_ADDRESS": "actions.internal:6000"}, ("actions.internal", 6000)),
    ],
)
def test_the_question_hint_address(variables: dict[str, str], address: tuple[str, int] | None) -> None:
    assert load_settings(variables).question_hint_address == address
    assert load_settings({**variables, "QUESTION_HINTS": "false"}).question_hint_address is None


@pytest.mark.parametrize(
    "address", ["10.0.0.6", "10.0.0.6:", "10.0.0.6:port", "10.0.0.6:0", "::1:5055", "h:1/x", ":5055"]
)
def test_a_malformed_hint_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="QUESTION_HINT_ADDRESS"):
        load_settings({"QUESTION_HINT_ADDRESS": address})
