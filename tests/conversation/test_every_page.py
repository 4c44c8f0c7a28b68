"""Every sample page answers a question for each of its sections, over REST."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from common.settings import Settings
from knowledge.loader import load_knowledge
from serving.processes import BotServers
from tests.conftest import PAGES
from tests.support.rest import Conversation

#: One plain question per section; {name} is the page's everyday name.
QUESTIONS = {
    "summary": "what is a {name}?",
    "purpose": "why would someone need a {name}?",
    "indications": "who should have a {name}?",
    "preparation": "how do i get ready for my {name}?",
    "procedure_description": "what happens during a {name}?",
    "duration": "how long does a {name} take?",
    "setting": "where is a {name} done?",
    "personnel": "who does the {name}?",
    "risks_and_complications": "what are the risks of a {name}?",
    "benefits": "what are the benefits of a {name}?",
    "recovery": "what is recovery like after a {name}?",
    "alternatives": "are there alternatives to a {name}?",
    "patient_experience": "does a {name} hurt?",
    "similar_codes": "what procedures are related to a {name}?",
}
#: "Why would someone need it?" asks the reasons a person needs it, which the indications list as well.
ALSO_RIGHT = {"purpose": {"indications"}}


@pytest.mark.slow  # over two hundred questions
def test_each_section_of_each_page_answers_its_question(servers: BotServers, bot_settings: Settings) -> None:
    kb = load_knowledge(PAGES)
    cases = [
        (page.cpt, section, QUESTIONS[section].format(name=re.sub(r"\s*\(.*?\)", "", page.short_name).lower()))
        for page in kb
        for section, passages in page.sections.items()
        if passages
    ]

    def ask(case: tuple[str, str, str]) -> tuple[str, str, str, object, object]:
        cpt, section, question = case
        patient = Conversation(bot_settings)
        patient.talk(question)
        slots = patient.slots()
        return cpt, section, question, slots["procedure"], slots["answer_section"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(ask, cases))
    # Never a wrong page or section; a question the models are unsure of may get "did you mean" instead.
    wrong = [
        r
        for r in results
        if r[4] is not None and (r[3] != r[0] or (r[4] != r[1] and r[4] not in ALSO_RIGHT.get(r[1], set())))
    ]
    unanswered = [r for r in results if r[4] is None]
    assert len(cases) >= 16 * 13
    assert wrong == [], "\n".join(map(str, wrong))
    assert len(unanswered) <= 0.05 * len(cases), unanswered
