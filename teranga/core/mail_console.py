"""The development email backend (``EMAIL_URL=consolemail://``, the default).

Django's console backend prints every email as its whole MIME source: headers, base64
parts and the HTML alternative, about 55 lines an email. This one prints what a person
reads: the recipients, the subject and the text body, in a few lines, and keeps the full
message as an ``.eml`` file in ``EMAIL_FILE_PATH`` (``DATA_DIR/mail/``, the file backend's
folder) that any mail client opens, HTML and attachments included.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.utils.html import strip_tags

#: Lines of the text body printed; the rest is in the .eml file.
BODY_LINES = 20
RULE = "-" * 72


class EmailBackend(ConsoleEmailBackend):
    """Prints a short summary of each email and writes it whole to ``<file_path>/*.eml``."""

    def __init__(self, *args, file_path: str | Path | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        folder = file_path or getattr(settings, "EMAIL_FILE_PATH", None)
        self.file_path = Path(folder) if folder else Path(settings.DATA_DIR) / "mail"

    def write_message(self, message) -> None:
        path = self.save(message)
        self.stream.write(self.summary(message, path))
        self.stream.write("\n")

    def save(self, message) -> Path:
        """Write the full message (MIME) to a new ``.eml`` file and return its path."""
        self.file_path.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.file_path / f"{stamp}-{secrets.token_hex(4)}.eml"
        path.write_bytes(message.message().as_bytes(linesep="\r\n"))
        return path

    @staticmethod
    def text_body(message) -> str:
        """The message's plain text: its body, or the HTML body without its tags."""
        body = message.body or ""
        if getattr(message, "content_subtype", "plain") == "html":
            body = strip_tags(body)
        body = re.sub(r"[ \t]+\n", "\n", body.replace("\r\n", "\n"))
        return re.sub(r"\n{3,}", "\n\n", body).strip()

    def summary(self, message, path: Path) -> str:
        lines = [RULE, f"Email to {', '.join(message.to) or '(no To)'}"]
        if message.cc:
            lines.append(f"Cc {', '.join(message.cc)}")
        if message.bcc:
            lines.append(f"Bcc {', '.join(message.bcc)}")
        lines.append(f"Subject: {message.subject}")
        lines.append("")
        body = self.text_body(message).splitlines()
        lines.extend(body[:BODY_LINES])
        if len(body) > BODY_LINES:
            lines.append(f"[… {len(body) - BODY_LINES} more lines]")
        attachments = len(getattr(message, "attachments", []) or [])
        if attachments:
            lines.append(f"[{attachments} attachment(s)]")
        lines.append(f"(full message: {_shown(path)})")
        return "\n".join(lines)


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
