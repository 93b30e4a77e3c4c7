"""The keys that decide when two names or part numbers are the same."""

import pytest

from app.core.text import has_control_characters, name_key, part_number_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Drill 6 mm", "  drill   6 MM "),
        ("Drill\u00a06\tmm", "drill 6 mm"),
        ("Ｄｒｉｌｌ", "drill"),  # full-width forms (NFKC)
        ("Straße", "STRASSE"),  # case folding, not lower()
        ("ﬁle", "FILE"),  # ligature
    ],
)
def test_names_that_mean_the_same_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("Drill 6", "Drill 7"), ("Drill6", "Drill 6")])
def test_different_names_have_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_part_numbers_keep_zeros_and_inner_white_space() -> None:
    assert part_number_key(" dr-0006 ") == part_number_key("DR-0006")
    assert part_number_key("000123") != part_number_key("123")
    assert part_number_key("A B") != part_number_key("A  B")


def test_control_characters_are_found() -> None:
    assert has_control_characters("a\nb")
    assert has_control_characters("a\x00")
    assert not has_control_characters("Crib A – ünïcode 🔧")
