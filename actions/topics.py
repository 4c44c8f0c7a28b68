"""Questions whose words name their topic, whatever the intent classifier heard.

Some questions share their words with another section's questions, and the
classifier hears those words instead of the topic:

- **Waiting for results.** "How many days until the MRI report is back?"
  asks when the results come, not how long the scan lasts. A page says
  who reads the pictures and how the results reach the patient (in its
  recovery, its procedure description or its personnel); that passage is the
  general answer, and the care team's results line follows. A page that says
  nothing about results hands the question to the care team.
- **Another treatment.** "Can eye drops get rid of a cataract?" asks whether
  something other than the page's procedure does its job: the page's
  alternatives answer it (the classifier hears "clear a cataract" and answers
  what the surgery is for).
- **Where an instrument goes.** "Where exactly do they put the scope in?" asks
  what happens during the procedure, not where the clinic does it.

Free of Rasa and of models: the cues are patterns, the sections are the page's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from actions.dialogue import AskedQuestion
from actions.questions import SECTION_INTENTS
from knowledge.model import Passage

PROCEDURE = "procedure_description"
ALTERNATIVES = "alternatives"
#: The sections where a page tells how results reach the patient, in the order preferred.
RESULTS_SECTIONS = ("recovery", "procedure_description", "personnel")
#: The care team's line on results, sent after the page's passage on them (or alone).
RESULTS_LINE = "utter_handoff_results"

#: The report as a thing (not "when should I report a fever?").
_THE_REPORT = r"(?:the|a|my|your|his|her|their|our)\s+(?:\w+\s+)?reports?"
#: When (or how, or from whom) results come: "how long until the results are back", "who reads the report".
_RESULTS_WAIT = re.compile(
    r"\b(?:how long|how soon|how quickly|how fast|how many (?:days|weeks|hours)|when|what time)\b"
    rf"[^?.!]{{0,50}}\b(?:results?|findings|{_THE_REPORT})\b"
    rf"|\b(?:results?|{_THE_REPORT})\b[^?.!]{{0,30}}\b(?:take|come back|be (?:ready|back|available|in))\b"
    r"|\bwho\b[^?.!]{0,25}\b(?:reads?|looks? at|checks?|explains?|gives?|sends?|tells?|shares?)\b"
    r"[^?.!]{0,20}\b(?:results?|reports?|pictures|images|scans?)\b",
    re.IGNORECASE,
)
#: What goes into the body, or on it, during a procedure.
_INSTRUMENT = (
    r"(?:tube|scope|camera|needle|probe|catheter|wand|instrument|endoscope|colonoscope|transducer|iv|drip|line|"
    r"dye|contrast|tracer|injection|shot|wire|sensors?|electrodes?|stickers?)"
)
#: Where the scope, tube or needle goes: a question about what is done, not where the test is.
_INSIDE = re.compile(
    rf"\bwhere\s+(?:exactly\s+)?(?:does|do|will|would|is|are|did)\s+the\s+{_INSTRUMENT}\s+"
    r"(?:\w+\s+){0,2}?(?:go(?:es)?|put|stick|inserted|insert|enter|enters|placed|inject(?:ed)?|attach(?:ed)?)\b"
    r"|\bwhere\s+(?:exactly\s+)?(?:does|will|would|is|did)\s+it\s+(?:go(?:es)?|inserted|enter|placed)\b"
    r"|\bwhere\s+(?:exactly\s+)?(?:do|will|would|did)\s+they\s+(?:go in|insert|inject|stick|"
    rf"put (?:it|the \w+|an? \w+) in|put (?:the|an?)\s+{_INSTRUMENT})\b"
    rf"|\bwhere (?:they|the {_INSTRUMENT}) (?:go(?:es)? in|insert|put (?:it|the \w+) in)\b",
    re.IGNORECASE,
)
#: Whether something does the procedure's job: "can <subject> fix/treat/remove …" (the subject checked apart).
_DOES_THE_JOB = re.compile(
    r"\b(?:can|could|would|will|does|do|might)\s+(?P<subject>(?:[\w'-]+\s+){1,4}?)"
    r"(?:fix|cure|treat|remove|repair|correct|get rid of|dissolve|clear up|replace|substitute for|"
    r"work as well as|do the same (?:job|thing) as)\b",
    re.IGNORECASE,
)
#: Subjects that are not another treatment: people, pronouns, the procedure itself, and whatever "the"
#: points to (a part of the procedure: "will the pads remove chest hair?"; treatments come without it).
_NOT_ANOTHER = re.compile(
    r"^(?:i|you|we|they|he|she|it|this|that|these|those|the|my|your|his|her|our|their|someone|anyone|people|"
    r"an? (?:doctor|surgeon|nurse|radiologist|specialist|team|staff|clinic|hospital)|doctors?|surgeons?)\b"
    r"|^(?:an?\s+)?(?:surgery|procedure|test|scan|operation|exam|examination|scope|one)\s*$",
    re.IGNORECASE,
)
_WHO = re.compile(r"\bwho\b", re.IGNORECASE)
_MENTIONS_RESULTS = re.compile(r"\b(?:results?|reports?)\b", re.IGNORECASE)

PassagesOf = Callable[[str], Sequence[Passage]]


@dataclass(frozen=True)
class Topic:
    """The section a question's words name, or a hand-off when the page says nothing of it."""

    #: The section that answers the question (``None``: the care team does).
    section: str | None
    #: Sent after the answer, or alone when there is no section ("utter_handoff_results").
    line: str | None = None


def about_results(question: str) -> bool:
    """Whether a question asks when, how or from whom results come (not what they say)."""
    return bool(_RESULTS_WAIT.search(question))


def another_treatment(question: str, named_as: Sequence[str]) -> bool:
    """Whether a question asks if something other than the page's procedure does its job.

    ``named_as`` are the words that name the page's procedure in the message ("cataract surgery").
    """
    match = _DOES_THE_JOB.search(question)
    if match is None:
        return False
    subject = match.group("subject").strip().lower()
    return not _NOT_ANOTHER.search(subject) and not any(name.lower() in subject for name in named_as)


def topic_of(question: str, passages_of: PassagesOf, named_as: Sequence[str] | None = None) -> Topic | None:
    """The topic a question's words name on this page; ``None`` when they name none (the classifier decides).

    ``named_as`` are the words naming the page's procedure in the message; without them (``None``),
    no question is taken to ask about another treatment.
    """
    if about_results(question):
        order = (RESULTS_SECTIONS[2], *RESULTS_SECTIONS[:2]) if _WHO.search(question) else RESULTS_SECTIONS
        telling = [s for s in order if any(_MENTIONS_RESULTS.search(p.text) for p in passages_of(s))]
        return Topic(telling[0] if telling else None, RESULTS_LINE)
    if _INSIDE.search(question) and passages_of(PROCEDURE):
        return Topic(PROCEDURE)
    if named_as is not None and another_treatment(question, named_as) and passages_of(ALTERNATIVES):
        return Topic(ALTERNATIVES)
    return None


def cued(asked: AskedQuestion, topic: Topic | None) -> AskedQuestion:
    """A question of the message with the section its words name, when they name one the page has."""
    if topic is None or topic.section is None:
        return asked
    return replace(asked, intent=SECTION_INTENTS[topic.section], confidence=1.0)
