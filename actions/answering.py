"""Retrieve and compose: what the bot says, once the models have read a message and the table has decided.

The flow of a turn is read (:mod:`actions.reader`), decide
(:mod:`actions.decide`), then this module: the page (named, else the
conversation's, else the one the reader clearly recognises; a page named by a
word the rest of the message contradicts is asked about), the section's
best passages (:class:`Retriever`), and the reply. It knows nothing of Rasa
or of models: :mod:`actions.actions` gives it what NLU found in the message
(:class:`Request`), what the conversation knows (:class:`Context`), and the
:class:`~actions.decide.Decision`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from actions.decide import ANSWER, DECLINE, DEFAULT_THRESHOLDS, EMERGENCY, FOLLOW_UP, HAND_OFF, NARROW, Decision
from actions.dialogue import Button, Context, Request, Turn, Utterance, intent_payload
from actions.reader import Reading
from actions.replies import combine, format_passages
from actions.retriever import Retriever
from knowledge.index import Hit
from knowledge.intents import INTENT_SECTIONS
from knowledge.model import Passage
from knowledge.sections import SECTION_TITLES

__all__ = ["Answerer", "Button", "Context", "Request", "Retriever", "Turn", "Utterance", "intent_payload"]

#: The question intent of each section (for "did you mean" buttons and follow-ups).
SECTION_INTENTS = {section: intent for intent, section in INTENT_SECTIONS.items()}
#: At most this many passages in one answer; the rest is offered as a follow-up.
MAX_PASSAGES = 3
#: Passages this close to the best one are part of the answer too.
SCORE_MARGIN = 0.08
#: Sections this short are given whole.
WHOLE_SECTION = 2
#: What a patient is offered after a procedure is chosen without a question.
SUGGESTED_INTENTS = ("ask_preparation", "ask_duration", "ask_patient_experience", "ask_recovery", "ask_risks")
SUGGESTION_TITLES = {
    "ask_preparation": "How do I prepare?",
    "ask_duration": "How long does it take?",
    "ask_patient_experience": "Does it hurt?",
    "ask_recovery": "What about afterwards?",
    "ask_risks": "What are the risks?",
}
#: The hand-offs after which the page's general facts are offered.
PERSONAL_RESPONSES = ("utter_handoff_results", "utter_handoff_personal", "utter_handoff_symptoms")
#: The care team's results line, and the question it answers, remembered for a follow-up ("and for the echo?").
RESULTS_LINE = "utter_handoff_results"
RESULTS_QUESTION = "ask_results"


#: Rasa's small-talk intents and their replies (data/rules/small_talk.yml sends them here to be read first).
SMALL_TALK_RESPONSES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "bot_challenge": "utter_iamabot",
}


class Answerer:
    """Composes each turn of a question-answering conversation from a decision."""

    def __init__(
        self,
        retriever: Retriever,
        passage_threshold: float = 0.0,
        procedure_threshold: float = DEFAULT_THRESHOLDS["procedure"],
        reread: Callable[[str], Reading] | None = None,
        page_doubt: float = DEFAULT_THRESHOLDS["page_doubt"],
    ) -> None:
        self._kb = retriever
        self._passage_threshold = passage_threshold
        self._procedure_threshold = procedure_threshold
        #: Below this probability of the one page named, the page head's sure guess of another page asks which.
        self._page_doubt = page_doubt
        #: Reads a text with the models (the message without its family words); none: a family word always asks.
        self._reread = reread

    def respond(self, request: Request, context: Context, reading: Reading, decision: Decision) -> Turn:
        """The bot's turn for a request in a context, as decided."""
        self._kb.remember(reading.vectors)
        turn = self._compose(request, context, reading, decision)
        if turn.last_question is None:
            turn = replace(turn, last_question=context.last_question)
        return turn

    def _compose(self, request: Request, context: Context, reading: Reading, decision: Decision) -> Turn:
        if decision.reply == EMERGENCY:
            response = "utter_emergency_es" if request.language == "es" else "utter_emergency"
            return Turn((Utterance(response),), context.procedure)
        # Small talk gets its reply, and "yes", "no", "tell me more" answer the bot's last offer, unless the models
        # read a question in the message ("Right, and does the MRI hurt?") that they answer or hand off.
        if decision.reply not in {ANSWER, HAND_OFF}:
            if request.intent in SMALL_TALK_RESPONSES:
                return Turn((Utterance(SMALL_TALK_RESPONSES[request.intent]),), context.procedure)
            if request.intent in {"ask_more", "affirm"} and context.more_section and context.procedure:
                return self._more(context.procedure, context.more_section, context.shown)
            if request.intent in {"ask_more", "affirm", "deny"}:
                return Turn((Utterance("utter_anything_else"),), context.procedure)
        named = [code for code in request.procedures if self._kb.procedure_name(code)]
        procedure = self._procedure(named, context, reading)
        if decision.reply == HAND_OFF and decision.response:
            turn = self._hand_off(decision.response, procedure)
            # "And for the treadmill test?" after a question about results: the results line again, of that page.
            return replace(turn, last_question=RESULTS_QUESTION) if decision.response == RESULTS_LINE else turn
        # The patient answers the bot's "which procedure?" with a name (Rasa: inform_procedure): the question
        # waiting for it is answered, not one the models read into the name alone ("it's the echo": what it is).
        if request.intent == "inform_procedure" and context.pending_question and named:
            return self._name_alone(request, context, named)
        # "And for the brain MRI?" after a question (decide's row 2): that question, of the page named.
        if decision.reply == FOLLOW_UP:
            # "And the nuclear one?": no name the matcher knows, so the page head's guess when it is sure enough.
            guess = None if named else self._guess(reading)
            return self._name_alone(request, context, named or ([guess] if guess else []))
        if decision.reply == ANSWER:
            return self._answer_decided(request, context, reading, decision, named, procedure)
        if request.intent == "inform_procedure":
            return self._name_alone(request, context, named)
        if decision.reply == NARROW:
            return self._offer_sections(decision.sections, procedure)
        if decision.reply == DECLINE and (reading.kind == "out_of_scope" or request.intent == "out_of_scope"):
            return Turn((Utterance("utter_out_of_scope"),), procedure)
        return Turn((Utterance("utter_default"),), procedure)

    def _procedure(self, named: Sequence[str], context: Context, reading: Reading) -> str | None:
        """The page named (the likeliest of several), else the conversation's, else the reader's clear guess."""
        if len(named) == 1:
            return named[0]
        if named:
            code, _ = reading.procedure(among=named)
            return code or named[-1]
        if context.procedure:
            return context.procedure
        return self._guess(reading)

    def _guess(self, reading: Reading, among: Sequence[str] = ()) -> str | None:
        """The reader's likeliest page, when it is sure enough (and one of ``among``, when given); else none."""
        code, probability = reading.procedure()
        if code and self._kb.procedure_name(code) and probability >= self._procedure_threshold:
            return code if not among or code in among else None
        return None

    def _doubted(self, named: Sequence[str], reading: Reading) -> str | None:
        """Another page the whole message describes, when the one name the matcher found is the odd word out.

        The names matcher takes a word as the page ("the squeeze xray for my boobs" names the chest X-ray); the
        page head reads the whole message. When the head gives the named page less than ``page_doubt`` and is as
        sure of another page as it must be to guess one for a message that names none, the patient is asked which
        of the two they mean rather than answered from a page they may not have meant. ``page_doubt`` is chosen on
        the validation writers (``tools/train_reader.py``): at most one in 200 of their questions that name their
        page is asked this way.
        """
        if len(named) != 1 or self._page_doubt <= 0:
            return None
        code, probability = reading.procedure()
        if code is None or code == named[0] or not self._kb.procedure_name(code):
            return None
        if probability >= self._procedure_threshold and reading.procedures.get(named[0], 0.0) < self._page_doubt:
            return code
        return None

    def _settled_by_the_rest(self, request: Request, choices: tuple[str, ...]) -> str | None:
        """A family word's page ("scope") when the rest of the message, read without it, tells which.

        The page head reads the message with the family words left out ("how long is the down the throat?"): if
        its likeliest page is one of the word's pages, at the threshold at which it guesses a page for a message
        that names none, that page is the one meant. Read with the word in, the head is sure of a bare "ultrasound"
        too, because of which page the corpus's writers happened to mean by it; the patient's booking may be the
        other. A name the pages declare as shared ("stress test") always asks.
        """
        if self._reread is None or choices not in request.family or not request.family_spans:
            return None
        rest = request.without_family_words()
        return self._guess(self._reread(rest), among=choices) if rest else None

    def _answer_decided(
        self,
        request: Request,
        context: Context,
        reading: Reading,
        decision: Decision,
        named: Sequence[str],
        procedure: str | None,
    ) -> Turn:
        question = SECTION_INTENTS.get(decision.sections[0])
        # A name several pages share ("stress test") asks which, unless the conversation is about one of them; so
        # does a family word ("scope"), unless the rest of the message tells which ("the scope down the throat").
        if not named and request.ambiguous and context.procedure not in request.ambiguous[-1]:
            settled = self._settled_by_the_rest(request, request.ambiguous[-1])
            if settled is None:
                return self._ask_which(request.ambiguous[-1], question, context.procedure)
            procedure = settled
        if not named and request.related and context.procedure not in request.related[0][1]:
            return self._offer_related(request.related[0], question, context.procedure)
        if procedure is None:
            return self._ask_which(tuple(code for code, _ in self._kb.procedures()), question, None)
        described = self._doubted(named, reading)
        if described is not None:
            return self._ask_which((named[0], described), question, context.procedure)
        texts = {guess.section: guess.text for guess in reading.sections if guess.text}
        turns = [self.answer(procedure, s, texts.get(s) or request.text) for s in decision.sections]
        turn = turns[0] if len(turns) == 1 else combine(turns, procedure)
        return replace(turn, last_question=question)

    def _name_alone(self, request: Request, context: Context, named: Sequence[str]) -> Turn:
        """A procedure's name with no question the models were sure of: the waiting question, or what it is."""
        if not named and request.related:
            return self._offer_related(request.related[0], context.pending_question, context.procedure)
        if not named:
            choices = request.ambiguous[-1] if request.ambiguous else tuple(c for c, _ in self._kb.procedures())
            return self._ask_which(choices, context.pending_question, context.procedure)
        # The question waiting for a procedure, else the last one asked ("and for the MRI?").
        question = context.pending_question or context.last_question
        if question == RESULTS_QUESTION:
            return replace(self._hand_off(RESULTS_LINE, named[-1]), last_question=question)
        if question in INTENT_SECTIONS:
            text = context.pending_text if context.pending_question else request.text
            return replace(self.answer(named[-1], INTENT_SECTIONS[question], text), last_question=question)
        return self._introduce(named[-1])

    def _hand_off(self, response: str, procedure: str | None) -> Turn:
        """Who can answer, and for a personal question the page's general facts if the patient wants them."""
        utterances = [Utterance(response)]
        name = self._kb.procedure_name(procedure) if procedure else None
        if response in PERSONAL_RESPONSES and procedure and name:
            button = Button(f"General facts about the {name}", intent_payload("ask_summary", procedure))
            utterances.append(Utterance("utter_offer_general", {"procedure_name": name}, (button,)))
        return Turn(tuple(utterances), procedure)

    def _offer_sections(self, sections: Sequence[str], procedure: str | None) -> Turn:
        """Offer two sections as "did you mean" (nothing answered yet)."""
        buttons = tuple(
            Button(SECTION_TITLES[section], intent_payload(SECTION_INTENTS[section], procedure))
            for section in sections
            if section in SECTION_INTENTS
        )
        return Turn(
            (Utterance("utter_did_you_mean", {}, (*buttons, Button("Something else", "/out_of_scope"))),), procedure
        )

    def answer(self, procedure: str, section: str, question: str) -> Turn:
        """Answer from one section of a procedure's page with its best-matching passages."""
        name = self._kb.procedure_name(procedure) or procedure
        passages = self._kb.section(procedure, section)
        if not passages:
            values = {"procedure_name": name, "topic": SECTION_TITLES[section].lower()}
            return Turn((Utterance("utter_no_section_info", values),), procedure)
        hits = self._kb.rank(question, procedure, section) if question and self._ranked(passages) else []
        if self._passage_threshold > 0 and hits and hits[0].score < self._passage_threshold:
            values = {"procedure_name": name, "topic": SECTION_TITLES[section].lower()}
            return Turn((Utterance("utter_not_sure", values),), procedure)
        chosen = self._choose(passages, hits)
        return self._reply(procedure, section, chosen, passages, hits)

    def _ranked(self, passages: Sequence[Passage]) -> bool:
        """Whether a section's passages are ranked: a short one is given whole, its question not embedded."""
        return len(passages) > WHOLE_SECTION or self._passage_threshold > 0

    def _choose(self, passages: tuple[Passage, ...], hits: list[Hit]) -> list[Passage]:
        if len(passages) <= WHOLE_SECTION or not hits:
            return list(passages)
        best = hits[0].score
        chosen = [h.passage for h in hits[:MAX_PASSAGES] if h.score >= best - SCORE_MARGIN]
        return sorted(chosen, key=lambda p: p.position)

    def _reply(
        self,
        procedure: str,
        section: str,
        chosen: Sequence[Passage],
        passages: Sequence[Passage],
        hits: Sequence[Hit],
        already_shown: tuple[int, ...] = (),
    ) -> Turn:
        shown = tuple(sorted({*already_shown, *(p.position for p in chosen)}))
        remaining = len(passages) - len(shown)
        name = self._kb.procedure_name(procedure) or procedure
        values = {
            "procedure_name": name,
            "section_title": SECTION_TITLES[section],
            "answer": format_passages(chosen),
        }
        if remaining > 0:
            utterance = Utterance("utter_answer_with_more", values, (Button("Tell me more", "/ask_more"),))
        else:
            utterance = Utterance("utter_answer", values)
        chosen_ids = {p.position for p in chosen}
        return Turn(
            (utterance,),
            procedure,
            answer_section=section,
            answer_sections=(section,),
            more_section=section if remaining > 0 else None,
            shown=shown if remaining > 0 else (),
            passages=tuple(h for h in hits if h.passage.position in chosen_ids),
        )

    def _more(self, procedure: str, section: str, shown: tuple[int, ...]) -> Turn:
        passages = self._kb.section(procedure, section)
        rest = [p for p in passages if p.position not in shown]
        if not rest:
            return Turn((Utterance("utter_anything_else"),), procedure)
        return self._reply(procedure, section, rest, passages, [], already_shown=shown)

    def _ask_which(self, choices: Sequence[str], question: str | None, procedure: str | None) -> Turn:
        buttons = tuple(
            Button(self._kb.procedure_name(code) or code, intent_payload("inform_procedure", code)) for code in choices
        )
        response = "utter_ask_which_of" if len(choices) < len(self._kb.procedures()) else "utter_ask_which_procedure"
        return Turn((Utterance(response, {}, buttons),), procedure, pending_question=question)

    def _offer_related(self, related: tuple[str, tuple[str, ...]], question: str | None, procedure: str | None) -> Turn:
        """A procedure we have no page for, but that pages list as similar: offer those pages."""
        code, pages = related
        pages = tuple(p for p in pages if self._kb.procedure_name(p))
        name = next((n for n in (self._kb.similar_name(p, code) for p in pages) if n), code)
        buttons = tuple(Button(self._kb.procedure_name(p) or p, intent_payload("inform_procedure", p)) for p in pages)
        values = {"related_name": f"{name} ({code})"}
        return Turn((Utterance("utter_related_offer", values, buttons),), procedure, pending_question=question)

    def _introduce(self, procedure: str) -> Turn:
        """A procedure named without a question: what it is, and what to ask next."""
        buttons = tuple(Button(SUGGESTION_TITLES[i], intent_payload(i)) for i in SUGGESTED_INTENTS)
        name = self._kb.procedure_name(procedure) or procedure
        passages = self._kb.section(procedure, "summary")
        if not passages:
            return Turn((Utterance("utter_what_else", {"procedure_name": name}, buttons),), procedure)
        values = {"procedure_name": name, "answer": format_passages(passages)}
        return Turn(
            (Utterance("utter_introduce", values, buttons),),
            procedure,
            answer_section="summary",
            answer_sections=("summary",),
        )
