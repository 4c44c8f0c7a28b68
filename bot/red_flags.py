"""Red-flag check: does a message describe a medical emergency happening now?

It runs on every message before anything else decides what to answer (the
Rasa component :mod:`bot.components.red_flags` calls it). Patterns are
deliberately broad for recall; a question *about* a symptom ("will the stress
test give me chest pain?") is not an emergency unless it also says it is
happening now. Each sentence is judged on its own, so an emergency told in the
middle of a long story, before a question about a test, is still found; stroke
signs given as a list count together (:mod:`bot.stroke_signs`); not wanting to
go to the ER or call 911 changes nothing; Spanish has patterns of its own
(:mod:`bot.red_flags_es`). Standard library only, so every runtime and the
evaluation can use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.red_flags_es import spanish_red_flag
from bot.stroke_signs import stroke_list
from common.sentences import split_sentences

_CONTRACTIONS = (
    (r"\bcant\b", "can't"),
    (r"\bcannot\b", "can't"),
    (r"\bcan not\b", "can't"),
    (r"\bim\b", "i'm"),
    (r"\bi m\b", "i'm"),
    (r"\bwont\b", "won't"),
    (r"\bwill not\b", "won't"),
    (r"\bdont\b", "don't"),
    (r"\bive\b", "i've"),
    (r"\bbreath\b(?! (test|of|in|out))", "breathe"),
    (r"\bu\b", "you"),
    (r"\b(is|was|does|did|has|have|are|were|could|would|should)nt\b", r"\1n't"),
    (r"\bcuz\b", "because"),
)

#: Always an emergency, whatever else the message says.
_ALWAYS: dict[str, str] = {
    "self_harm": (
        r"\b(kill(ing)? (my|him|her|them) ?sel(f|ves)|(he|she|they)('s| is|'re| are) going to (kill|hurt)|suicid\w*|end(ing)? (it all|my life|things)|take my (own )?life|"
        r"want(ed)? to die|wanna die|(hurt|harm|cut)(ing)? my ?self|self[- ]?harm|"
        r"(don't|do not) want to (live|be alive|be here)|better off dead|no reason to live|"
        # Passive thoughts of death, as screening questions ask about them: as urgent as a plan.
        r"(would|will|'d) (all )?be better off without me|wish(ed)? i (was|were|could be) dead|"
        r"(don't|do not) want to wake up (again|any ?more)\b|no point (in )?(living|going on|being alive))"
    ),
    "overdose": (
        r"\b(overdos\w*|took (way |a whole )?(too many|bottle of|lot of|handful of)\b.{0,20}(pills|tablets|meds)|"
        r"(swallowed|took|ate)\b.{0,25}\b(pills|tablets|bottle)|took (double|twice|triple) (my |the )?(dose|insulin|pills|meds)|"
        r"(drank|swallowed|ate)\b.{0,15}\b(bleach|poison|"
        r"detergent|antifreeze|cleaner))"
    ),
    # Asking whether to go to the ER with what is happening: the answer is the emergency message.
    "asks_er": (
        r"\b(should|do|would|must) (i|we|you|he|she) (need to )?(go|take (him|her|them|me)|get) (in )?(to )?(the )?"
        r"(er|e\.r\.|emergency( room| department)?|a&e)\b"
    ),
    "explicit": r"\b(call (an )?ambulance|need an ambulance|send an ambulance|i'm dying(?! to)|i think i'm dying)\b",
    "not_breathing": (
        r"\b(gasping for (air|breath)|(isn't|is not|not) breathing( right| properly| normally)?|stopped breathing|turning (blue|grey|gray)|"
        r"(lips|face|skin) (are |is |look |looks )?(turning )?(blue|bluish|grey|gray)|can't tell if (he|she|they)('s|'re| is| are) breathing)"
    ),
}

#: Emergencies when the message says they are happening (not a question about them).
_SYMPTOMS: dict[str, str] = {
    "breathless": r"\b(can't breathe|can't catch (my|his|her) breath|gasping|(is |am |i'm |he's |she's )choking)",
    "airway": (
        r"\b((throat|tongue|lips?|mouth|neck)\b.{0,20}\b(swell\w*|swollen|closing|closed|tight\w*)|"
        r"anaphyla\w*|(swell\w*|swollen) (throat|tongue|lips?)|can't swallow)"
    ),
    "unconscious": (
        r"\b(passed out|passing out|fainted|blacked out|unconscious|unresponsive|not responding|collapsed|"
        r"won't wake up|can't wake (him|her|them|my)|(isn't|is not|not) moving)"
    ),
    "seizure": r"\b(having (a )?(seizure|fit)s?|seizing|convuls\w*|(had|having|has) a (seizure|fit))",
    "stroke": (
        r"\b(face (is )?droop\w*|droop\w* face|slurr\w*( speech| words)?|"
        r"can't (move|feel|lift) (my |his |her )?(arm|leg|left|right|one side)|(arm|leg) is (limp|numb|dead)|"
        r"(one|left|right) side of (my|his|her) (body|face|mouth)\b.{0,20}\b(numb|weak|droop|paraly)\w*|"
        r"numb\w* on one side|having a stroke|can't (talk|speak)( properly| right| clearly)?)"
    ),
    "chest": (
        r"\b(ch?e?st\b(?! (x-?rays?|ct|scan|film|imaging))[^.?!]{0,25}\b(pain\w*|hurt\w*|tight\w*|pressure|crushing|heavy|"
        r"squeez\w*|aches?|aching|crush\w*)|(pain|pressure|tightness|heaviness) in (my |the |his |her )?chest|"
        r"pain (is )?(going|spreading|radiating|moving|shooting) (in)?to (my |his |her |the )?(left )?(jaw|arm|shoulder)|"
        r"(having|has|is this|think (it's|i'm having|he's having|she's having)) a heart attack|"
        r"chest\b.{0,30}\b(elephant|weight on|sitting on|being crushed|in a vice))"
    ),
    "breathing": (
        r"\b((hard|difficult|trouble|struggling|struggle|unable|hardly able) (to )?breath\w*|"
        r"short(ness)? of breath|out of breath|breathless|wheez\w*|can barely breathe)"
    ),
    "bleeding": (
        r"\b(can't stop (the )?bleed\w*|spurting|(ble+d\w*|blood)\b.{0,25}\b(won't stop|not stopping|keeps? coming|a lot|heavily|badly|everywhere|"
        r"soak\w*|pouring|gushing|so much|lots|nonstop|through)|(heavy|severe|lots of|a lot of|so much) (bleed\w*|blood)|"
        r"(vomit\w*|throw\w* up|threw up|cough\w* up|coughed up|spit\w* up|puk\w*|pooping|peeing)( \w+){0,3} blood|"
        r"coffee grounds?|(lots|a lot|so much|large amounts?|tons|a cup|a cupful) of (bright |dark )?(red )?(blood|clots)|"
        r"passing (clots|blood)|(toilet|bowl)\b.{0,20}\b(full of|filled with) blood|"
        r"black (tarry )?(stool|poop)|(stool|poop) is (black|bloody|all blood)|blood in (my )?(stool|poop))"
    ),
    "allergy": r"\b(hives|allergic reaction|rash all over|itching all over|face (is )?swell\w*|swollen face)",
    "severe_pain": (
        r"\b((severe|unbearable|excruciating|worst|terrible|extreme|really bad|horrible|agoni\w*)\b.{0,20}"
        r"\b(pain|headache|belly|stomach|abdom\w*|cramp\w*)|(pain|hurts?)\b.{0,30}\b(unbearable|so bad|really bad|"
        r"terribl\w*|excruciating)|worst headache|(pain|hurts?)\b.{0,20}\b(10/10|10 out of 10|9/10|9 out of 10)|"
        r"(belly|stomach|abdomen) is (swollen|hard|rigid|distended))"
    ),
    "neuro": (
        r"\b(confused and|and confused|very confused|so confused|(is|seems|getting|acting) confused|sudden confusion|"
        r"can't (see|think straight)|lost (my )?(vision|sight)|vision (went|is|has gone) (black|blurry|dark)|"
        r"sudden(ly)? (blind|weak|numb))"
    ),
    "fever": r"\b(high fever|fever of (10[3-9]|4[0-9])|burning up|fever\b.{0,30}\b(chills|shaking|confus\w*))",
    "dizzy": (
        r"\b(very dizzy|so dizzy|dizzy and|about to faint|going to faint|gonna faint|feel faint|feel like fainting|"
        r"room is spinning|light ?headed)"
    ),
    "heart": (
        r"\b(heart\b.{0,20}\b(racing|pounding|skipping|fluttering|stopped|stopping)|racing heart|"
        r"(heart rate|pulse|watch|monitor)\b.{0,20}\b([2-3]\d|1[5-9]\d|2\d\d) ?(bpm|beats))"
    ),
    # A known clot with new breathing trouble or chest pain: a clot in the lung.
    "clot": (
        r"\b((clot|dvt|thrombosis|embolism)\b.{0,60}\b(breath\w*|chest)|(breath\w*|chest pain)\b.{0,60}\b"
        r"(clot|dvt|thrombosis|embolism))"
    ),
    # A reaction to the contrast dye or an injection.
    "contrast_reaction": (
        r"\b(dye|contrast|injection|tracer|the shot)\b.{0,60}\b(tremor\w*|shak(ing|y)|trembl\w*|hives|swell\w*|"
        r"rash|itch\w*|wheez\w*)"
    ),
    "vomiting": r"\b(can't stop (vomit|throw)\w*|vomiting nonstop)",
    "emergency": r"\b(this is an emergency|it's an emergency|hlp|call 911|someone call)\b",
}

#: Words that say it is happening now, strongly enough to outweigh question words.
_NOW = (
    r"\b(now|right now|rn|currently|at the moment|just (started|happened|now)|won't stop|getting worse|"
    r"help|hlp|what (do|should) (i|we) do(?! if| when| in case| during)|minutes? ago|an hour ago|since (this|last|yesterday|the)|"
    r"still (shaking|bleeding|seizing|not)|tonight|since (lunch|dinner|breakfast|noon|\d)|keeps? (going|coming)|this (morning|afternoon|evening)|suddenly|all of a sudden|"
    r"(for|in) the (last|past) (few |\d+ |twenty |ten |thirty |half (an )?)?(minutes?|hour))\b|!"
)

#: Words that make a symptom a question about what could happen.
_HYPOTHETICAL = (
    r"\b(will|would|could|might|may|can(?!')|does|do|is it|is that|is there|are there|what if|if i|if you|"
    r"if|in case|normal|expect\w*|possible|chance|risks?|side effects?|cause|causes|happen\w*|should i|"
    r"worry|worried|meds|medication|why)\b|"
    # A question about a test or procedure, with the symptom as background.
    r"\b(scan|test|procedure|exam|appointment|prep|mri|ct|x-?ray|ultrasound|scope|surgery|study)\b[^.!]*\?"
)
#: Words that put a symptom in the past, or make it an old, recurring one.
_PAST = (
    r"\b(history of|used to|last (year|month|week)|years? ago|months? ago|in the past|when i was|"
    r"sometimes|occasionally|on and off|every now and then|died of|passed away|at night|in my sleep|while (i'm )?asleep|i wake up|and wake up|when i (walk|exercise|run|climb)\w*|"
    r"before\b.{0,20}\bhad|when i('m)? (walk|exercis|run|climb|garden|stand|bend|lie|lay|eat|get up|wake|work out)\w*|"
    r"(i|he|she) gets? (it |them |this )?when|whenever|(said|told (me|us)) (he|she|they|it|that)|felt|"
    r"(over|for|in|during) the (last|past) (couple|few|several|many|\d+|two|three|four|six) (of )?(weeks|months|years)|"
    r"recently had|i had (a|an|some)|chronic|for (almost |about |over |nearly )?(years|months|"
    r"(a|one|two|three|four|five|six|several|many|a few|\d+) (years?|months?))|since childhood)\b"
)
#: Words that make a symptom a mild one.
_MILD = re.compile(r"\b(a (little )?bit|a little|slight(ly)?|mild(ly)?|kind of|kinda|sort of)\b")
#: Not wanting the ER or an ambulance: no reason to doubt the emergency, nor a sign of one.
_ER_REFUSAL = re.compile(
    r"\b(i|we|he|she|they)('d| would)? (don't|do not|didn't|doesn't|does not|rather not|really don't|won't|"
    r"(am|'m|is|are|'re) not (trying|going|wanting) to|can't afford to|hate to|refuse to|(do not|don't) want to)\b"
    r"[^.?!]{0,40}\b(go(ing)? (to )?(the )?(er|e\.r\.|emergency( room| department)?|hospital|a&e)|call(ing)? (911|an ambulance|"
    r"the ambulance)|an ambulance|make a fuss|bother (anyone|you))\b((?!\b(but|and|because|though|so)\b)[^,.?!;])*"
)


@dataclass(frozen=True)
class RedFlag:
    """Why a message was judged an emergency."""

    kind: str
    matched: str
    #: The language of the patterns that found it ("en" or "es").
    language: str = "en"

    @property
    def self_harm(self) -> bool:
        """Whether the crisis line (988) is the first number to give."""
        return self.kind in {"self_harm", "overdose"}


#: Symptoms that a long-standing story ("for two years", "chronic") makes old unless it says "now".
_SOFT = frozenset({"severe_pain", "neuro", "dizzy", "heart", "fever", "allergy", "breathing", "chest"})

#: Symptoms that "a little" or "mild" makes no emergency.
_MILD_KINDS = (_SOFT - {"chest"}) | {"contrast_reaction"}

_ALWAYS_RE = {kind: re.compile(pattern) for kind, pattern in _ALWAYS.items()}
_SYMPTOM_RE = {kind: re.compile(pattern) for kind, pattern in _SYMPTOMS.items()}
_NOW_RE = re.compile(_NOW)
_HYPOTHETICAL_RE = re.compile(_HYPOTHETICAL)
_PAST_RE = re.compile(_PAST)


def normalise(text: str) -> str:
    """Lower case, straight apostrophes, common SMS spellings expanded."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    for pattern, replacement in _CONTRACTIONS:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"\s+", " ", text).strip()


