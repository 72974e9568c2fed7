"""The digest as an email: a `.eml` file, and sending it through SMTP.

The message is multipart/alternative: the plain-text part first, then the HTML part wrapped in
multipart/related with the charts as PNG parts the HTML shows by `cid:` (mail clients show
neither SVG nor images from the web by default). Settings come from the environment:

    SMTP_HOST, SMTP_PORT (25), SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS (1 to upgrade)
    DIGEST_FROM (genai-tracker@localhost), DIGEST_TO (comma-separated)

The password is never printed, logged or part of an error message.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from tracker.digest.charts import Chart
from tracker.digest.render import Rendered
from tracker.errors import ConfigError, FetchError


@dataclass(frozen=True)
class MailSettings:
    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    sender: str = "genai-tracker@localhost"
    recipients: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings:
        env = os.environ if environ is None else environ
        port = env.get("SMTP_PORT") or "25"
        if not port.isdigit():
            raise ConfigError(f"SMTP_PORT={port!r}: expected a port number")
        recipients = tuple(a.strip() for a in (env.get("DIGEST_TO") or "").split(",") if a.strip())
        return cls(
            host=env.get("SMTP_HOST") or None,
            port=int(port),
            user=env.get("SMTP_USER") or None,
            password=env.get("SMTP_PASSWORD") or None,
            starttls=(env.get("SMTP_STARTTLS") or "0").lower() in ("1", "true", "yes"),
            sender=env.get("DIGEST_FROM") or cls.sender,
            recipients=recipients,
        )


def build_email(
    rendered: Rendered,
    charts: list[Chart],
    charts_dir: Path,
    subject: str,
    settings: MailSettings,
) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject
    message["From"] = _address(settings.sender)
    if settings.recipients:
        message["To"] = ", ".join(settings.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="genai-tracker")
    message.set_content(rendered.email_text)
    message.add_alternative(rendered.email_html, subtype="html")
    html = message.get_payload()[1]  # type: ignore[index]
    assert isinstance(html, EmailMessage)
    for chart in charts:
        png = (charts_dir / f"{chart.name}.png").read_bytes()
        html.add_related(
            png,
            maintype="image",
            subtype="png",
            cid=f"<{chart.content_id}>",
            filename=f"{chart.name}.png",
            disposition="inline",
        )
    return message


def send(message: EmailMessage, settings: MailSettings) -> list[str]:
    """Send through the configured SMTP server; returns the recipients it accepted."""
    if not settings.host:
        raise ConfigError("SMTP_HOST is not set: say which SMTP server sends the digest")
    if not settings.recipients:
        raise ConfigError("DIGEST_TO is not set: say who receives the digest (comma-separated)")
    where = f"smtp://{settings.host}:{settings.port}"
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(message, settings.sender, list(settings.recipients))
    except (OSError, smtplib.SMTPException) as exc:
        reason = " ".join(str(exc).split())
        if settings.password:
            reason = reason.replace(settings.password, "***")
        raise FetchError(
            where, f"could not send the digest: {type(exc).__name__}: {reason}"
        ) from exc
    return [r for r in settings.recipients if r not in refused]


def _address(text: str) -> str:
    try:
        return str(Address(addr_spec=text))
    except (ValueError, IndexError) as exc:
        raise ConfigError(f"DIGEST_FROM={text!r}: not an email address ({exc})") from None
