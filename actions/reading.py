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

from common.questions import MAX_QUESTIONS, find_questions, is_question, split_sentences

__all__ = [
    "MAX_QUESTIONS",
    "PERSONAL_KINDS",
    "PERSONAL_MEDICATION",
    "Reading",
    "conditions",
    "is_question",
    "personal_kind",
    "read",
    "split_sentences",
]

_WORD = r"[a-z0-9'’/-]+"
_RELATIVE = (
    r"(?:mom|mum|mother|dad|father|husband|wife|son|daughter|child|kid|baby|boyfriend|girlfriend|partner|"
    r"grandma|grandmother|grandpa|grandfather|sister|brother|aunt|uncle|friend|fiance|fiancee|"
    r"mother[- ]in[- ]law|father[- ]in[- ]law)"
)
_OWNER = rf"(?:my|our|his|her|their|{_RELATIVE}'?s)"
_TESTS = (
    r"(?:test|scan|mri|ct|cat|x[- ]?rays?|ultrasound|echo|mammogram|biopsy|lab|blood ?work|blood|"
    r"pathology|spirometry|sleep study|dexa|dxa|bone density|stress test|colonoscopy|endoscopy|ekg|ecg)s?"
)
_RESULT_NOUNS = (
    r"(?:results?|reports?|findings?|images?|pictures?|films?|readings?|numbers|scores?|impression|"
    r"scans? (?:showed|shows|came back|found))"
)
#: The patient's own (or a relative's) results, report or findings.
_OWN_RESULTS = re.compile(
    rf"\b{_OWNER}\s+(?:{_WORD}\s+){{0,3}}?(?:{_TESTS}\s+)?{_RESULT_NOUNS}\b"
    rf"|\b{_OWNER}\s+(?:{_WORD}\s+){{0,2}}?{_TESTS}\s+(?:showed|shows|says|said|mentions?|mentioned|came back|"
    r"found|revealed|indicated?|indicates|noted|looked|looks|seemed|(?:is going to|will|would|might) show)\b"
    r"|\b(?:radiologist|doctor|dr\.?|cardiologist|surgeon|gastro\w*|ortho\w*|specialist|pulmonologist|"
    r"neurologist|technician|tech|report)\s+(?:found|saw|noted|noticed|mentioned)\b"
    rf"|\b{_TESTS}\s+(?:results?\s+)?came back\b"
    rf"|\b{_OWNER}\s+(?:{_WORD}\s+){{1,3}}?(?:came back|showed|shows)\b"
    rf"|\b(?:{_TESTS}\s+)?report\s+(?:says|said|mentions?|mentioned|shows?|showed|notes?|noted|reads?)\b"
    rf"|\b{_TESTS}\s+(?:said|says)\s+(?:i|my|he|she|his|her)\b"
    r"|\bin (?:my|his|her) (?:notes|chart|file|records)\b"
    rf"|\bhow did {_OWNER}\s+(?:{_WORD}\s+){{0,2}}?{_TESTS}\s+go\b"
    rf"|\b(?:is|are)\s+{_OWNER}\s+(?:{_WORD}\s+){{0,2}}?(?:results?|pathology|report|biops\w*)\s+(?:back|in|ready)\b"
    rf"|\b(?:recent|latest|last|yesterday'?s|today'?s)\s+(?:{_WORD}\s+){{0,2}}?{_TESTS}\s+(?:{_WORD}\s+){{0,2}}?"
    r"(?:abnormal|findings?|showed|results?)\b"
    r"|\bwhat does (?:this|that|it|my) (?:result|report|finding|number|score|reading|impression)s? mean\b"
    r"|\b(?:t-?score|z-?score|ejection fraction|bi-?rads|fev1|ahi)\s+(?:of|is|was|=)?\s*-?\d",
    re.IGNORECASE,
)
#: Words of findings, which in a question about the patient's own test make it about their images.
_FINDINGS = re.compile(
    r"\b(?:nodules?|mass(?:es)?|lesions?|spots?|shadows?|cysts?|tumou?rs?|growths?|lumps?|calcifications?|"
    r"abnormal(?:ity|ities)?|inflammation|blockages?|narrowing|enlarged|thickening|scarring|fluid|infections?|"
    r"hyperintensit\w*|atroph\w*|stenosis|plaques?|aneurysms?|hernias?|prolapse|fractures?|tears?|benign|"
    r"malignant|white matter|polyps?|ulcers?|gastritis|osteopenia|osteoporosis|cardiomegaly|emphysema|"
    r"degenerat\w*|damage|"
    r"(?:all|everything) (?:was |were |looked |came (?:back|up) )?(?:normal|clear|fine|negative|ok|okay)|"
    r"(?:it|that|they|results?|scan|test) (?:was|were|looked|came (?:back|up)) "
    r"(?:normal|clear|fine|negative|ok|okay))\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i’m|i've|i’ve|im|ive|me|my|mine)\b", re.IGNORECASE)
