"""Red flags told in the middle of a story, stroke signs given as a list, the ER refused, Spanish.

Every sentence here is the team's own; the held-out and shared sets are only
measured by `make eval`.
"""

from __future__ import annotations

import pytest

from bot.red_flags import red_flag
from bot.stroke_signs import signs_in
from common.sentences import split_sentences

BURIED = [
    # A paragraph of history, the emergency, then a question about a test.
    "I have my bone density scan in two weeks and I wanted to know about the prep. My doctor ordered it because "
    "of my age. Right in the middle of typing this my chest started feeling crushed and the pain is going into my "
    "jaw. Do I need to stop taking calcium before the scan?",
    "We drove up from the coast on Sunday for my father's knee surgery. He came through fine. Now he is on the "
    "couch and he isn't breathing properly, his lips look blue. What time does the clinic open tomorrow?",
    "Quick question about the sleep study, my wife has hers next month. She has been throwing up blood since "
    "lunch and it will not stop. How long does the sleep study last?",
    "My son had his MRI on Monday and we are waiting on results. He fainted in the kitchen ten minutes ago and is "
    "hard to wake up. Will the results come by email?",
    "I've been reading about colonoscopies all evening because mine is Friday. Honestly I've been thinking about "
    "ending my life lately and I don't know who else to tell. Is the prep drink bad?",
    "After the knee scope yesterday I was told to keep the dressing on. The dressing is soaked and blood keeps "
    "coming out through it, it's dripping on the floor. When can I shower?",
]

STROKE_LISTS = [
    "my dad: his left arm is weak, his words come out slurred, and he keeps losing his balance. he has an echo "
    "booked, should we still go?",
    "mom's mouth looks droopy on the right and she can't see out of her left eye. what does a brain mri show?",
    "My husband suddenly has double vision. Can he still have his cataract surgery next week?",
    "she says it's the worst headache of her life and she's confused all of a sudden. how long is a ct scan?",
    "grandpa can't get his words out right now, is the MRI safe for him",
    "numbness on one side of my body and my face feels droopy, I have a stress test tomorrow",
]

ER_REFUSALS = [
    "I don't want to go to the ER but I have crushing chest pain and I'm sweating. Is the stress test still on?",
    "I'd rather not call 911, my wife is having a seizure right now. Is that from the sleep study wires?",
    "we're not going to the hospital, it's too expensive. his face is drooping and his speech is slurred.",
    "I don't want to make a fuss or call an ambulance but I can't breathe even sitting down.",
]

ORDINARY = [
    # Stories and questions that mention symptoms without describing an emergency now.
    "I had a heart attack three years ago and my cardiologist wants a nuclear stress test. How long does it take?",
    "My father had a stroke last year with slurred speech and a drooping face. Is the brain MRI loud?",
    "What are the warning signs of a stroke? I'm having a brain MRI next week and want to know what they look for.",
    "I get a bit short of breath when I climb stairs, that's why I'm having spirometry. How long is it?",
    "I'm a little dizzy sometimes after standing up fast. Is the stress test safe for me?",
    "Can the contrast dye give me hives or a rash?",
    "Will I feel weak on one side after the knee scope?",
    "I don't want to go to the ER for my scan, can I have the CT at the clinic instead?",
    "My chest x-ray is booked for Monday. How long does a chest x-ray take? I'm fitting it into my lunch break.",
    "I nearly fainted when I read the prep instructions lol. What do I drink the night before?",
    "Years ago I coughed up blood once when I had bronchitis. Do I need a chest X-ray before my surgery?",
    "double vision from cataracts has bugged me for years, will the lens implant fix it?",
    "What should I do if I feel short of breath during the spirometry test?",
    "My mom has dementia and gets confused easily. Can I stay with her during the MRI?",
]


@pytest.mark.parametrize("message", BURIED)
def test_an_emergency_in_the_middle_of_a_story_is_found(message: str) -> None:
    assert red_flag(message) is not None


@pytest.mark.parametrize("message", STROKE_LISTS)
def test_stroke_signs_in_a_list_or_sudden_are_an_emergency(message: str) -> None:
    flag = red_flag(message)
    assert flag is not None
    assert flag.kind == "stroke"


@pytest.mark.parametrize("message", ER_REFUSALS)
def test_not_wanting_the_er_does_not_cancel_an_emergency(message: str) -> None:
    assert red_flag(message) is not None


@pytest.mark.parametrize("message", ORDINARY)
def test_stories_and_questions_about_symptoms_are_not_emergencies(message: str) -> None:
    assert red_flag(message) is None


def test_one_stroke_sign_alone_and_not_sudden_is_not_enough() -> None:
    assert red_flag("my mother's speech is slurred and she keeps losing her balance. Is that normal?") is not None
    assert red_flag("Is my slurred speech from the sedation normal the day after?") is None
    assert signs_in("her left arm is weak and her smile is crooked") == {"one_sided_weakness", "face"}


def test_each_sentence_is_judged_alone() -> None:
    # The question mark of the last sentence does not make the first one a question.
    story = "There is pressure in my chest and my left arm hurts. What should I bring to the echo?"
    assert red_flag(story) is not None
    assert red_flag(story, ["There is pressure in my chest and my left arm hurts.", "What should I bring?"])
    # The sentences given are the ones judged.
    assert red_flag("x", ["my chest is crushing me right now"]) is not None


def test_the_fallback_splitter_keeps_numbers_and_list_items() -> None:
    assert split_sentences("Dr. Lee said 38.5 is fine. Now what?\nok") == [
        "Dr. Lee said 38.5 is fine.",
        "Now what?",
        "ok",
    ]
    assert split_sentences("his signs: 1. confused 2. weak arm") == ["his signs:", "1. confused", "2. weak arm"]


SPANISH_EMERGENCIES = [
    ("me duele el pecho y me sudan las manos", "chest"),
    ("No puedo respirar bien desde hace una hora", "breathing"),
    ("Estoy sangrando mucho después de la colonoscopia", "bleeding"),
    ("mi mamá se desmayó en la cocina", "unconscious"),
    ("mi esposo tiene la cara caída y no puede hablar bien", "stroke"),
    ("ya no quiero vivir", "self_harm"),
    ("Pienso en quitarme la vida", "self_harm"),
]

SPANISH_QUESTIONS = [
    "¿Es normal sangrar un poco después de la colonoscopia?",
    "¿La prueba de esfuerzo puede causar dolor de pecho?",
    "¿Cuánto dura la resonancia magnética?",
    "Tengo una cita para una mamografía, ¿qué debo llevar?",
]


@pytest.mark.parametrize(("message", "kind"), SPANISH_EMERGENCIES)
def test_spanish_emergencies_are_found_and_marked_spanish(message: str, kind: str) -> None:
    flag = red_flag(message)
    assert flag is not None
    assert (flag.kind, flag.language) == (kind, "es")


def test_spanish_self_harm_gets_the_crisis_line() -> None:
    flag = red_flag("estoy pensando en hacerme daño esta noche")
    assert flag is not None and flag.self_harm


@pytest.mark.parametrize("message", SPANISH_QUESTIONS)
def test_spanish_questions_about_symptoms_are_not_emergencies(message: str) -> None:
    assert red_flag(message) is None
