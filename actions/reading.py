"""How a patient's message reads: its sentences, its questions, and whether it is about their own case.

Patients write the way people talk to a receptionist: a paragraph of history,
then the question; several questions at once; "my report says …, is that
bad?". :func:`read` splits a message into sentences (the spaCy sentencizer's
spans when NLU sent them, else a splitter of its own), finds the sentences that
ask something, and recognises two kinds of personal framing:

- a **personal case**: the patient's (or a relative's) own results, report,
  images or findings, symptoms after a procedure, a diagnosis, or whether they
  in particular need, should have or should cancel a procedure. A page cannot
  answer that; the care team can (:data:`PERSONAL_KINDS`).
- a **personal condition** in a general question ("I'm pregnant, is a CT safe?",
  "I have a pacemaker"): the general answer is right, plus one line sending
  the patient's own situation to the care team.

The patterns are written from how people describe these things, and checked
against the team's own questions; they are deliberately narrow: a general
question that only mentions "my" ("how long will my colonoscopy take?") is
not personal. Free of Rasa and of models.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from common.sentences import split_sentences as fallback_sentences

#: At most this many questions of one message are answered (CONTRACT: up to three).
MAX_QUESTIONS = 3

_WORD = r"[a-z'’-]+"
_RELATIVE = (
    r"(?:mom|mum|mother|dad|father|husband|wife|son|daughter|child|kid|baby|boyfriend|girlfriend|partner|"
    r"grandma|grandmother|grandpa|grandfather|sister|brother|aunt|uncle|friend|fiance|fiancee|"
    r"mother[- ]in[- ]law|father[- ]in[- ]law)"
)
_OWNER = rf"(?:my|our|his|her|their|{_RELATIVE}'?s)"
_TESTS = (
    r"(?:test|scan|mri|ct|cat|x-?ray|xray|ultrasound|echo|mammogram|biopsy|lab|blood ?work|blood|"
    r"pathology|spirometry|sleep study|dexa|dxa|bone density|stress test|colonoscopy|endoscopy|ekg|ecg)"
)
_RESULT_NOUNS = (
    r"(?:results?|reports?|findings?|images?|pictures?|films?|readings?|numbers|scores?|impression|"
    r"scans? (?:showed|shows|came back|found))"
)
#: The patient's own (or a relative's) results, report or findings.
_OWN_RESULTS = re.compile(
    rf"\b{_OWNER}\s+(?:{_WORD}\s+){{0,3}}?(?:{_TESTS}\s+)?{_RESULT_NOUNS}\b"
    rf"|\b{_OWNER}\s+(?:{_WORD}\s+){{0,2}}?{_TESTS}\s+(?:showed|shows|says|said|mentions?|mentioned|came back|"
    r"found|revealed|indicated?|indicates|noted)\b"
    r"|\b(?:radiologist|doctor|dr\.?|cardiologist|technician|tech|report)\s+(?:found|saw|noted|noticed|mentioned)\b"
    r"|\bwhat does (?:this|that|it|my) (?:result|report|finding|number|score|reading|impression)s? mean\b"
    r"|\b(?:t-?score|z-?score|ejection fraction|bi-?rads|fev1|ahi)\s+(?:of|is|was|=)?\s*-?\d",
    re.IGNORECASE,
)
#: Words of findings, which in a question about the patient's own test make it about their images.
_FINDINGS = re.compile(
    r"\b(?:nodules?|mass(?:es)?|lesions?|spots?|shadows?|cysts?|tumou?rs?|growths?|lumps?|calcifications?|"
    r"abnormal(?:ity|ities)?|inflammation|blockages?|narrowing|enlarged|thickening|scarring|fluid|infections?|"
    r"hyperintensit\w*|atroph\w*|stenosis|plaques?|aneurysms?|hernias?|prolapse|fractures?|tears?|benign|"
    r"malignant|white matter|polyps?|ulcers?|gastritis|"
    r"(?:all|everything|it|they|results?) (?:was |were |came (?:back|up) )?(?:normal|clear|fine|negative))\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i’m|i've|i’ve|im|ive|me|my|mine)\b", re.IGNORECASE)
#: The patient (or a relative) had the test already: "I had an MRI", "had chest CT", "my MRI", "MRI showed".
_HAD_TEST = re.compile(
    rf"\b(?:had|did|got|underwent|done|took)\s+(?:an?\s+|my\s+|the\s+|some\s+)?(?:{_WORD}\s+){{0,2}}?{_TESTS}\b"
    rf"|\b{_OWNER}\s+(?:{_WORD}\s+){{0,2}}?{_TESTS}\b"
    rf"|\b{_TESTS}\s+(?:scan\s+)?(?:showed|shows|indicates|indicated|revealed|says|said|found|detected|"
    r"came back|mentioned)\b",
    re.IGNORECASE,
)
#: A diagnosis given to the patient.
_DIAGNOSED = re.compile(r"\b(?:diagnosed|diagnosis)\b", re.IGNORECASE)
#: Symptoms after the patient's own procedure.
_AFTER_MY_PROCEDURE = re.compile(
    rf"\b(?:since|after|following|post)\s+(?:my|the|her|his|our)?\s*(?:{_WORD}\s+){{0,2}}?"
    r"(?:procedure|scan|test|surgery|operation|exam|colonoscopy|endoscopy|scope|mri|ct|x-?ray|echo|"
    r"mammogram|arthroscopy|biopsy|study|stress test|injection|sedation|anesthesia|anaesthesia)\b"
    r"|\b(?:\d+|a|one|two|three|four|five|six|few|couple of|several)\s+(?:days?|weeks?|hours?|months?)\s+"
    r"(?:after|since|later|ago|post|out from)\b"
    r"|\bpost[- ]?op\b|\bpost[- ](?:procedure|surgery)\b",
    re.IGNORECASE,
)
_SYMPTOM = re.compile(
    r"\b(?:pain|painful|hurts?|hurting|ache|aching|sore|soreness|swollen|swelling|bleeding|blood|bruis\w*|"
    r"dizzy|dizziness|nause\w*|vomit\w*|fever|chills|numb\w*|tingl\w*|itch\w*|rash|cramp\w*|bloat\w*|"
    r"gas|diarrh\w*|constipat\w*|tired|fatigue|weak\w*|headaches?|blurry|blurred|floaters|ringing|cough\w*|"
    r"burn\w*|discharge|redness|stiff\w*|clicking|popping|lump|discomfort|symptoms?|still\b)",
    re.IGNORECASE,
)
#: A question that refers back to the patient's story: "is that bad?", "what could be going on?".
_IS_IT_NORMAL = re.compile(
    r"\b(?:(?:is|could|can|might|would) (?:this|that|it|they|these|those) (?:be )?(?:normal|ok|okay|bad|serious|"
    r"dangerous|something (?:serious|to worry about|bad)|concerning|a concern|a problem|a serious problem|cancer|"
    r"cancerous|malignant|benign|related|the cause|causing)|"
    r"should i (?:be )?(?:worried|worry|concerned|call|go|see|get (?:it|this) checked)|"
    r"(?:do|does) (?:this|that|it) mean|what (?:does|do) (?:this|that|it|they) mean|"
    r"what (?:could|might|would) (?:this|that|it) be|what (?:could|might) be (?:going on|wrong|causing)|"
    r"normal to (?:still )?(?:have|feel|be)|anything to worry about|could (?:this|that|it) be|"
    r"can (?:\w+ ){1,3}cause|is (?:this|that|it) (?:a |an )?(?:concern|worry|issue)|too soon|"
    r"why (?:do|am|is|are) (?:i|my) still|(?:is|was) (?:this|that|it) (?:expected|usual|common|a reaction|"
    r"an infection|(?:from|because of|due to|caused by) (?:the|my)|going to need)|"
    r"(?:is|could|can) (?:this|that|it) (?:be )?(?:a sign of |signs? of )?(?:osteoporosis|osteopenia|arthritis|"
    r"an ulcer|a tumou?r|a tear|a clot|heart disease|sleep apnea|copd|emphysema|a stroke|ms|cancer)|"
    r"what(?:'s| is) wrong with (?:me|my|him|her)|(?:see|saw|seen|find|found|spot|spotted) something|"
    r"how bad (?:is|are) (?:my|his|her|it|things)|what(?:'s| is) going on with (?:me|my))\b"
    r"|\b(?:normal|ok|okay|expected|serious)\s*\?"
    r"|\bbut\s*\?",
    re.IGNORECASE,
)
#: Whether the patient in particular needs a test, asked yes or no ("do I need an endoscopy?").
_NEED_TEST = re.compile(
    r"(?<!why )(?<!why would )(?<!what )(?<!how )\b(?:do|should|would|will|must) i "
    r"(?:really |actually |still |even |also )?(?:need|have to have)\s+"
    rf"(?:to (?:have|get|do)\s+)?(?:an?\s+|the\s+|another\s+|this\s+|that\s+)?(?:(?!to\b){_WORD}\s+){{0,2}}?"
    rf"(?:{_TESTS}|procedure|surgery|operation|scope|one|it|both|them|these|another one)\b"
    r"|\bshould (?:he|she|they|my \w+) (?:still |even |really )?(?:get|have|go ahead with|do) "
    r"(?:the|this|that|it|an?)\b"
    rf"|^(?:i )?need (?:an?\s+|another\s+)?{_TESTS}(?: or (?:an?\s+)?{_TESTS})?\s*\??$",
    re.IGNORECASE,
)
#: The patient's own case: a decision about their procedure, their chances, a disease they may have.
_OWN_CASE = re.compile(
    r"\bshould i (?:cancel|postpone|reschedule|skip|refuse|delay|go ahead)\b"
    r"|\b(?:is|was) (?:it|this) (?:the right|a good) (?:choice|idea|decision|test) for me\b"
    r"|\bin my case\b|\bwhat are my (?:chances|odds)\b|\bwill i need (?:surgery|another|a second)\b"
    r"|\b(?:am i|do i have|could i have|might i have) (?:cancer|a tumou?r|a blood clot|a clot|"
    r"heart disease|osteoporosis|sleep apnea|copd|an ulcer|a tear)\b",
    re.IGNORECASE,
)
#: A personal condition that changes what the patient should do: the general answer, plus the care team.
_CONDITION = re.compile(
    r"\b(?:pregnan\w*|breast-?feeding|breastfeed\w*|nursing (?:my|a) (?:baby|newborn)|"
    r"pacemaker|defibrillator|icd\b|implants?|implanted|metal (?:in my|plates?|rods?|screws?|pins?|clips?)|"
    r"titanium|stents?|shrapnel|cochlear|insulin pump|"
    r"allerg\w* to (?:contrast|dye|iodine|shellfish|latex|sedation|anesthesia|anaesthesia)|"
    r"(?:contrast|dye|iodine|shellfish|latex) allerg\w*|"
    r"diabet\w*|insulin|metformin|blood thinners?|anticoagula\w*|warfarin|coumadin|eliquis|xarelto|plavix|"
    r"apixaban|rivaroxaban|clopidogrel|aspirin|metoprolol|carvedilol|beta[- ]blockers?|lisinopril|ozempic|"
    r"semaglutide|jardiance|prednisone|lantus|\d+\s?(?:mg|units?|mcg)|"
    r"kidney (?:disease|problems?|failure|issues?)|dialysis|claustrophob\w*)\b",
    re.IGNORECASE,
)
_CONDITION_OWNER = re.compile(
    r"\b(?:i'm|i’m|im|i am|i have|i've|i’ve|i've got|i take|i'm on|i am on|i use|i wear|"
    r"i was|i had|as a|my|being|since i'm|since i am|because i'm|because i am|with my|i'm a|i am a)\b",
    re.IGNORECASE,
)

#: The reasons a message is a personal case, for the hand-off's wording.
PERSONAL_KINDS = ("results", "symptoms", "own_case")

_QUESTION_START = re.compile(
    r"^(?:and\s+|also\s+|so\s+|but\s+|ok\s+|okay\s+|well\s+|just\s+|quick question\s*[:,-]?\s*)*"
    r"(?:what|whats|what's|how|hows|how's|when|where|why|who|which|whom|whose|is|are|am|was|were|can|could|"
    r"do|does|did|will|would|should|shall|may|might|must|(?:has|have|had) (?:you|anyone|anybody|they|i|we|there)|"
    r"any|anything|tell me|explain|"
    r"i (?:want|need|would like|'d like) to know|i(?:'m| am) wondering|wondering|i wonder|please tell|"
    r"is there|are there|do i|should i|can i|will i)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"[,;:]\s*|\s+-+\s+|\s+(?:so|but|and now|now)\s+"
    r"(?=(?:what|how|when|where|why|who|which|is|are|can|could|do|does|will|would|should)\b)",
    re.IGNORECASE,
)
#: A sentence this long without an end mark may hide its question in its last clauses.
LONG_SENTENCE_WORDS = 20


@dataclass(frozen=True)
class Reading:
    """What a message says about itself."""

    sentences: tuple[str, ...]
    #: The sentences that ask something, in order (the whole message when none does).
    questions: tuple[str, ...]
    #: Why this is a personal case (one of :data:`PERSONAL_KINDS`), or ``None`` for a general question.
    personal: str | None = None
    #: The personal conditions the patient mentions about themself ("pregnant", "pacemaker").
    conditions: tuple[str, ...] = ()

    @property
    def several(self) -> bool:
        """Whether the message asks more than one question."""
        return len(self.questions) > 1


def split_sentences(text: str, spans: Sequence[tuple[int, int]] = ()) -> tuple[str, ...]:
    """The message's sentences: the given character spans (spaCy's), else the shared splitter's."""
    parts = [text[start:end] for start, end in spans] if spans else fallback_sentences(text)
    return tuple(part.strip() for part in parts if part and part.strip(" \t\n.!?,;:-"))


