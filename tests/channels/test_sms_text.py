"""SMS text rules without servers: markup, splitting, choices, keywords, hashing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from common.sms import (
    PART_LIMIT,
    Keyword,
    choice_lines,
    chosen_index,
    keyword_of,
    plain_text,
    sender_id,
    split_parts,
)
from common.sms_store import SmsStore


def test_markup_is_stripped() -> None:
    text = "**Before:** see [our page](https://x.example/prep) and <b>eat</b> _nothing_ &amp; `drink` water.\n# Note"
    assert plain_text(text) == "Before: see our page (https://x.example/prep) and eat nothing & drink water.\nNote"
    assert plain_text("snake_case_word stays") == "snake_case_word stays"


def test_short_text_is_one_part() -> None:
    assert split_parts("It takes 30 minutes. You can go home after.") == ["It takes 30 minutes. You can go home after."]


def test_long_text_is_cut_at_sentence_ends() -> None:
    sentence = "You should not eat solid food for a whole day before the test, e.g. bread or meat."
    parts = split_parts(" ".join([sentence] * 8))
    assert len(parts) >= 2
    assert all(len(p) <= PART_LIMIT for p in parts)
    assert all(p.endswith("meat.") for p in parts)


def test_a_sentence_longer_than_a_part_is_cut_between_words() -> None:
    parts = split_parts("word " * 200)
    assert all(len(p) <= PART_LIMIT for p in parts)
    assert " ".join(parts).split() == ["word"] * 200


@given(st.text(alphabet=st.sampled_from("ab .!?\n"), max_size=2000))
def test_splitting_keeps_every_word_in_order(text: str) -> None:
    parts = split_parts(text)
    assert all(0 < len(p) <= PART_LIMIT for p in parts)
    assert " ".join(parts).split() == plain_text(text).split()


def test_choices_are_numbered_and_numbers_map_back() -> None:
    assert choice_lines(["Colonoscopy", "Brain MRI"]) == "Reply 1 for Colonoscopy\nReply 2 for Brain MRI"
    assert chosen_index("2", 2) == 1
    assert chosen_index(" 1. ", 2) == 0
    assert chosen_index("3", 2) is None
    assert chosen_index("1 hour?", 2) is None


def test_keywords() -> None:
    assert keyword_of("STOP") is Keyword.STOP
    assert keyword_of("stop.") is Keyword.STOP
    assert keyword_of("Unsubscribe") is Keyword.STOP
    assert keyword_of("start") is Keyword.START
    assert keyword_of("help") is Keyword.HELP
    assert keyword_of("yes") is None
    assert keyword_of("yes", opted_out=True) is Keyword.START
    assert keyword_of("please stop the pain") is None


def test_sender_id_is_a_keyed_hash_of_the_number() -> None:
    sender = sender_id("+1 (555) 010-0123", "key")
    assert sender == sender_id("+15550100123", "key")
    assert sender != sender_id("+15550100123", "other key")
    assert "5550100123" not in sender
    assert sender.startswith("sms-")


def test_store_keeps_opt_outs_and_choices(tmp_path: Path) -> None:
    path = tmp_path / "sms.sqlite"
    store = SmsStore(path)
    store.remember_number("sms-a", "+15550100123")
    store.opt_out("sms-a")
    store.set_choices("sms-a", ["/a", "/b"])
    again = SmsStore(path)  # as after a restart
    assert again.opted_out("sms-a")
    assert again.number("sms-a") == "+15550100123"
    assert again.choices("sms-a") == ["/a", "/b"]
    again.clear_choices("sms-a")
    again.opt_in("sms-a")
    assert not again.opted_out("sms-a")
    assert again.choices("sms-a") == []
    assert path.stat().st_mode & 0o077 == 0
