"""The dashboard's figures, and its grouping of similar unanswered questions."""

from __future__ import annotations

import numpy as np

from serving.staff.dashboard import group_questions
from tests.serving.staff.conftest import Console


def test_similar_questions_form_one_group() -> None:
    vectors = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0], [0.99, 0.14]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = group_questions(["parking?", "where to park", "wifi?", "is parking free"], vectors)
    assert [(g.example, g.size) for g in groups] == [("parking?", 3), ("wifi?", 1)]


def test_the_dashboard_counts_by_day_channel_outcome_and_feedback(console: Console) -> None:
    t = console.tracker
    t.turn("a", "how long", "ask_duration", 0.9, ["utter_answer"], "duration", "45378", channel="socketio")
    t.turn("a", '/feedback{"helpful": true}', "feedback", 1.0, ["utter_feedback_thanks"], channel="socketio")
    t.turn("b", "where do i park my car", "out_of_scope", 0.8, ["utter_out_of_scope"], channel="twilio")
    t.turn("c", "where can i park", "out_of_scope", 0.8, ["utter_out_of_scope"])
    t.turn("d", "chest pain", "emergency", 0.99, ["utter_emergency"])
    session, _ = console.session()
    page = session.get(f"{console.url}/staff/dashboard?days=7", timeout=120)
    assert page.status_code == 200
    text = page.text
    assert "<td>declined</td><td>2</td><td>40.0 %</td>" in text
    assert "<td>emergency</td><td>1</td><td>20.0 %</td>" in text
    assert "Helpful: 1 · not helpful: 0 · 100.0 % helpful" in text
    assert "<td>45378</td><td>2</td>" in text  # the answer and the feedback turn after it
    assert "<strong>2</strong> like" in text  # the two parking questions, grouped
    assert "<svg" in text
