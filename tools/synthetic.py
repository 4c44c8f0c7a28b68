"""Synthetic procedure pages in the seed page's format, for benchmarks and tests.

``python -m tools.synthetic N OUTDIR [--seed S] [--start CODE]`` writes N
pages with CPT codes ``start``, ``start + 1``, ... (10000 and up by default, a
range no sample page uses). Page ``i`` depends only on the seed and its code,
so the first 1,000 pages of a 10,000-page set are the 1,000-page set. The
pages have the real pages' shape (about 43 passages: paragraphs, bullets and
numbered steps under the seed's headings), so that parsing, indexing and
search cost what real pages of that size would.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

from knowledge.sections import SECTION_KEYS

FIRST_CODE = 10000
STATUS = "synthetic content for benchmarks and tests, not for patients"

_HEADINGS = {key: key.replace("_", " ").title().replace(" And ", " and ") for key in SECTION_KEYS}

_ORGANS = (
    "kidney", "liver", "spine", "shoulder", "hip", "thyroid", "bladder", "pancreas", "sinus", "ankle",
    "wrist", "heart", "lung", "colon", "stomach", "prostate", "breast", "skin", "knee", "eye",
)  # fmt: skip
_MODALITIES = (
    "ultrasound", "CT scan", "MRI", "X-ray", "biopsy", "endoscopy", "nuclear scan", "arthroscopy",
    "function test", "injection", "angiogram", "laser treatment",
)  # fmt: skip
_QUALIFIERS = ("limited", "complete", "with contrast", "without contrast", "bilateral", "follow-up")
_STAFF = ("radiologist", "technologist", "nurse", "anesthesiologist", "surgeon", "medical assistant", "specialist")
_PLACES = ("an outpatient imaging center", "a hospital's radiology department", "a day-surgery unit", "the clinic")
_DURATIONS = ("15 to 30 minutes", "30 to 60 minutes", "about an hour", "one to two hours", "about 20 minutes")

_SENTENCES = {
    "summary": (
        "The {name} is a common test that looks at the {organ}.",
        "It helps your care team see how well the {organ} is working.",
        "Most patients go home the same day.",
    ),
    "purpose": (
        "It is done to find the cause of symptoms that involve the {organ}.",
        "It can also check how a treatment is working over time.",
        "Doctors use the results to plan the next steps of care.",
    ),
    "indications": (
        "Pain or swelling near the {organ} that does not go away.",
        "An abnormal result on an earlier test.",
        "Follow-up of a known condition of the {organ}.",
        "Checking the {organ} before a planned surgery.",
        "Symptoms that keep coming back despite treatment.",
    ),
    "preparation": (
        "You may be asked not to eat or drink for {hours} hours before the test.",
        "Tell the staff about every medicine you take, especially blood thinners.",
        "Wear loose, comfortable clothing and leave jewelry at home.",
        "Bring a list of your allergies and earlier test results.",
        "Arrange for someone to drive you home if you will get a sedative.",
    ),
    "procedure_description": (
        "You lie down on a padded table.",
        "The {staff} explains each step and answers your questions.",
        "The area over the {organ} is cleaned and prepared.",
        "The {modality} equipment is positioned over the {organ}.",
        "Images or samples are taken while you stay still.",
        "The equipment is removed and you rest for a short time.",
    ),
    "duration": ("The {name} usually takes {duration}.", "Plan extra time for check-in and recovery."),
    "setting": ("It is usually done in {place}.",),
    "personnel": ("{Staff}", "Nurse", "Receptionist and scheduling staff", "Referring physician"),
    "risks_and_complications": (
        "Mild discomfort or bruising where the test was done.",
        "A rare allergic reaction to medicines or contrast.",
        "A small risk of infection.",
        "Bleeding, which is uncommon.",
        "Feeling tired for the rest of the day.",
    ),
    "benefits": (
        "Gives clear information about the {organ}.",
        "Helps your doctor choose the right treatment.",
        "Is usually quick and safe.",
        "Can avoid the need for more invasive tests.",
    ),
    "recovery": (
        "Most people return to normal activities the same day.",
        "Drink plenty of fluids unless told otherwise.",
        "Do not drive for 24 hours if you had a sedative.",
        "Call the clinic if you have fever or pain that gets worse.",
        "Your doctor will share the results at a follow-up visit.",
    ),
    "alternatives": (
        "A different imaging test of the {organ}.",
        "Blood tests or a physical examination.",
        "Watchful waiting, if your doctor agrees.",
    ),
    "patient_experience": (
        "Most patients say the {name} is easier than they expected.",
        "You may feel some pressure but rarely pain.",
    ),
}

#: How each section's passages are written, as in the seed page.
_KINDS = {
    "indications": "bullet",
    "preparation": "bullet",
    "procedure_description": "step",
    "personnel": "bullet",
    "risks_and_complications": "bullet",
    "benefits": "bullet",
    "recovery": "bullet",
    "alternatives": "bullet",
    "similar_codes": "bullet",
}


def page_text(code: int, seed: int = 0) -> str:
    """The text of the synthetic page with this CPT code.

    Args:
        code: the page's CPT code (five digits).
        seed: the generator's seed; the same seed and code give the same page.
    """
    rng = random.Random(f"{seed}:{code}")  # noqa: S311 (test data, not secrets)
    organ = rng.choice(_ORGANS)
    modality = rng.choice(_MODALITIES)
    qualifier = rng.choice(_QUALIFIERS)
    name = f"{organ} {modality}"
    values = {
        "name": name,
        "organ": organ,
        "modality": modality,
        "staff": rng.choice(_STAFF),
        "Staff": rng.choice(_STAFF).capitalize(),
        "place": rng.choice(_PLACES),
        "duration": rng.choice(_DURATIONS),
        "hours": rng.choice((2, 4, 6, 8)),
    }
    lines = [
        "---",
        f"cpt: {code}",
        f"display_name: {name} {code}",
        f"status: {STATUS}",
        f"aliases: {organ} {modality} {qualifier} {code}, {modality} of the {organ} {code}",
        "---",
        f"{name.capitalize()}, {qualifier}",
        "",
        "CPT4 code",
        "",
        "Name of the Procedure:",
        "",
        f"{name.title()} ({qualifier}), also known as {organ.title()} {modality} {code}.",
        "",
    ]
    for key in SECTION_KEYS:
        if key == "similar_codes":
            # Like real pages, related codes need not have pages of their own.
            passages = [f"{other} — related procedure {other}" for other in rng.sample(range(10000, 100000), 3)]
        else:
            templates = _SENTENCES[key]
            passages = [template.format(**values) for template in templates]
            if _KINDS.get(key) is None:
                # Paragraph sections: one or two paragraphs of the section's sentences.
                passages = [" ".join(passages)] if rng.random() < 0.5 else passages
        lines += [_HEADINGS[key], ""]
        kind = _KINDS.get(key, "paragraph")
        for number, passage in enumerate(passages, start=1):
            if kind == "bullet":
                lines.append(f"  • {passage}")
            elif kind == "step":
                lines.append(f"  {number}. {passage}")
            else:
                lines += [passage, ""]
        if kind != "paragraph":
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_pages(count: int, folder: Path, seed: int = 0, start: int = FIRST_CODE) -> list[Path]:
    """Write ``count`` synthetic pages into ``folder`` and return their paths.

    Args:
        count: how many pages.
        folder: where to write them (created when missing).
        seed: the generator's seed.
        start: the first CPT code; codes must stay five digits.

    Raises:
        ValueError: when the codes would not be five digits.
    """
    codes = range(start, start + count)
    if start < 10000 or codes.stop > 100000:
        raise ValueError(f"codes {start}..{codes.stop - 1} are not all five digits")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for code in codes:
        path = folder / f"{code}-synthetic.txt"
        path.write_text(page_text(code, seed), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """Command line: write N synthetic pages into OUTDIR."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.synthetic",
        description="Write N synthetic procedure pages (seed-page format, CPT codes 10000 and up) into OUTDIR.",
    )
    parser.add_argument("count", type=int, metavar="N", help="how many pages")
    parser.add_argument("outdir", type=Path, metavar="OUTDIR", help="folder to write them into")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0): same seed, same pages")
    parser.add_argument("--start", type=int, default=FIRST_CODE, help=f"first CPT code (default {FIRST_CODE})")
    args = parser.parse_args(argv)
    paths = write_pages(args.count, args.outdir, seed=args.seed, start=args.start)
    print(f"wrote {len(paths)} pages to {args.outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