def is_question(sentence: str) -> bool:
    """Whether a sentence asks something: a question mark, or the way questions start."""
    stripped = sentence.strip()
    return stripped.endswith("?") or bool(_QUESTION_START.match(stripped))


def personal_kind(questions: Sequence[str], context: str) -> str | None:
    """Why a message is about the patient's own case (results, symptoms, own case), or ``None``.

    What matters is what the patient asks: a story about their own scan that
    ends in a general question ("… what is the recovery like?") is a general
    question. The story counts when the question refers back to it ("is that
    bad?", "should I be worried?", "what could be going on?").
    """
    asked = " ".join(questions)
    first_person = bool(_FIRST_PERSON.search(asked))
    own_test = bool(_HAD_TEST.search(context))
    if _OWN_RESULTS.search(asked):
        return "results"
    if _OWN_CASE.search(asked) or any(_NEED_TEST.search(q.strip()) for q in questions):
        return "own_case"
    if _DIAGNOSED.search(asked) and (first_person or own_test):
        return "own_case"
    if _AFTER_MY_PROCEDURE.search(asked) and _SYMPTOM.search(asked) and (first_person or _IS_IT_NORMAL.search(asked)):
        return "symptoms"
    if own_test and _FINDINGS.search(asked):
        return "results"
    if _IS_IT_NORMAL.search(asked):
        if _OWN_RESULTS.search(context) or (own_test and _FINDINGS.search(context)):
            return "results"
        if (_FIRST_PERSON.search(context) and _FINDINGS.search(context)) or _DIAGNOSED.search(context):
            return "results"
        if (_AFTER_MY_PROCEDURE.search(context) or own_test) and _SYMPTOM.search(context):
            return "symptoms"
    return None


