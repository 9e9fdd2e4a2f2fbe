"""Finds visible text in Django templates that is not marked for translation (used by test_i18n.py).

Text is visible when it sits between HTML tags outside {% translate %} / {% blocktranslate %}, {% comment %},
HTML comments, <script> and <style>, and holds a letter once template variables, entities, numbers and
punctuation are set aside; the user-facing attributes (title, placeholder, aria-label, alt, the value of a
button-like input) are checked the same way."""

import re
from pathlib import Path

from django.template.base import Lexer, TokenType

LETTER = re.compile(r"[^\W\d_]")
ENTITY = re.compile(r"&#?\w+;")
TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}|{#.*?#}", re.S)
USER_FACING_ATTR = re.compile(r'\s(title|placeholder|aria-label|alt)\s*=\s*("[^"]*"|\'[^\']*\')', re.S)
BUTTON_VALUE = re.compile(r'<input\b[^<>]*type="(?:submit|button|reset)"[^<>]*\svalue\s*=\s*("[^"]*")', re.S)
SKIP_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans", "comment": "endcomment"}
SKIP_BLOCKS["verbatim"] = "endverbatim"


def visible(text: str) -> bool:
    return bool(LETTER.search(ENTITY.sub("", TEMPLATE_CODE.sub("", text))))


def _token_source(token) -> str:
    if token.token_type == TokenType.TEXT:
        return token.contents
    return {TokenType.VAR: "{{ %s }}", TokenType.BLOCK: "{%% %s %%}", TokenType.COMMENT: "{# %s #}"}[
        token.token_type
    ] % token.contents


def unmarked_text(source: str) -> list[str]:
    """The pieces of visible text in `source` that are not marked for translation."""
    found: list[str] = []
    state, quote, raw_until, skip_until = "text", None, "", None
    tag: list[str] = []

    def check_tag(text: str) -> None:
        text = TEMPLATE_CODE.sub("§", text)  # marked text and variables set aside (quotes inside tags too)
        for match in USER_FACING_ATTR.finditer(text):
            if visible(match.group(2)[1:-1]):
                found.append(f"{match.group(1)}={match.group(2)}")
        for match in BUTTON_VALUE.finditer(text):
            if visible(match.group(1)[1:-1]):
                found.append(f"value={match.group(1)}")

    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            word = token.contents.split()[0] if token.contents.split() else ""
            if skip_until:
                if word == skip_until:
                    skip_until = None
                continue
            if word in SKIP_BLOCKS:
                skip_until = SKIP_BLOCKS[word]
            if state == "tag":
                tag.append(_token_source(token))
            continue
        if skip_until:
            continue
        if token.token_type != TokenType.TEXT:
            if state == "tag":
                tag.append(_token_source(token))
            continue
        text, i = token.contents, 0
        piece: list[str] = []
        while i < len(text):
            ch = text[i]
            if state == "text":
                if text.startswith("<!--", i):
                    state, i = "comment", i + 4
                    continue
                if ch == "<" and i + 1 < len(text) and (text[i + 1].isalpha() or text[i + 1] in "/!"):
                    if visible("".join(piece)):
                        found.append(" ".join("".join(piece).split()))
                    piece, state, quote, tag = [], "tag", None, ["<"]
                    i += 1
                    continue
                piece.append(ch)
            elif state == "comment":
                if text.startswith("-->", i):
                    state, i = "text", i + 3
                    continue
            elif state == "raw":
                if text.startswith(raw_until, i):
                    state, quote, tag = "tag", None, []
                    continue
            else:  # inside an HTML tag
                tag.append(ch)
                if quote:
                    quote = None if ch == quote else quote
                elif ch in "\"'":
                    quote = ch
                elif ch == ">":
                    whole = "".join(tag)
                    check_tag(whole)
                    opened = re.match(r"<(script|style)\b", whole, re.I)
                    state, raw_until = ("raw", "</" + opened.group(1)) if opened else ("text", "")
            i += 1
        if state == "text" and visible("".join(piece)):
            found.append(" ".join("".join(piece).split()))
    return found


def template_files(base: Path) -> list[Path]:
    skip = {".venv", "node_modules", "var", "static", ".git"}
    found = base.rglob("templates/**/*")
    return sorted(p for p in found if p.is_file() and p.suffix in {".html", ".txt"} and not (set(p.parts) & skip))


def _po_string(text: str) -> str:
    """A quoted .po string without its quotes, unescaped."""
    body = text.strip()[1:-1]
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file (the header left out): msgid, msgid_plural, msgstr (a list: one form, or one
    per plural form) and flags."""
    entries, current, key = [], None, None

    def close():
        if current and current["msgid"]:
            forms = current["forms"]
            current["msgstr"] = [forms[k] for k in sorted(forms)]
            entries.append(current)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            close()
            current, key = None, None
            continue
        if current is None:
            current = {"msgid": "", "msgid_plural": "", "forms": {}, "flags": set()}
        if line.startswith("#,"):
            current["flags"] |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'(msgid_plural|msgid|msgstr\[(\d+)\]|msgstr|msgctxt)\s+(".*")$', line)
        if match:
            key = match.group(1)
            value = _po_string(match.group(3))
        else:
            value = _po_string(line)
        if key == "msgid":
            current["msgid"] += value
        elif key == "msgid_plural":
            current["msgid_plural"] += value
        elif key and key.startswith("msgstr"):
            index = int(key[7:-1]) if "[" in key else 0
            current["forms"][index] = current["forms"].get(index, "") + value
    close()
    return entries
