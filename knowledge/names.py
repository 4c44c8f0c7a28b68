"""How patients may write a procedure's names: the variants the matcher looks for."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PARENTHESIS_RE = re.compile(r"\s*\(([^)]*)\)")
_SPACE_RE = re.compile(r"\s+")
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
