"""The scrubber on a fixed list of personal details."""

from __future__ import annotations

import pytest

from serving.staff.scrubber import Scrubber

SCRUB = Scrubber(["colonoscopy", "MRI of the brain", "Lung Perfusion Scan", "Nuclear Stress Test"], ["45378", "78580"])


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("call me at 555-201-3344 please", "call me at [phone] please"),
        ("my cell is (555) 201-3344", "my cell is [phone]"),
        ("text +1 555 201 3344 after 5", "text [phone] after 5"),
        ("or 201-3344 at home", "or [phone] at home"),
        ("email jane.doe+clinic@example.org the prep", "email [email] the prep"),
        ("my colonoscopy is on 12/03/2026", "my colonoscopy is on [date]"),
        ("booked for 2026-12-03 at 9", "booked for [date] at 9"),
        ("is it ok on December 3rd, 2026?", "is it ok on [date]?"),
        ("scan on 3 March", "scan on [date]"),
        ("member id 99887766554 for billing", "member id [number] for billing"),
        ("card 4111 1111 1111 1111", "card [number]"),
        ("what is 45378 exactly", "what is 45378 exactly"),
        ("my wife Maria Gonzalez has an MRI", "my wife [name] has an MRI"),
        ("Dr. Patel said to fast", "Dr. [name] said to fast"),
        ("How long does a Colonoscopy take?", "How long does a Colonoscopy take?"),
        ("Does the Lung Perfusion Scan hurt?", "Does the Lung Perfusion Scan hurt?"),
        ("Hi, I'm John. Is the Nuclear Stress Test safe?", "Hi, I'm [name]. Is the Nuclear Stress Test safe?"),
    ],
)
def test_personal_details_are_replaced(text: str, scrubbed: str) -> None:
    assert SCRUB.scrub(text) == scrubbed
