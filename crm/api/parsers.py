"""The API's JSON parser: DRF's, plus limits a hostile body cannot get past into a 500.

Python's json module recurses once per nesting level, so a few thousand `[` in a row raised RecursionError (a
500) before any view ran, and a value nested a few hundred levels deep could still exhaust the stack later, in a
serializer. PostgreSQL stores no NUL character in text or JSON, so a NUL that got through would fail at the
database. Both now answer 400 here, for every endpoint."""

import codecs

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

MAX_DEPTH = 64
NUL = "\x00"


def check_json_value(value, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise ParseError if `value` (parsed JSON) nests deeper than `max_depth` or holds a NUL in a key or a
    string. Iterative, so the check itself cannot run out of stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                raise ParseError(gettext("JSON parse error - strings may not contain NUL (\\u0000) characters."))
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise ParseError(
                    gettext("JSON parse error - nested deeper than %(max_depth)s levels.") % {"max_depth": max_depth}
                )
            if isinstance(item, dict):
                stack.extend((key, depth) for key in item)
                stack.extend((child, depth + 1) for child in item.values())
            else:
                stack.extend((child, depth + 1) for child in item)


class JSONParser(parsers.JSONParser):
    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = codecs.getreader(encoding)(stream).read()
            parse_constant = json.strict_constant if self.strict else None  # NaN, Infinity: not JSON
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise ParseError(
                gettext("JSON parse error - nested deeper than %(max_depth)s levels.") % {"max_depth": self.max_depth}
            )
        except (ValueError, LookupError) as exc:  # UnicodeDecodeError and JSONDecodeError included
            raise ParseError(gettext("JSON parse error - %(exc)s") % {"exc": exc})
        check_json_value(data, max_depth=self.max_depth)
        return data
