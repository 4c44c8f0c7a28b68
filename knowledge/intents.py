"""Which knowledge-base section answers each question intent (one place for both runtimes).

Intents that go to clinic staff instead (cost, scheduling, results, ...) are
Rasa rules, in data/rules/hand_off.yml: that file is their only definition.
"""

from __future__ import annotations

#: Question intent -> section key. Each intent is trained in data/nlu/.
INTENT_SECTIONS: dict[str, str] = {
    "ask_summary": "summary",
    "ask_purpose": "purpose",
    "ask_indications": "indications",
    "ask_preparation": "preparation",
    "ask_procedure_description": "procedure_description",
    "ask_duration": "duration",
    "ask_setting": "setting",
    "ask_personnel": "personnel",
    "ask_risks": "risks_and_complications",
    "ask_benefits": "benefits",
    "ask_recovery": "recovery",
    "ask_alternatives": "alternatives",
    "ask_patient_experience": "patient_experience",
    "ask_similar_procedures": "similar_codes",
}
