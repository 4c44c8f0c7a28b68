"""How patients may write a procedure's names: the variants the matcher looks for."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PARENTHESIS_RE = re.compile(r"\s*\(([^)]*)\)")
_SPACE_RE = re.compile(r"\s+")
#: Qualifiers patients leave out: "MRI of the brain without contrast" is "MRI of the brain".
_QUALIFIERS_RE = re.compile(
    r",?\s*\b(without contrast|with contrast|without dye|with dye|diagnostic|complete|two views|screening)\b,?",
)
#: "MRI of the brain" is also "brain MRI", "MRI brain" and "MRI of my brain".
_OF_THE_RE = re.compile(r"^(?P<what>[\w/-]+(?: [\w/-]+)?) of the (?P<where>[\w-]+)$")
#: Parenthesised remarks that are not part of a name, e.g. "(e.g., Particulate)".
_REMARK_RE = re.compile(r"^(e\.?g\.?|eg|i\.?e\.?|ie)\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """Lower case, straight punctuation, single spaces."""
    text = text.lower().replace("’", "'").replace("–", "-").replace("—", "-")
    return _SPACE_RE.sub(" ", text).strip(" .,;:")


def name_variants(name: str) -> set[str]:
    """The spellings a patient may use for one name.

    "Ventilation-Perfusion (V/Q) Scan" gives "ventilation-perfusion scan",
    "ventilation perfusion scan", "v/q scan", "vq scan", "v q scan" and more.
    """
    base = normalise(name)
    forms = {_PARENTHESIS_RE.sub("", base).strip()}
    for match in _PARENTHESIS_RE.finditer(base):
        inner = match.group(1).strip()
        if not inner or _REMARK_RE.match(inner):
            continue
        rest = re.split(r"[,;]", base[match.end() :], maxsplit=1)[0].strip()
        # A short parenthesised abbreviation stands for the words before it.
        if len(inner) <= 8 and " " not in inner:
            forms.add(f"{inner} {rest}".strip())
            if len(inner) >= 3 and not rest:
                forms.add(inner)
    for form in list(forms):
        plain = _SPACE_RE.sub(" ", _QUALIFIERS_RE.sub(" ", form)).strip(" ,")
        if plain and plain != form and len(plain) >= 3:
            forms.add(plain)
    for form in list(forms):
        of_the = _OF_THE_RE.match(form)
        if of_the:
            what, where = of_the.group("what"), of_the.group("where")
            forms |= {f"{where} {what}", f"{what} {where}", f"{what} of my {where}"}
    variants: set[str] = set()
    for form in forms:
        form = _SPACE_RE.sub(" ", form).strip(" ,")
        if not form:
            continue
        variants.add(form)
        for separator in ("-", "/"):
            if separator in form:
                variants.add(form.replace(separator, " "))
                variants.add(form.replace(separator, ""))
    return {v for v in (_SPACE_RE.sub(" ", v).strip() for v in variants) if len(v) >= 2}


def variants_of(names: Iterable[str]) -> set[str]:
    """All variants of several names."""
    result: set[str] = set()
    for name in names:
        result |= name_variants(name)
    return result


#: Derivations of a name's last word: "echocardiogram" is also "echocardiography",
#: "colonoscopy" is also "colonoscope" and "colonoscopic". Suffix -> the suffixes it may become.
_DERIVATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("graphy", ("gram",)),
    ("gram", ("graphy",)),
    ("graph", ("graphy",)),
    ("scopy", ("scope", "scopic")),
    ("scopic", ("scopy",)),
    ("scope", ("scopy", "scopic")),
    ("metry", ("meter", "metric")),
    ("ectomy", ("ectomies",)),
)
#: British spellings patients may use, as (American, British) pieces of a word.
_SPELLINGS = (("esophag", "oesophag"), ("anesth", "anaesth"), ("hemo", "haemo"), ("edema", "oedema"))
_WORD_RE = re.compile(r"^[a-z]{3,}$")
_VOWELS = frozenset("aeiou")


def plural(word: str) -> str:
    """The regular English plural of a word: "study" -> "studies", "scan" -> "scans", "x-ray" -> "x-rays"."""
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    if word.endswith("us") and len(word) > 4:
        return word[:-2] + "i"  # meniscus -> menisci
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def singular(word: str) -> str | None:
    """The singular of a regular plural ("studies" -> "study", "cataracts" -> "cataract"), or ``None``."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return None


def word_forms(variant: str) -> set[str]:
    """A name variant with the other forms of its last word: plurals and common derivations.

    "echocardiogram" gives "echocardiograms", "echocardiography", "echocardiographies";
    "sleep study" gives "sleep studies"; "x-ray" gives "x-rays". Codes and
    abbreviations of one or two letters are left as they are.
    """
    head, _, last = variant.rpartition(" ")
    prefix = f"{head} " if head else ""
    bare = last.replace("-", "")
    if not re.fullmatch(r"[a-z][a-z-]*[a-z]", last) or len(bare) < 2:
        return {variant}
    lasts = {last}
    for suffix, others in _DERIVATIONS:
        stem = last[: -len(suffix)]
        if last.endswith(suffix) and len(stem) >= 3:
            lasts |= {stem + other for other in others}
            break
    one = singular(last) if _WORD_RE.match(last) else None
    if one is not None:
        lasts.add(one)
    # Adjectives ("arthroscopic") have no plural; a plural's plural is not a word.
    lasts |= {
        plural(word) for word in list(lasts) if not word.endswith("ic") and (singular(word) is None or word == one)
    }
    forms = {prefix + word for word in lasts}
    first, _, tail = variant.partition(" ")
    if tail and _WORD_RE.match(first) and tail.count(" ") <= 1 and " of " not in f" {tail} ":
        # "chest x-ray" is also "x-ray of the chest", "x-rays of my chest".
        for what in {tail, *(f"{tail.rpartition(' ')[0]} {w}".strip() for w in lasts)}:
            forms |= {f"{what} of the {first}", f"{what} of my {first}", f"{what} of {first}"}
    for american, british in _SPELLINGS:
        forms |= {form.replace(american, british) for form in forms if american in form}
    return forms


def forms_of(names: Iterable[str]) -> set[str]:
    """Every variant of several names, each in all its word forms (what the matcher looks for)."""
    result: set[str] = set()
    for variant in variants_of(names):
        result |= word_forms(variant)
    return result
