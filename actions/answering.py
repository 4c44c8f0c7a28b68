"""What the bot says to a question: the dialogue logic, free of Rasa and of models.

:class:`Answerer` takes what NLU understood of a turn and what the
conversation already knows, asks a :class:`Retriever` for passages, and
returns a :class:`Turn`: the responses to send and the slots to set. Actions
(:mod:`actions.actions`) only translate between this and Rasa.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import partial

from actions.conditions import CONDITION_SECTIONS, RISKS, safety_section
from actions.dialogue import AskedQuestion, Button, Context, Request, Turn, Utterance, intent_payload
from actions.focus import focus, topic_words
from actions.questions import CLASSIFIER_SURE, MARGIN, SECTION_INTENTS, asks_own_advice, choose, is_short
from actions.reading import PERSONAL_MEDICATION, Reading, asks_if_safe, is_question, read, safety_condition
from actions.replies import combine, format_passages
from actions.retriever import Retriever
from actions.topics import RESULTS_LINE, cued, topic_of
from knowledge.index import Hit
from knowledge.intents import INTENT_SECTIONS
from knowledge.model import Passage
from knowledge.sections import SECTION_TITLES

#: The page's best section settles an unsure message when its intent is among NLU's this many likeliest.
SETTLE_CANDIDATES = 3

__all__ = ["Answerer", "Button", "Context", "Request", "Retriever", "Turn", "Utterance", "intent_payload"]

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


class Answerer:
    """Decides each turn of a question-answering conversation."""

    def __init__(self, retriever: Retriever, passage_threshold: float = 0.0) -> None:
        self._kb = retriever
        self._passage_threshold = passage_threshold

    def respond(self, request: Request, context: Context) -> Turn:
        """The bot's turn for a request in a context."""
        turn = self._decide(request, context)
        if turn.last_question is None:
            turn = replace(turn, last_question=context.last_question)
        return turn

    def _decide(self, request: Request, context: Context) -> Turn:
        named = [code for code in request.procedures if self._kb.procedure_name(code)]
        reading = read(request.text, request.sentences, [q.text for q in request.questions])
        procedure = focus(request, reading, lambda code: bool(self._kb.procedure_name(code))) or context.procedure
        if request.intent in INTENT_SECTIONS and asks_own_advice(request):
            # "Diabetic, they said to fast. How does that work with my insulin?": the question is the patient's own.
            return self._own_medicine_or_case(request, reading, procedure)
        if request.intent in INTENT_SECTIONS or self._asks_about_a_named_page(request, reading, named):
            if reading.personal:
                return self._personal(reading.personal, procedure)
            question = request.intent if request.intent in INTENT_SECTIONS else None
            if not named and request.ambiguous:
                return self._ask_which(request.ambiguous[-1], question, context.procedure)
            if not named and request.related:
                return self._offer_related(request.related[0], question, context.procedure)
            if procedure is None:
                # The semantic fallback: one clear page is answered (its title names it), a few are offered.
                guessed = self._kb.guess_procedures(request.text)
                if len(guessed) != 1:
                    choices = guessed or tuple(code for code, _ in self._kb.procedures())
                    return self._ask_which(choices, question, None)
                procedure = guessed[0]
            if question is None:
                return self._answer_named_page(request, reading, procedure)
            return self._answer_questions(request, reading, procedure)
        if request.intent == "ask_personal_advice":
            return self._own_medicine_or_case(request, reading, procedure)
        if request.intent == "inform_procedure":
            if reading.personal:
                # "MRI showed a lesion in my head?": NLU heard a name, the patient asks about their own images.
                return self._personal(reading.personal, named[-1] if named else context.procedure)
            if not named and request.related:
                return self._offer_related(request.related[0], context.pending_question, context.procedure)
            if not named:
                choices = request.ambiguous[-1] if request.ambiguous else tuple(c for c, _ in self._kb.procedures())
                return self._ask_which(choices, context.pending_question, context.procedure)
            if not context.pending_question and topic_words(request):
                # "colonoscopy sedation": a page's name and a topic, not just the name.
                return self._answer_keywords(request, reading, named[-1])
            # The question waiting for a procedure, else the last one asked ("and for the MRI?").
            question = context.pending_question or context.last_question
            if question in INTENT_SECTIONS:
                text = context.pending_text if context.pending_question else request.text
                return replace(self.answer(named[-1], INTENT_SECTIONS[question], text), last_question=question)
            return self._introduce(named[-1])
        if request.intent in {"ask_more", "affirm"} and context.more_section and context.procedure:
            return self._more(context.procedure, context.more_section, context.shown)
        return Turn((Utterance("utter_anything_else"),), procedure)

    def settle(self, request: Request, context: Context, likeliest: Sequence[str]) -> Turn | None:
        """NLU was unsure of a message naming a page: what the page can settle, else ``None`` (offer choices).

        A personal case is handed off; a safety question with a condition is
        answered from the page's risks; a topic the words name, from that topic
        (:mod:`actions.topics`); otherwise the page's best section answers
        when it leads clearly and its intent is among NLU's ``likeliest``.
        """
        named = [code for code in request.procedures if self._kb.procedure_name(code)]
        if not named:
            return None
        reading = read(request.text, request.sentences, [q.text for q in request.questions])
        procedure = focus(request, reading, lambda code: bool(self._kb.procedure_name(code))) or named[-1]
        if reading.personal:
            return self._personal(reading.personal, procedure)
        if reading.conditions and asks_if_safe(reading.questions[0]):
            return self.respond(replace(request, intent="ask_personal_advice"), context)
        topic = topic_of(reading.questions[0], partial(self._kb.section, procedure), request.procedure_words)
        if topic and topic.section:
            # "can glasses clear a cataract so I skip the operation?": the words name the topic.
            return self.respond(replace(request, intent=SECTION_INTENTS[topic.section], confidence=1.0), context)
        scores = self._kb.section_scores(reading.questions[0], procedure)
        lead = scores[0].score - scores[1].score if len(scores) > 1 else 0.0
        intent = SECTION_INTENTS.get(scores[0].section) if scores else None
        if intent is not None and intent in likeliest and lead >= MARGIN:
            return self.respond(replace(request, intent=intent, confidence=1.0), context)
        return None

    @staticmethod
    def _asks_about_a_named_page(request: Request, reading: Reading, named: Sequence[str]) -> bool:
        """A long message, or a topic and its question, that names a page and asks, though NLU heard only the name."""
        return (
            request.intent == "inform_procedure"
            and bool(named)
            and (bool(request.questions) or not is_short(request.text, reading))
            and any(is_question(q) for q in reading.questions)
        )

    def _answer_questions(self, request: Request, reading: Reading, procedure: str) -> Turn:
        """Answer the message's questions (up to three), or offer two sections when unsure."""
        passages_of = partial(self._kb.section, procedure)
        safety = safety_section(reading, passages_of)
        topics = [topic_of(question, passages_of, request.procedure_words) for question in reading.questions]
        topic = None if safety else topics[0]
        if topic and topic.section is None:
            # "When do MRI results come?" on a page that says nothing of results: the care team's to answer.
            return Turn((Utterance(topic.line or RESULTS_LINE),), procedure)
        named = safety or (topic.section if topic else None)
        if named:
            # "I have a pacemaker, can I have an MRI?": the page's risks, then the care team's line.
            # "How long do the results take?": the page's passage on results (the classifier hears "how long").
            first = AskedQuestion(reading.questions[0], SECTION_INTENTS[named], 1.0)
            request = replace(request, intent=first.intent, confidence=1.0, questions=(first, *request.questions[1:]))
        if len(request.questions) == len(topics) > 1:
            later = [cued(asked, cue) for asked, cue in zip(request.questions[1:], topics[1:], strict=True)]
            request = replace(request, questions=(request.questions[0], *later))
        asked = [(q.intent, q.confidence) for q in request.questions] if request.questions else []
        choice = choose(
            request.intent,
            request.confidence,
            request.text,
            reading,
            lambda question: self._kb.section_scores(question, procedure),
            asked if len(asked) == len(reading.questions) else (),
        )
        if choice.offer:
            return self._offer_sections(choice.offer, procedure)
        if not choice.sections:
            return Turn((Utterance("utter_default"),), procedure)
        short = is_short(request.text, reading)
        texts = [request.text] if short else list(reading.questions)
        if safety:
            # The risks' passages are ranked for the condition too ("pacemaker": the passage on metal and devices).
            texts[0] = " ".join((*reading.conditions, reading.questions[0]))
        if len(choice.sections) > 1:
            parts = texts[: len(choice.sections)]
            sections = choice.sections
            ranked = [q for q, s in zip(parts, sections, strict=False) if self._ranked(self._kb.section(procedure, s))]
            self._kb.prepare(ranked)
        turns = [
            self.answer(procedure, section, texts[min(i, len(texts) - 1)]) for i, section in enumerate(choice.sections)
        ]
        turn = turns[0] if len(turns) == 1 else combine(turns, procedure)
        cues = [topic, *topics[1:]]
        lines = list(
            dict.fromkeys(
                c.line for c in cues if c and c.line and (c.section is None or c.section in turn.answer_sections)
            )
        )
        if (reading.conditions or PERSONAL_MEDICATION.search(request.text)) and turn.answer_section and not lines:
            lines.append("utter_care_team_line")
        turn = replace(turn, utterances=(*turn.utterances, *(Utterance(line) for line in lines)))
        return replace(turn, last_question=SECTION_INTENTS.get(choice.sections[0]))

    def _answer_keywords(self, request: Request, reading: Reading, procedure: str) -> Turn:
        """A page's name with a topic word: the section the knowledge base clearly prefers, else the page's summary.

        A condition as the topic ("mri pregnancy", "ct pacemaker") asks whether it is safe: the page's
        risks, and the line that sends the patient's own case to the care team.
        """
        if safety_condition(" ".join(topic_words(request))) and self._kb.section(procedure, RISKS):
            turn = self.answer(procedure, RISKS, request.text)
            if turn.answer_section:
                utterances = (*turn.utterances, Utterance("utter_care_team_line"))
                return replace(turn, utterances=utterances, last_question=SECTION_INTENTS[RISKS])
        scores = self._kb.section_scores(request.text, procedure)
        if not scores:
            return self._introduce(procedure)
        lead = scores[0].score - scores[1].score if len(scores) > 1 else 0.0
        if lead >= MARGIN:
            if scores[0].section == "summary":
                return self._introduce(procedure)
            return replace(
                self.answer(procedure, scores[0].section, request.text),
                last_question=SECTION_INTENTS.get(scores[0].section),
            )
        return self._introduce(procedure)

    def _answer_named_page(self, request: Request, reading: Reading, procedure: str) -> Turn:
        """A long message NLU heard as a procedure's name: its question, when the page clearly answers it.

        Patients who ask "what is it" at length are answered with the page's summary, as for a name alone.
        A question NLU heard apart and placed ("lung perfusion scans, what are they for") is answered as asked.
        """
        first = request.questions[0] if request.questions else None
        if first and first.intent in INTENT_SECTIONS and first.confidence >= CLASSIFIER_SURE:
            asked = replace(request, intent=first.intent, confidence=first.confidence)
            return self._answer_questions(asked, reading, procedure)
        scores = self._kb.section_scores(reading.questions[0], procedure)
        lead = scores[0].score - scores[1].score if len(scores) > 1 else 0.0
        if scores and scores[0].section != "summary" and lead >= MARGIN:
            intent = SECTION_INTENTS[scores[0].section]
            return self._answer_questions(replace(request, intent=intent, confidence=0.0), reading, procedure)
        return self._introduce(procedure)

    def _own_medicine_or_case(self, request: Request, reading: Reading, procedure: str | None) -> Turn:
        """NLU heard advice about the patient's own health: the page's general answer when there is one.

        "I'm on blood thinners, what do I do before the colonoscopy?" is a general
        question with a personal condition: the preparation section answers it, and
        one line sends the patient's own case to the care team. A question about the
        patient's own case, or one the page does not clearly answer, goes to a clinician.
        """
        mentions_own_medicine = bool(reading.conditions) or bool(PERSONAL_MEDICATION.search(request.text))
        if reading.personal or procedure is None or not mentions_own_medicine:
            return self._personal(reading.personal or "own_case", procedure)
        if reading.conditions and asks_if_safe(reading.questions[0]):
            return self._answer_questions(request, reading, procedure)
        # What a personal condition or medicine changes is how to prepare, the risks and the recovery.
        scored = self._kb.section_scores(reading.questions[0], procedure)
        scores = [s for s in scored if s.section in CONDITION_SECTIONS]
        lead = scores[0].score - scores[1].score if len(scores) > 1 else 0.0
        if not scores or lead < MARGIN / 2:
            return self._personal("own_case", procedure)
        turn = self.answer(procedure, scores[0].section, reading.questions[0])
        if not turn.answer_section:
            return self._personal("own_case", procedure)
        utterances = (*turn.utterances, Utterance("utter_care_team_line"))
        return replace(turn, utterances=utterances, last_question=SECTION_INTENTS.get(scores[0].section))

    def _personal(self, kind: str, procedure: str | None) -> Turn:
        """A question about the patient's own case: who can answer it, and the general page if they want it."""
        response = "utter_handoff_results" if kind == "results" else "utter_handoff_personal"
        utterances = [Utterance(response)]
        name = self._kb.procedure_name(procedure) if procedure else None
        if procedure and name:
            button = Button(f"General facts about the {name}", intent_payload("ask_summary", procedure))
            utterances.append(Utterance("utter_offer_general", {"procedure_name": name}, (button,)))
        return Turn(tuple(utterances), procedure)

    def _offer_sections(self, sections: Sequence[str], procedure: str) -> Turn:
        """Offer two sections as "did you mean" of the procedure's page (nothing answered yet)."""
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
        """Whether a section's passages are ranked: a short one is given whole, its question not embedded.

        Ranking would change nothing, unless a threshold may decline the answer.
        """
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
