"""Red flags in Spanish: the same emergencies, as Spanish speakers describe them.

Text is compared without accents ("respiración" → "respiracion"), lower case.
A question about a symptom ("¿es normal sangrar un poco?") is not an
emergency; a statement of it is. Standard library only.
"""

from __future__ import annotations

import re
import unicodedata

#: Always an emergency.
ALWAYS: dict[str, str] = {
    "self_harm": (
        r"\b(suicid\w*|matarme|quitarme la vida|(quiero|quisiera|me quiero) morir(me)?|(ya )?no quiero (vivir|seguir)|"
        r"hacerme dano|lastimarme|cortarme|acabar con (mi vida|todo)|mejor muert[oa]|no vale la pena vivir)"
    ),
    "overdose": r"\b(sobredosis|(me )?tome (muchas|todas las|un frasco de|demasiadas) (pastillas|pildoras|medicinas))",
    "explicit": r"\b((necesito|llamen?( a)?( una)?) ambulancia|me estoy muriendo|me voy a morir)\b",
    "not_breathing": r"\b((no|ya no) (esta )?respira(ndo)?\b|dejo de respirar|se (esta )?poniendo (azul|morad[oa]))",
}

#: Emergencies when stated, not asked about.
SYMPTOMS: dict[str, str] = {
    "chest": (
        r"\b((dolor|presion|opresion|apreton|ardor)\w*\b.{0,25}\bpecho|(me |le )duele (mucho |muchisimo )?el pecho|"
        r"pecho\b.{0,20}\b(duele|apretado|apretando|presion|dolor)|infarto|ataque al corazon)"
    ),
    "breathing": (
        r"\b(no (puedo|puede) respirar|(me |le )?falta (el )?aire|(me|se) (estoy |esta )?ahog\w*|"
        r"(dificultad|problemas?) para respirar|me cuesta (mucho )?respirar|casi no (puedo|puede) respirar)"
    ),
    "stroke": (
        r"\b(cara (caida|torcida|chueca|dormida|paralizada)|boca (torcida|chueca|caida)|"
        r"(no (puedo|puede) hablar|habla (raro|mal|arrastrad\w*|enredad\w*|trabad\w*))|"
        r"(brazo|pierna|lado)\b.{0,25}\b(dormid|entumid|debil|paraliz|no (lo|la) (puedo|puede) mover)\w*|"
        r"derrame cerebral|embolia|(perdi|perdio|perdida de) (la )?vista|vision doble|veo doble)"
    ),
    "bleeding": (
        r"\b(sangr\w* (mucho|muchisimo|bastante|sin parar|demasiado|a chorros)|(mucha|demasiada|bastante) sangre|"
        r"no (para|deja) de sangrar|hemorragia|(vomit\w*|tos\w*|escup\w*) sangre)"
    ),
    "unconscious": r"\b(desmay\w*|no responde|inconsciente|perdio el conocimiento|convulsi\w*|no (se )?despierta)",
    "allergy": r"\b((garganta|lengua|labios?)\b.{0,20}\b(hinch\w*|cerrando)|reaccion alergica)",
    "emergency": r"\b(auxilio|socorro)\b",
}

#: A question about a symptom, or one that may happen, rather than a statement of it.
HYPOTHETICAL = re.compile(
    r"\b(es normal|(?<!no )puede|(?<!no )pueden|podria|riesgos?|efectos? (secundarios?|adversos?)|"
    r"que pasa si|y si|si (me|tengo|siento|hay)|causa|causar|suele|"
    r"despues de(l)? (examen|estudio|procedimiento)|durante (el|la) (examen|estudio|prueba))\b"
)
#: Words that put a symptom in the past.
PAST = re.compile(r"\b(hace (\w+ )?(anos|meses|semanas)|el ano pasado|antes tenia|de nino|de nina|a veces)\b")
#: Words that say it is happening now.
NOW = re.compile(r"\b(ahora|ahorita|ya|ayuda|desde hace (\w+ )?(minutos|una hora|horas)|en este momento|de repente)\b")


def fold(text: str) -> str:
    """Lower case without accents, inverted marks dropped."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("¿", " ").replace("¡", " ")


_ALWAYS_RE = {kind: re.compile(pattern) for kind, pattern in ALWAYS.items()}
_SYMPTOM_RE = {kind: re.compile(pattern) for kind, pattern in SYMPTOMS.items()}


def spanish_red_flag(sentences: list[str]) -> tuple[str, str] | None:
    """The kind of emergency and the words that showed it, in Spanish sentences, or ``None``.

    Args:
        sentences: the message's sentences, as typed.
    """
    folded = [fold(s) for s in sentences]
    for sentence in folded:
        for kind, pattern in _ALWAYS_RE.items():
            match = pattern.search(sentence)
            if match:
                return kind, match.group(0)
    for sentence in folded:
        now = NOW.search(sentence) is not None
        if not now and (HYPOTHETICAL.search(sentence) or PAST.search(sentence)):
            continue
        for kind, pattern in _SYMPTOM_RE.items():
            match = pattern.search(sentence)
            if match and not re.search(r"\b(no|sin|nunca)\s+(\w+\s+)?$", sentence[: match.start()]):
                return kind, match.group(0)
    return None
