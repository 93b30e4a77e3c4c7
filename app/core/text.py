"""Normalised keys that decide when two names or part numbers are "the same".

Names compare after Unicode NFKC, trimming, collapsing runs of white space and case folding;
part numbers the same way but keep their inner white space. The keys are stored in unique
indexed columns so the database, not a check before the insert, enforces uniqueness.
"""

import re
import unicodedata

# Control characters that no text file or typed cell holds: all of C0 but tab and line breaks,
# and DEL. (PostgreSQL cannot even store NUL in text.)
BINARY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _fold(text: str) -> str:
    # NFKC both before and after folding: casefold() can produce unnormalised sequences.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def name_key(name: str) -> str:
    """The key two names share when they mean the same thing."""
    # ASCII is already NFKC, and its case folding is lower(): the common case, made cheap
    # because an import computes a key for every row.
    if name.isascii():
        return " ".join(name.lower().split())
    return " ".join(_fold(name).split())


def part_number_key(part_number: str) -> str:
    """The key two part numbers share when they mean the same thing (text, zeros kept)."""
    if part_number.isascii():
        return part_number.lower().strip()
    return _fold(part_number).strip()


def has_control_characters(text: str) -> bool:
    """True when the text holds a control character (C0, DEL or C1)."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def is_valid_unicode(text: str) -> bool:
    """False when the text holds a lone surrogate (JSON's "\\ud800"): no UTF-8 for it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