#: The patient (or a relative) had the test already: "I had an MRI", "had chest CT", "my MRI", "MRI showed".
_HAD_TEST = re.compile(
    rf"\b(?:had|did|got|underwent|done|took|went (?:in )?for)\s+(?:an?\s+|my\s+|the\s+|some\s+)?"
    rf"(?:{_WORD}\s+){{0,2}}?{_TESTS}\b"
    rf"|\b{_OWNER}\s+(?:{_WORD}\s+){{0,3}}?{_TESTS}\b"
    rf"|\b{_TESTS}\s+(?:scan\s+)?(?:showed|shows|indicates|indicated|revealed|says|said|found|detected|"
    r"came back|mentioned)\b",
    re.IGNORECASE,
)
#: A test the patient already had, in the past tense: its results are theirs.
_PAST_TEST = re.compile(
    rf"\b(?:had|did|got|underwent|went (?:in )?for)\s+(?:an?\s+|my\s+|the\s+|his\s+|her\s+)?"
    rf"(?:{_WORD}\s+){{0,2}}?{_TESTS}\b"
    rf"|\b(?:recent|latest|last|yesterday'?s)\s+(?:{_WORD}\s+){{0,2}}?{_TESTS}\b"
    rf"|\b{_TESTS}\s+(?:results?\s+)?came back\b|\bsent (?:off |away )?(?:a |the |my |some )?(?:biops|samples?)",
    re.IGNORECASE,
)
#: Waiting to hear about one's own test ("when will I know?"): the care team's to answer.
_WAITING = re.compile(
    r"\bwhen (?:will|do|would|can|should) (?:i|we|he|she|they) (?:know|hear|find out|get (?:the|my|his|her|our) "
    r"(?:results?|answers?|report))\b|\bhow long (?:until|till|before) (?:i|we|he|she) (?:know|hear|find out)\b",
    re.IGNORECASE,
)
#: A question about what will happen ("will I feel dizzy after the test?"): the page answers it.
_FUTURE = re.compile(r"\b(?:will|would|might|going to|gonna)\s+(?:i|it|you|they|my|the|there|he|she)\b", re.IGNORECASE)
#: "Is it normal to feel tired after a sleep study?": general, unless the patient tells their own story.
_GENERIC_NORMAL = re.compile(r"\b(?:is it|is that|is this) (?:normal|common|usual) to\b", re.IGNORECASE)
#: A diagnosis given to the patient.
_DIAGNOSED = re.compile(r"\b(?:diagnosed|diagnosis)\b", re.IGNORECASE)
#: Symptoms after the patient's own procedure.
_AFTER_MY_PROCEDURE = re.compile(
    rf"\b(?:since|after|following|post)\s+(?:my|the|her|his|our)?\s*(?:{_WORD}\s+){{0,3}}?"
    r"(?:procedure|scan|test|surgery|operation|op|exam|colonoscopy|endoscopy|egd|scope|mri|ct|x[- ]?ray|echo|"
    r"mammogram|arthroscopy|biopsy|study|stress test|injection|sedation|anesthesia|anaesthesia|dexa|dxa|"
    r"ultrasound|spirometry|table|stickers|electrodes|iv|prep|contrast|dye)\b"
    r"|\bwhere (?:they|the (?:nurse|tech|technician|doctor)) (?:put|stuck|injected|inserted|placed|went in|numbed)\b"
    r"|\bwhere (?:the )?(?:iv|needle|drip|line|gel|stickers?|electrodes?|tape|cuff|cannula) (?:was|went|were)\b"
    r"|\b(?:\d+|a|one|two|three|four|five|six|few|couple of|several)\s+(?:days?|weeks?|hours?|months?)\s+"
    r"(?:after|since|later|ago|post|out from)\b"
    r"|\bpost[- ]?op\b|\bpost[- ](?:procedure|surgery)\b",
    re.IGNORECASE,
)
_SYMPTOM = re.compile(
    r"\b(?:pain|painful|hurts?|hurting|ache|aching|sore|soreness|swollen|swelling|bleeding|blood|bruis\w*|"
    r"dizzy|dizziness|nause\w*|vomit\w*|fever|chills|numb\w*|tingl\w*|itch\w*|rash|cramp\w*|bloat\w*|"
    r"gas|diarrh\w*|constipat\w*|tired|fatigue|weak\w*|headaches?|blurry|blurred|floaters|ringing|cough\w*|"
    r"burn\w*|discharge|redness|stiff\w*|clicking|popping|lump|discomfort|symptoms?|still\b|"
    r"feels?|feeling|felt|tender\w*|scratchy|gritty|irritat\w*|red|pink|ach(?:y|es)|light-?headed|wiped out|"
    r"exhausted|puffy|sensitive|bowel movement|sick|unwell|short of breath|wheez\w*|throbbing|sting\w*|"
    r"lock(?:s|ing|ed) up|keeps? locking|gives? way|giving way|buckl\w*)",
    re.IGNORECASE,
)
#: A question that refers back to the patient's story: "is that bad?", "what could be going on?".
#: Whether the procedure harmed the patient ("did the noise damage my hearing?", "could it have hurt my vein?").
_HARMED_ME = re.compile(
    r"\b(?:did|could|can|has|have|might|would)\b[^?.]{0,40}\b(?:damage[sd]?|harm(?:ed)?|hurt|injur(?:e|ed)|"
    r"caused?)\b[^?.]{0,20}\b(?:my|me)\b",
    re.IGNORECASE,
)
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
    r"how bad (?:is|are) (?:my|his|her|it|things)|what(?:'s| is) going on with (?:me|my)|"
    r"should (?:it|this|that|they|my \w+) (?:still )?be|mean for (?:me|my|him|her|us)|"
    r"anything (?:alarming|abnormal|wrong|serious|concerning|bad|to be concerned about))\b"
    r"|\b(?:normal|ok|okay|expected|serious)\s*\?"
    r"|\bbut\s*\?",
    re.IGNORECASE,
)
#: A question a doctor answers after hearing the patient's story: a diagnosis, a cause, a treatment.
_CONSULTATION = re.compile(
    r"\b(?:is|could|would|might) (?:this|that|it|she|he|they) (?:likely|possibly|probably|really )?"
    r"(?:be|have|mean)\b"
    r"|\bwhat (?:could|might|would|can) (?:be )?(?:the|my|his|her) (?:diagnosis|cause|problem|reason)\b"
    r"|\bwhat (?:else )?(?:could|might|would) (?:be )?caus\w*\b"
    r"|\bhow (?:best )?(?:should|do|can|could) (?:i|we|she|he) (?:treat|fix|cure|manage|get rid of)\b"
    r"|\bwhat (?:else )?(?:can|could|should) (?:i|we|she|he) (?:do|take|try)\b(?! (?:before|after|to prepare))"
    r"|\bif (?:this|that|it) (?:was|were|is) (?:cancer|serious|something)\b"
    r"|\b(?:does|did|will) the (?:report|result|scan|test|ecg|ekg) (?:clearly )?(?:show|reflect|mean|explain)\b",
    re.IGNORECASE,
)
#: Whether a test will find the cause of the patient's complaint ("… headaches, will an MRI show the problem?").
_FINDS_MY_PROBLEM = re.compile(
    rf"\b(?:does|do|will|would|can|could|might)\s+(?:an?\s+|the\s+|this\s+)?(?:{_WORD}\s+){{0,2}}?"
    rf"(?:{_TESTS}|arthroscopy|scope|procedure|surgery|operation)\s+"
    r"(?:be able to\s+|help\s+)?(?:show|find|detect|see|pick up|diagnose|explain|reveal|tell)\s+"
    r"(?:the\s+|my\s+|a\s+|any\s+)?(?:problems?|issues?|cause|reason|it|this|that|what(?:'s| is)\s+(?:wrong|going on)|"
    r"why|anything wrong)\b(?!\s+of\s+(?!(?:my|his|her|their|these|this|those|it)\b))",
    re.IGNORECASE,
)
#: A story of the patient's (or a relative's) own health: how long they have had a complaint.
_HISTORY = re.compile(
    r"\b(?:for|over) (?:the )?(?:past |last )?(?:about |almost |nearly |over )?(?:(?:a|an|one|two|three|four|five|six|"
    r"several|few|couple of|many|\d+) )?(?:days?|weeks?|months?|years?)\b"
    r"|\b(?:suffering|suffered|complain\w*|diagnosed|history of)\b",
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
    r"\bshould i (?:still )?(?:cancel|postpone|reschedule|skip|refuse|delay|go ahead|go through with)\b"
    r"|\bshould i still (?:go|have|get|do)\b"
    r"|\b(?:really )?(?:necessary|needed|required|worth it|right) for (?:me|him|her|my \w+)\b"
    r"|\b(?:is|was) (?:it|this) (?:the right|a good) (?:choice|idea|decision|test) for me\b"
    r"|\bin my case\b|\bwhat are my (?:chances|odds)\b|\bwill i need (?:surgery|another|a second)\b"
    r"|\b(?:help|fix|cure|explain) (?:my|his|her) (?:condition|symptoms|problem|pain|issue)s?\b"
    r"|\b(?:am i|do i have|could i have|might i have) (?:cancer|a tumou?r|a blood clot|a clot|"
    r"heart disease|osteoporosis|sleep apnea|copd|an ulcer|a tear)\b",
    re.IGNORECASE,
)
#: A personal condition that changes what the patient should do: the general answer, plus the care team.
_CONDITION = re.compile(
    r"\b(?:pregnan\w*|breast-?feeding|breastfeed\w*|nursing (?:my|a) (?:baby|newborn)|"
    r"pacemaker|defibrillator|icd\b|implants?|implanted|"
    r"metal (?:in my|plates?|rods?|screws?|pins?|clips?|fragments?|pieces?|shavings?)|"
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

#: A question whether a procedure is safe, or possible at all, for someone ("is it safe", "can I still have one").
_SAFETY = re.compile(
    r"\b(?:safe|safely|unsafe|dangerous|harmful|risky|risks?|danger)\b"
    r"|\b(?:is|are) (?:it|that|this|they|a|an|the)\b[^?.]{0,40}\b(?:ok|okay|alright|all right|fine|a problem)\b"
    r"|\b(?:can|could|may) (?:i|we|people|patients|someone|anyone|a person|you|he|she|they)\b[^?.]{0,30}"
    r"\b(?:have|get|do|undergo|go through)\b"
    r"|\bcan (?:a|an|the|it|one|this|that)\b[^?.]{0,40}\bbe (?:done|performed|used)\b"
    r"|\b(?:hurt|harm|affect) (?:the|my|a|her|his) (?:baby|pregnancy|fetus|foetus|implant|pacemaker|device)\b",
    re.IGNORECASE,
)

#: Conditions whose question, given as keywords with a page's name ("mri pregnancy"), is whether it is safe.
_SAFETY_CONDITION = re.compile(
    r"\b(?:pregnan\w*|breast-?feeding|breastfeed\w*|pacemakers?|defibrillators?|implants?|metal|titanium|stents?|"
    r"shrapnel|cochlear|allerg\w*|kidneys?|dialysis)\b",
    re.IGNORECASE,
)

#: The patient's own past procedure told with a question mark and nothing asked ("I had a scope in May
#: for a tear?"): what they want to know is about their own case.
_TOLD_WITH_A_QUESTION_MARK = re.compile(
    r"^(?:i|i've|i have|i had|i got|my)\b"
    r"(?![^?]*\b(?:what|how|when|where|why|who|which|can|could|should|would|will|is|are|do|does)\b)[^?]*\?$",
    re.IGNORECASE,
)
_OWN_PROCEDURE = re.compile(
    rf"\b(?:had|got|underwent)\s+(?:an?\s+|my\s+|the\s+)?(?:{_WORD}\s+){{0,2}}?"
    rf"(?:{_TESTS}|arthroscopy|surgery|scope|procedure|operation)\b",
    re.IGNORECASE,
)

#: A question about the patient's own medicine, dose or condition: a clinician answers it,
#: not a page ("should I take my 50 mg metoprolol before the test?").
PERSONAL_MEDICATION = re.compile(
    r"\b(should|can|do|must|shall)\s+i\b.{0,60}\b(\d+\s?(mg|units?|mcg)|dose|insulin|metformin|eliquis|"
    r"apixaban|xarelto|rivaroxaban|warfarin|coumadin|plavix|clopidogrel|metoprolol|lisinopril|ozempic|"
    r"semaglutide|jardiance|prednisone)\b"
    r"|\b(i'?m|i am) on\b.{0,30}\b(should|can|do) i\b",
    re.IGNORECASE,
)

#: The reasons a message is a personal case, for the hand-off's wording.
PERSONAL_KINDS = ("results", "symptoms", "own_case")


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


def personal_kind(questions: Sequence[str], context: str) -> str | None:
    """Why a message is about the patient's own case (results, symptoms, own case), or ``None``.

    What matters is what the patient asks: a story about their own scan that
    ends in a general question ("… what is the recovery like?") is a general
    question. The story counts when the question refers back to it ("is that
    bad?", "should I be worried?", "what could be going on?").
    """
    asked = " ".join(questions)
    first_person = bool(_FIRST_PERSON.search(asked))
    general = bool(_FUTURE.search(asked)) or (bool(_GENERIC_NORMAL.search(asked)) and not _FIRST_PERSON.search(context))
    own_test = bool(_HAD_TEST.search(context))
    if _OWN_RESULTS.search(asked) or (_WAITING.search(asked) and (own_test or _PAST_TEST.search(context))):
        return "results"
    if _OWN_CASE.search(asked) or any(_NEED_TEST.search(q.strip()) for q in questions):
        return "own_case"
    if any(_TOLD_WITH_A_QUESTION_MARK.match(q.strip()) and _OWN_PROCEDURE.search(q) for q in questions):
        return "own_case"
    if _DIAGNOSED.search(asked) and (first_person or own_test):
        return "own_case"
    if (
        _AFTER_MY_PROCEDURE.search(asked)
        and _SYMPTOM.search(asked)
        and not general
        and (first_person or _IS_IT_NORMAL.search(asked))
    ):
        return "symptoms"
    if own_test and _FINDINGS.search(asked):
        return "results"
    if _HARMED_ME.search(asked) and _AFTER_MY_PROCEDURE.search(context) and _SYMPTOM.search(context):
        return "symptoms"
    if _IS_IT_NORMAL.search(asked) and not general:
        if _OWN_RESULTS.search(context) or (own_test and _FINDINGS.search(context)):
            return "results"
        if (_FIRST_PERSON.search(context) and _FINDINGS.search(context)) or _DIAGNOSED.search(context):
            return "results"
        if (_AFTER_MY_PROCEDURE.search(context) or own_test) and _SYMPTOM.search(context):
            return "symptoms"
        if _PAST_TEST.search(context):
            return "results"
    if _FINDS_MY_PROBLEM.search(asked) and _SYMPTOM.search(context):
        # A complaint, then whether the test will find its cause: a diagnosis, the care team's to give.
        return "own_case"
    consulted = any(_CONSULTATION.search(q) and not _FUTURE.search(q) for q in questions)
    if consulted and _HISTORY.search(context) and _SYMPTOM.search(context):
        # A story of symptoms ending in "what could it be?", "how should I treat it?": a doctor's question.
        return "own_case"
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


def asks_if_safe(question: str) -> bool:
    """Whether a question asks if a procedure is safe or possible ("can people with pacemakers have one?").

    With a personal condition in the message, such a question is answered from the
    page's risks, plus the line that sends the patient's own case to the care team.
    """
    return bool(_SAFETY.search(question))


def safety_condition(words: str) -> bool:
    """Whether keywords name a condition that asks if a procedure is safe ("pregnancy", "pacemaker")."""
    return bool(_SAFETY_CONDITION.search(words))


def read(text: str, spans: Sequence[tuple[int, int]] = (), asked: Sequence[str] = ()) -> Reading:
    """Read a message: sentences, questions (at most :data:`MAX_QUESTIONS`), personal case, conditions.

    ``asked`` are the questions NLU already found (and classified apart); else they are found here, the same way.
    """
    sentences = split_sentences(text, spans) or (text.strip(),)
    questions = tuple(asked[:MAX_QUESTIONS]) or find_questions(text, spans)
    # The personal framing is read in the whole sentences that ask ("my MRI came back odd, is that bad?"),
    # every one of them: a fourth question ("what else could it be?") can make the message a personal case.
    asking = [s for s in sentences if is_question(s) or any(q in s for q in questions)] or list(questions)
    return Reading(sentences, questions, personal_kind(asking, text), conditions(text))
