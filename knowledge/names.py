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
