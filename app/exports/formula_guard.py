"""Text cells that a spreadsheet program would run as formulas, and how they travel in CSV.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to
Excel and LibreOffice (CSV injection). In an exported CSV such a cell gets a leading
apostrophe (so does one that already begins with one, so the mark is never ambiguous); the
import takes it off again, and the text comes back exactly.
"""

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"


def risky(text: str) -> bool:
    return text.startswith((*RISKY_STARTS, NEUTRALISER))


def neutralised(text: str | None) -> str:
    """The CSV form of a text cell (the import reads it back with ``restored``)."""
    if text is None:
        return ""
    return NEUTRALISER + text if risky(text) else text


def restored(text: str) -> str:
    """A CSV cell as it was before ``neutralised``; any other text as it is."""
    if text.startswith(NEUTRALISER) and len(text) > 1 and risky(text[1:]):
        return text[1:]
    return text
