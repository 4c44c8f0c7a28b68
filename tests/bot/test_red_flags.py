"""Red flags: emergencies are recognised; questions about symptoms are not emergencies.

These sentences are the team's own; the held-out sets in tests/heldout and
../shared/eval are only measured by `make eval`.
"""

from __future__ import annotations

import pytest

from bot.red_flags import red_flag

EMERGENCIES = [
    "my chest feels really tight and it's spreading to my jaw",
    "I can't breathe properly since the scan",
    "help my husband collapsed on the floor",
    "there is so much blood coming out where they put the IV",
    "my lips and tongue are swelling up after the dye",
    "half of my face is drooping and my words are slurred",
    "i want to end my life",
    "I've been thinking about killing myself",
    "she is having a seizure right now",
    "threw up blood twice after the endoscopy",
    "my belly pain is unbearable since the colonoscopy and i have a fever",
    "i feel like i'm going to pass out and my heart is pounding",
    "took way too many of my sleeping pills",
    "im having chest pain rn",
    "cant breath help",
    "my stool is black and i'm dizzy",
    "honestly everyone would be better off without me. do i need to bring pajamas to the sleep study?",
    "some days i wish i was dead, anyway how long is the mri",
    "i just don't want to wake up anymore",
    "there's no point in living like this, can i still have the scope",
]

NOT_EMERGENCIES = [
    "will the treadmill test give me chest pain?",
    "is some bleeding normal after a colonoscopy?",
    "what if I faint when they put the IV in",
    "can the contrast cause an allergic reaction",
    "i had a heart attack two years ago, can i do the stress test",
    "does the mri make you short of breath",
    "how long does a chest x-ray take",
    "is spirometry hard if i get out of breath easily?",
    "should i bring my inhaler for the breathing test",
    "what are the risks of the nuclear stress test",
    "my mom had a stroke last year, is the brain mri safe for her",
    "i'm a bit confused about the prep instructions",
    "no chest pain, just wondering how long the echo takes",
    "how will this scan help me",
    "will i be better off without the contrast dye?",
    "i don't want to wake up during the colonoscopy, will the sedation be enough?",
    "is there any point in having the scan if my x-ray was normal",
]


@pytest.mark.parametrize("message", EMERGENCIES)
def test_emergencies_are_recognised(message: str) -> None:
    assert red_flag(message) is not None


@pytest.mark.parametrize("message", NOT_EMERGENCIES)
def test_questions_about_symptoms_are_not_emergencies(message: str) -> None:
    assert red_flag(message) is None


def test_self_harm_is_marked_for_the_crisis_line() -> None:
    flag = red_flag("i don't want to be alive anymore")
    assert flag is not None and flag.self_harm
    other = red_flag("crushing chest pain right now")
    assert other is not None and not other.self_harm