def red_flag(message: str, sentences: list[str] | None = None) -> RedFlag | None:
    """The emergency a message describes, or ``None``.

    Args:
        message: the patient's message, as typed.
        sentences: its sentences (spaCy's, in the Rasa pipeline); split here when not given.
    """
    parts = [p for p in (sentences if sentences else split_sentences(message)) if p.strip()] or [message]
    normalised = [_ER_REFUSAL.sub(" ", normalise(p)) for p in parts]
    for kind, pattern in _ALWAYS_RE.items():
        for text in normalised:
            match = pattern.search(text)
            if match and not _negated(text, match.start()):
                return RedFlag(kind, match.group(0))
    stroke = stroke_list(normalised, _PAST_RE)
    if stroke is not None:
        return RedFlag("stroke", stroke)
    chronic = _PAST_RE.search(" ".join(normalised)) is not None
    for text in normalised:
        for kind, pattern in _SYMPTOM_RE.items():
            match = pattern.search(text)
            if kind in _MILD_KINDS and _MILD.search(text):
                continue
            if match and not _negated(text, match.start()) and _happening(text, chronic and kind in _SOFT):
                return RedFlag(kind, match.group(0))
    spanish = spanish_red_flag(parts)
    if spanish is not None:
        return RedFlag(spanish[0], spanish[1], language="es")
    return None


