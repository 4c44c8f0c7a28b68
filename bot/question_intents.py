"""Each question of a long or several-question message, classified on its own.

The intent classifier was trained on single questions. Given a paragraph of
history that ends in "how long does it take?", it often hears the story
("out_of_scope", "ask_personal_advice") instead of the question; given "how
long is it and can I drive after?", it hears one of the two. So, when a
message's questions are not simply the whole message (:func:`common.questions.asks_apart`),
the Rasa server classifies each question apart, in the same NLU graph, and
records them in the parse data as ``questions``: ``[{"text", "intent",
"confidence"}, ...]``. The action server answers each from its own intent
(actions/questions.py).

When the message as a whole was heard as no question at all (out of scope, too
unsure, a procedure's name, advice about the patient's own health) and its
first question is clearly a question, the message's intent becomes that
question's (not a later one's: a story of symptoms often ends in a general
question, and the whole message is then a personal case); the whole
message's is kept as ``message_intent``. Emergencies, other languages and
privacy requests are never replaced. Free of Rasa: the
patch in :mod:`bot.rasa_patches` runs the graph.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

from common.questions import MESSAGE_INTENT_KEY, QUESTION_SURE, QUESTIONS_KEY, SENTENCES_KEY, asks_apart, find_questions

#: Whole-message intents that a clearly asked question replaces.
REPLACEABLE = frozenset({"out_of_scope", "nlu_fallback", "inform_procedure", "ask_personal_advice"})
#: Intents that are not a question, so never replace the message's intent.
NOT_QUESTIONS = frozenset(
    {
        "out_of_scope",
        "nlu_fallback",
        "inform_procedure",
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "ask_more",
        "emergency",
        "other_language",
    }
)


def questions_to_classify(parse_data: Dict[str, Any]) -> Tuple[str, ...]:
    """The questions to classify apart, or none when the message is one plain question."""
    text = str(parse_data.get("text") or "")
    if not text.strip():
        return ()
    spans = [
        (int(span[0]), int(span[1]))
        for span in parse_data.get(SENTENCES_KEY) or ()
        if isinstance(span, (list, tuple)) and len(span) == 2
    ]
    questions = find_questions(text, spans)
    return questions if asks_apart(text, questions) else ()


def attach(parse_data: Dict[str, Any], classified: Sequence[Tuple[str, str, float]]) -> Dict[str, Any]:
    """Record each question's intent; let a clear first question speak for a message heard as none."""
    if not classified:
        return parse_data
    parse_data[QUESTIONS_KEY] = [
        {"text": text, "intent": intent, "confidence": round(float(confidence), 4)}
        for text, intent, confidence in classified
    ]
    whole = (parse_data.get("intent") or {}).get("name")
    _, intent, confidence = classified[0]
    if whole in REPLACEABLE and intent not in NOT_QUESTIONS and confidence >= QUESTION_SURE:
        parse_data[MESSAGE_INTENT_KEY] = parse_data.get("intent")
        parse_data["intent"] = {"name": intent, "confidence": float(confidence)}
        ranking: List[Dict[str, Any]] = [r for r in parse_data.get("intent_ranking") or () if r.get("name") != intent]
        parse_data["intent_ranking"] = [dict(parse_data["intent"]), *ranking]
    return parse_data
