"""Where reminders go: .eml files in an outbox folder (the default, nothing leaves the machine)
or an SMTP server configured through the environment or .streamlit/secrets.toml.

SMTP with STARTTLS verifies the server's certificate and host name (the system's CAs, or
AR_SMTP_CA_FILE for a private CA); any SMTP, socket or TLS failure is one SendError line.
Outbox file names come from invoice ids (data) and are made safe (core.safe_paths)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from app_auth import settings as app_settings
from app_auth.settings import SMTP_KEYS  # noqa: F401  (re-exported: its callers read it here)
from core.safe_paths import path_inside, safe_file_name

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUTBOX = ROOT / "data" / "outbox"
SECRETS = ROOT / ".streamlit" / "secrets.toml"


class SendError(ValueError):
    """Sending failed (server down, certificate refused, login refused): one line for the
    person, never a traceback. A ValueError, so the CLI and the pages show it as they show
    every refusal."""


@dataclass
class OutboxSender:
    """Writes each message as <invoice>_<n>.eml into `folder`, for a person to send."""

    folder: Path
    channel: str = "outbox"

    def send(self, message: EmailMessage) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = safe_file_name(message["X-Invoice-Id"], fallback="reminder")
        n = len(list(self.folder.glob(f"{stem}_*.eml"))) + 1
        while True:  # never overwrite: a file removed by hand leaves a gap in the numbers
            path = path_inside(self.folder, f"{stem}_{n}.eml")
            try:
                with path.open("xb") as out:
                    out.write(bytes(message))
                return path
            except FileExistsError:
                n += 1


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if text.startswith(type(err).__name__) else f"{type(err).__name__}: {text}"


@dataclass
class SmtpSender:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 30.0
    channel: str = "smtp"
    ca_file: str | None = None  # a private CA's PEM file; default: the system's CAs

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified (smtplib's own default verifies neither)."""
        try:
            return ssl.create_default_context(cafile=self.ca_file or None)
        except (OSError, ssl.SSLError) as err:
            raise SendError(
                f"reminders: AR_SMTP_CA_FILE {self.ca_file}: {_one_line(err)}"
            ) from None

    def send(self, message: EmailMessage) -> None:
        if self.username and not self.starttls:
            raise SendError(
                "reminders: SMTP failed: refusing to send AR_SMTP_PASSWORD over a "
                "connection without STARTTLS (set AR_SMTP_STARTTLS=true)"
            )
        context = self.tls_context() if self.starttls else None
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if context is not None:
                    smtp.starttls(context=context)
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as err:  # OSError: sockets, DNS, ssl.SSLError
            raise SendError(
                f"reminders: SMTP failed: {self.host}:{self.port}: {_one_line(err)}"
            ) from None


def smtp_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = None
) -> dict[str, str]:
    """AR_SMTP_* from .streamlit/secrets.toml, the environment winning (app_auth.settings, the
    one settings module)."""
    return app_settings.smtp_values(app_settings.load(environ, secrets_path))


def sender_from_settings(settings: Mapping[str, str] | None = None, outbox: str | None = None):
    """SMTP when AR_SMTP_HOST is set, else the outbox folder."""
    settings = smtp_settings() if settings is None else settings
    if settings.get("AR_SMTP_HOST"):
        port = str(settings.get("AR_SMTP_PORT", 587))
        if not port.isdigit():
            raise SendError(f"reminders: AR_SMTP_PORT {port!r} is not a port number")
        return SmtpSender(
            settings["AR_SMTP_HOST"],
            int(port),
            settings.get("AR_SMTP_USER"),
            settings.get("AR_SMTP_PASSWORD"),
            str(settings.get("AR_SMTP_STARTTLS", "true")).lower() in ("1", "true", "yes"),
            ca_file=settings.get("AR_SMTP_CA_FILE") or None,
        )
    return OutboxSender(Path(outbox) if outbox else DEFAULT_OUTBOX)