#: Longer messages are stories: the sentence patterns judge them, not the intent classifier.
CLASSIFIER_MAX_WORDS = 40
#: Words that say it is happening at this very moment.
_RIGHT_NOW = re.compile(r"\b(right now|rn|just now|as we speak|at the moment|minutes? ago|come quick\w*)\b")


def classifier_may_be_right(message: str) -> bool:
    """Whether an intent classifier's ``emergency``, with no red flag found, may be believed.

    The classifier learnt from short cries for help; it also says ``emergency``
    to questions about a mild or past symptom ("a little itchy since the scan,
    normal?") and to long histories. It is believed for a short message that
    neither asks about a symptom, nor puts it in the past, nor calls it mild,
    unless it says it is happening right now.

    Args:
        message: the patient's message, as typed.
    """
    text = normalise(message)
    if len(text.split()) > CLASSIFIER_MAX_WORDS:
        return False
    if _RIGHT_NOW.search(text):
        return True
    return not (_HYPOTHETICAL_RE.search(text) or _PAST_RE.search(text) or _MILD.search(text))


def _happening(text: str, chronic: bool = False) -> bool:
    """Whether a sentence says a symptom is happening, rather than asking about it.

    A statement ("crushing pain in my chest") is happening; a question ("will
    it cause chest pain?") or a past history ("chest pain last year") is not,
    unless the sentence also says it is happening now ("...and now my chest is tight").

    Args:
        text: one normalised sentence.
        chronic: the message tells a long-standing story: milder symptoms need "now".
    """
    now = _NOW_RE.search(text) is not None
    if chronic or _PAST_RE.search(text):
        return now
    return now or _HYPOTHETICAL_RE.search(text) is None


def _negated(text: str, start: int) -> bool:
    """Whether the words just before a match deny it ("no chest pain")."""
    before = text[max(0, start - 25) : start]
    return (
        re.search(
            r"\b(no|not|never|without|denies|don't have|didn't have|haven't had|nearly|almost)\s+"
            r"((?!but\b|and\b|now\b)\w+\s+){0,2}$",
            before,
        )
        is not None
    )
