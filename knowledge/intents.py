"""Which knowledge-base section answers each question intent (one place for both runtimes)."""

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

#: Intents handed to clinic staff (no knowledge-base answer), with their response.
HANDOFF_RESPONSES: dict[str, str] = {
    "ask_cost": "utter_handoff_cost",
    "ask_scheduling": "utter_handoff_scheduling",
    "ask_results": "utter_handoff_results",
    "ask_prescription": "utter_handoff_prescription",
    "ask_personal_advice": "utter_handoff_personal",
    "request_human": "utter_handoff_human",
}