def conditions(text: str) -> tuple[str, ...]:
    """The personal conditions a patient says they have (within the same sentence as "I'm", "I have", "my" ...)."""
    found: list[str] = []
    for sentence in split_sentences(text):
        if not _CONDITION_OWNER.search(sentence):
            continue
        for match in _CONDITION.finditer(sentence):
            word = match.group(0).lower()
            if word not in found:
                found.append(word)
    return tuple(found)


def question_clauses(sentence: str) -> tuple[str, ...]:
    """The clauses of a long unpunctuated sentence that ask something ("…, so on her behalf, does it hurt").

    Patients texting often write one long sentence with commas; its question is
    then its last clauses, not the whole story.
    """
    if len(sentence.split()) < LONG_SENTENCE_WORDS:
        return ()
    clauses = [c.strip() for c in _CLAUSE_BREAK.split(sentence) if c and c.strip()]
    asked = [c for c in clauses if _QUESTION_START.match(c)]
    return tuple(asked)


def read(text: str, spans: Sequence[tuple[int, int]] = ()) -> Reading:
    """Read a message: sentences, questions (at most :data:`MAX_QUESTIONS`), personal case, conditions."""
    sentences = split_sentences(text, spans) or (text.strip(),)
    asked = [s for s in sentences if is_question(s)]
    if not asked:
        asked = list(question_clauses(sentences[-1]))
    questions = tuple(asked[:MAX_QUESTIONS]) if asked else (sentences[-1],)
    return Reading(sentences, questions, personal_kind(questions, text), conditions(text))
