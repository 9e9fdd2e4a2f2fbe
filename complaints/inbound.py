"""Parsing a raw RFC 822 email into the fields of a complaint (pure; no database)."""

import html
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr

TAGS = re.compile(r"<[^>]+>")
BLANKS = re.compile(r"\n{3,}")
MAX_TEXT = 20000


@dataclass
class ParsedEmail:
    from_name: str
    from_email: str
    subject: str
    text: str
    message_id: str


class EmailParseError(ValueError):
    pass


def _html_to_text(value: str) -> str:
    value = re.sub(r"(?is)<(script|style).*?</\1>", "", value)
    value = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", value)
    return html.unescape(TAGS.sub("", value))


def parse_email(raw: bytes) -> ParsedEmail:
    if not raw or not raw.strip():
        raise EmailParseError("The message is empty.")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the stdlib raises many kinds on broken input
        raise EmailParseError(f"Not a readable email message: {exc}") from exc
    name, address = parseaddr(str(message.get("From", "")))
    if not address or "@" not in address:
        raise EmailParseError("The message has no sender address (From).")
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        try:
            content = body.get_content()
        except (LookupError, UnicodeError):
            content = body.get_payload(decode=True).decode("utf-8", errors="replace")
        text = _html_to_text(content) if body.get_content_type() == "text/html" else content
    elif not message.is_multipart():
        text = str(message.get_payload())
    text = BLANKS.sub("\n\n", text.replace("\r\n", "\n")).strip()[:MAX_TEXT]
    subject = str(message.get("Subject", "")).strip()
    return ParsedEmail(
        from_name=name.strip(),
        from_email=address.strip().lower(),
        subject=subject[:200],
        text=text or subject,
        message_id=str(message.get("Message-ID", "")).strip().strip("<>")[:90],
    )
