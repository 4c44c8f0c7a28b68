"""Pre-appointment texts: one first SMS per patient, with the procedure already set.

    python serving/outreach.py appointments.csv [--bot-url http://localhost:5005]

The CSV has a header and three columns: ``phone`` (E.164, e.g. +15555550123),
``cpt`` (a code of the knowledge base) and ``appointment_time`` (ISO 8601, e.g.
2026-12-03T09:30). For each row it triggers ``outreach_reminder`` through Rasa's
HTTP API with the Twilio output channel, so the text goes out through Twilio's
REST API and the conversation's ``procedure`` slot holds the CPT code: the
patient's first reply ("how long will it take?") is about that procedure.

Numbers that opted out (STOP) are skipped. The output names patients by their
hashed sender id only, never by number.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

from common.settings import Settings, settings
from common.sms import normalise_number, sender_id
from common.sms_store import SmsStore
from knowledge.loader import check_folder

INTENT = "outreach_reminder"


class OutreachError(ValueError):
    """A row of the CSV that cannot be sent."""


@dataclass(frozen=True)
class Appointment:
    """One row of the CSV, checked."""

    phone: str
    cpt: str
    procedure_name: str
    when: datetime


def spoken_time(when: datetime) -> str:
    """``Thursday, December 3 at 9:30 AM``: how a patient reads a date."""
    hour = when.strftime("%I").lstrip("0")
    return f"{when.strftime('%A, %B')} {when.day} at {hour}:{when.strftime('%M %p')}"


def read_appointments(path: Path, names: dict[str, str]) -> tuple[list[Appointment], list[str]]:
    """The rows that can be sent, and a problem line for each row that cannot."""
    appointments: list[Appointment] = []
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"phone", "cpt", "appointment_time"} - set(reader.fieldnames or [])
        if missing:
            raise OutreachError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            phone = normalise_number(row.get("phone") or "")
            cpt = (row.get("cpt") or "").strip()
            if len(phone.lstrip("+")) < 8:
                problems.append(f"line {line}: not a phone number")
                continue
            if cpt not in names:
                problems.append(f"line {line}: unknown CPT code {cpt!r}")
                continue
            try:
                when = datetime.fromisoformat((row.get("appointment_time") or "").strip())
            except ValueError:
                problems.append(f"line {line}: appointment_time is not ISO 8601 (2026-12-03T09:30)")
                continue
            appointments.append(Appointment(phone, cpt, names[cpt], when))
    return appointments, problems


def trigger(config: Settings, bot_url: str, sender: str, appointment: Appointment) -> None:
    """Ask the Rasa server to start the conversation, answering through Twilio."""
    response = requests.post(
        f"{bot_url}/conversations/{sender}/trigger_intent",
        params={"output_channel": "twilio", "token": config.bot_api_token},
        json={
            "name": INTENT,
            "entities": {
                "procedure": appointment.cpt,
                "appointment_procedure": appointment.procedure_name,
                "appointment_time": spoken_time(appointment.when),
            },
        },
        timeout=60,
    )
    if response.status_code != 200:
        raise OutreachError(f"Rasa answered {response.status_code}")


def main(argv: list[str] | None = None) -> int:
    """Send the reminders of a CSV file (phone,cpt,appointment_time rows)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path, help="phone,cpt,appointment_time rows")
    parser.add_argument("--bot-url", help="the Rasa server (default http://localhost:$RASA_PORT)")
    args = parser.parse_args(argv)
    config = settings()
    bot_url = (args.bot_url or f"http://localhost:{config.rasa_port}").rstrip("/")
    kb, _ = check_folder(config.knowledge_dir)
    names = {page.cpt: page.short_name for page in kb}
    try:
        appointments, problems = read_appointments(args.csv, names)
    except (OSError, OutreachError) as error:
        print(f"outreach: {error}", file=sys.stderr)
        return 2
    store = SmsStore(config.sms_db)
    sent = skipped = failed = 0
    for appointment in appointments:
        sender = sender_id(appointment.phone, config.log_hash_key)
        if store.opted_out(sender):
            print(f"{sender}: skipped (opted out)")
            skipped += 1
            continue
        # The Twilio channel sends to the number behind the hashed sender id.
        store.remember_number(sender, appointment.phone)
        try:
            trigger(config, bot_url, sender, appointment)
        except (requests.RequestException, OutreachError) as error:
            print(f"{sender}: failed ({error})", file=sys.stderr)
            failed += 1
            continue
        print(f"{sender}: sent ({appointment.cpt})")
        sent += 1
    for problem in problems:
        print(f"outreach: {problem}", file=sys.stderr)
    print(f"outreach: {sent} sent, {skipped} skipped (opted out), {failed + len(problems)} failed")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
