"""Property tests (hypothesis) of the message handler's checks and of the page parser: no servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.guard import RateLimiter, RequestRejectedError, clean_message, log_id, parse_request
from knowledge.parser import parse_page_with_problems

LIMIT = 1000


@given(st.text(max_size=3000))
def test_clean_message_is_storable_printable_and_short(text: str) -> None:
    cleaned = clean_message(text, LIMIT)
    assert len(cleaned) <= LIMIT
    cleaned.encode("utf-8")  # no lone surrogates: PostgreSQL and SQLite can store it
    assert "\x00" not in cleaned
    assert not any(ord(c) < 32 and c not in "\n\t" for c in cleaned)
    assert cleaned == cleaned.strip()
    assert clean_message(cleaned, LIMIT) == cleaned


def test_clean_message_keeps_ordinary_text() -> None:
    assert clean_message("  does it hurt? 😟 ", LIMIT) == "does it hurt? 😟"
    assert clean_message("a" * 20_000, LIMIT) == "a" * LIMIT


@given(st.binary(max_size=2000), st.sampled_from(["application/json", "text/plain", "", "application/json; x=y"]))
def test_parse_request_accepts_or_rejects_with_a_4xx(body: bytes, content_type: str) -> None:
    try:
        payload = parse_request(content_type, body)
    except RequestRejectedError as rejected:
        assert 400 <= rejected.status < 500
        return
    assert isinstance(payload["sender"], str) and payload["sender"].strip()
    assert isinstance(payload["message"], str)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@given(st.dictionaries(st.sampled_from(["sender", "message", "metadata", "stream"]) | st.text(max_size=5), json_values))
def test_parse_request_on_any_json_object(payload: dict[str, object]) -> None:
    try:
        parsed = parse_request("application/json", json.dumps(payload).encode())
    except RequestRejectedError as rejected:
        assert rejected.status == 400
        return
    assert parsed["sender"] == payload["sender"] and parsed["message"] == payload["message"]


def test_rate_limit_counts_each_sender_alone() -> None:
    now = [0.0]
    limiter = RateLimiter(3, 60.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")
    now[0] = 60.0
    assert limiter.allow("a")


def test_log_ids_are_keyed_hashes() -> None:
    assert log_id("patient-1", "k") == log_id("patient-1", "k")
    assert log_id("patient-1", "k") != log_id("patient-1", "other key")
    assert "patient-1" not in log_id("patient-1", "k")


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=3000))
def test_page_parser_never_raises_on_any_text(tmp_path: Path, text: str) -> None:
    page = tmp_path / "12345-fuzz.txt"
    page.write_text(text, encoding="utf-8", errors="surrogatepass")
    parsed, problems = parse_page_with_problems(page)
    assert parsed is not None or any(p.severity == "error" for p in problems)


headings = st.sampled_from(
    ["Summary", "Purpose", "Preparation", "Duration", "Risks and Complications", "## Recovery", "CPT4 code", "---"]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(headings, st.text(max_size=80), st.just("- a bullet"), st.just("cpt: 45378")), max_size=40))
def test_page_parser_never_raises_on_page_like_text(tmp_path: Path, lines: list[str]) -> None:
    page = tmp_path / "45378-fuzz.txt"
    page.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    parse_page_with_problems(page)


@pytest.mark.parametrize("data", [b"\xff\xfe\x00garbage", b"\x00" * 100, b""])
def test_page_parser_reports_binary_files(tmp_path: Path, data: bytes) -> None:
    page = tmp_path / "12345-binary.txt"
    page.write_bytes(data)
    parse_page_with_problems(page)
