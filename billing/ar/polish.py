"""Optional: a reminder's drafted text polished by the LLM when ANTHROPIC_API_KEY is set. The
answer is typed (subject, body) and checked: it must keep the invoice number, the amount and
the due date exactly, else the template's draft is sent as it was."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace

from pydantic import BaseModel

from billing.ar.reminders import CONFIG_PATH, Reminder
from billing.ar.senders import SECRETS
from core import settings as app_settings

PROMPT_VERSION = "reminder-polish-1"
SYSTEM = (
    "You edit payment reminder emails from a professional-services firm to its client. Keep "
    "the tone given, the facts and every number, invoice number and date exactly as written; "
    "make the text clear, courteous and brief. Never add threats, fees or dates that are not "
    "in the draft. Answer with the subject and the body."
)


class PolishedReminder(BaseModel):
    subject: str
    body: str


def llm_settings() -> tuple[str | None, str]:
    """(API key from the environment or .streamlit/secrets.toml, model id from reminders.toml)."""
    key = app_settings.raw("ANTHROPIC_API_KEY", secrets=app_settings.in_force(SECRETS)) or None
    model = tomllib.loads(CONFIG_PATH.read_text()).get("llm", {}).get("model", "claude-haiku-4-5")
    return key, model


def polisher_from_settings():
    """A polish function when a key is set, else None (reminders go out as drafted)."""
    key, model = llm_settings()
    if not key:
        return None
    import anthropic

    client = anthropic.Anthropic(api_key=key)
    return lambda reminder, facts: polish_reminder(client, model, reminder, facts)


def polish_reminder(client, model: str, reminder: Reminder, facts: list[str]) -> Reminder:
    """The reminder with the model's subject and body, if they keep every fact in `facts`
    (number, amount, due date); otherwise the reminder unchanged."""
    draft = {"tone": reminder.tone, "subject": reminder.subject, "body": reminder.body}
    answer = client.messages.parse(
        model=model,
        max_tokens=800,
        system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": json.dumps(draft)}],
        output_format=PolishedReminder,
    ).parsed_output
    if answer is None or not all(f in answer.subject + answer.body for f in facts):
        return reminder
    return replace(reminder, subject=answer.subject, body=answer.body)
