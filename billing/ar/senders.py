"""Where reminders go: .eml files in an outbox folder (the default, nothing leaves the machine)
or an SMTP server configured through the environment or .streamlit/secrets.toml."""

from __future__ import annotations

import os
import smtplib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTBOX = ROOT / "data" / "outbox"
SECRETS = ROOT / ".streamlit" / "secrets.toml"
SMTP_KEYS = ("AR_SMTP_HOST", "AR_SMTP_PORT", "AR_SMTP_USER", "AR_SMTP_PASSWORD",
             "AR_SMTP_STARTTLS")  # fmt: skip


@dataclass
class OutboxSender:
    """Writes each message as <invoice>_<n>.eml into `folder`, for a person to send."""

    folder: Path
    channel: str = "outbox"

    def send(self, message: EmailMessage) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = f"{message['X-Invoice-Id'] or 'reminder'}"
        n = len(list(self.folder.glob(f"{stem}_*.eml"))) + 1
        path = self.folder / f"{stem}_{n}.eml"
        path.write_bytes(bytes(message))
        return path


@dataclass
class SmtpSender:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 30.0
    channel: str = "smtp"

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def smtp_settings(environ: Mapping[str, str] | None = None,
                  secrets_path: Path = SECRETS) -> dict[str, str]:  # fmt: skip
    """AR_SMTP_* from .streamlit/secrets.toml, the environment winning."""
    found: dict[str, str] = {}
    if secrets_path.exists():
        secrets = tomllib.loads(secrets_path.read_text())
        found |= {k: str(secrets[k]) for k in SMTP_KEYS if k in secrets}
    env = os.environ if environ is None else environ
    return found | {k: env[k] for k in SMTP_KEYS if env.get(k)}


def sender_from_settings(settings: Mapping[str, str] | None = None, outbox: str | None = None):
    """SMTP when AR_SMTP_HOST is set, else the outbox folder."""
    settings = smtp_settings() if settings is None else settings
    if settings.get("AR_SMTP_HOST"):
        return SmtpSender(
            settings["AR_SMTP_HOST"], int(settings.get("AR_SMTP_PORT", 587)),
            settings.get("AR_SMTP_USER"), settings.get("AR_SMTP_PASSWORD"),
            str(settings.get("AR_SMTP_STARTTLS", "true")).lower() in ("1", "true", "yes"),
        )  # fmt: skip
    return OutboxSender(Path(outbox) if outbox else DEFAULT_OUTBOX)
