import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.domain.matching import is_near_miss, likeness
from tracker.domain.names import MAX_NAME_LENGTH, clean_display_name, name_key
from tracker.errors import BadInput

INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\u00ad",
]


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("IIya Sutskever", "IIYA SUTSKEVER"),  # case
        ("Mira\u200b Murati", "Mira Murati"),  # zero-width space
        ("  Mira   Murati ", "Mira Murati"),  # white space
        ("\u202eMira Murati\u202c", "Mira Murati"),  # bidi override
        ("Mіra Murati", "Mira Murati"),  # Cyrillic і
        ("Mirа Murаti", "Mira Murati"),  # Cyrillic а
        ("Ｍｉｒａ Ｍｕｒａｔｉ", "Mira Murati"),  # full-width (NFKC)
        ("OpenAI", "0penAI"),  # digit zero looks like O
        ("Mark Chen", "Mark Chen"),
    ],
)
def test_spellings_with_the_same_key(variant: str, canonical: str) -> None:
    assert name_key(variant) == name_key(canonical)


@pytest.mark.parametrize(
    ("variant", "canonical", "reason"),
    [
        ("llya Sutskever", "Ilya Sutskever", "l/I confusion"),
        ("IIya Sutskever", "Ilya Sutskever", "l/I confusion"),
        ("Ilya Stutskever", "Ilya Sutskever", "similar spelling"),
        ("Greg Blockman", "Greg Brockman", "similar spelling"),
        ("OpenAl", "OpenAI", "l/I confusion"),
        ("Sutskever Ilya", "Ilya Sutskever", "token order"),
        ("Sutskever, Ilya", "Ilya Sutskever", "token order"),
        ("I. Sutskever", "Ilya Sutskever", "initials"),
        ("Bob Mcgrew", "Bob McGrew", "same name"),
        ("Bob Mcgrew", "Robert McGrew", "nickname"),
        ("Андрей Конарев", "Andrey Konarev", "transliteration"),
    ],
)
def test_seed_spellings_are_near_misses(variant: str, canonical: str, reason: str) -> None:
    found = likeness(variant, canonical, a_key=name_key(variant), b_key=name_key(canonical))
    assert is_near_miss(found), found
    assert found.reason == reason


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tandai Chen", "Mark Chen"),
        ("Che Chang", "Mark Chen"),
        ("Sam Altman", "Adam D'Angelo"),
        ("Anna Makanju", "Alec Radford"),
    ],
)
def test_different_people_are_not_near_misses(a: str, b: str) -> None:
    assert not is_near_miss(likeness(a, b, a_key=name_key(a), b_key=name_key(b)))


@given(st.text(max_size=40))
def test_key_is_idempotent(text: str) -> None:
    key = name_key(text)
    assert name_key(key) == key


names = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Zs"), max_codepoint=0x24F),
    min_size=1,
    max_size=30,
)


@given(names, st.lists(st.sampled_from(INVISIBLE), max_size=4), st.data())
def test_invisible_characters_never_change_the_key(name: str, extra: list[str], data) -> None:  # type: ignore[no-untyped-def]
    chars = list(name)
    for invisible in extra:
        chars.insert(data.draw(st.integers(0, len(chars))), invisible)
    assert name_key("".join(chars)) == name_key(name)


def test_every_format_character_in_unicode_is_dropped_and_nothing_else() -> None:
    format_characters = "".join(
        chr(cp) for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) == "Cf"
    )
    assert len(format_characters) > 150
    assert name_key(f"Mira{format_characters}Murati") == name_key("MiraMurati")
    assert name_key("Mira\u00adMurati\u200b") == name_key("MiraMurati")
    assert name_key("Ana\u00a0María") == name_key("ana maría")  # a no-break space is a space


@given(names)
def test_changing_case_never_changes_the_key(name: str) -> None:
    assert name_key(name.upper()) == name_key(name.lower()) == name_key(name)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u200b\u200b", "empty"),
        ("x" * (MAX_NAME_LENGTH + 1), "limit"),
        ("Mira\x00Murati", r"U\+0000"),
        ("Mira\x07", r"U\+0007"),
        ("Mira\nMurati", "line break"),
    ],
)
def test_bad_names_are_refused(raw: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        clean_display_name(raw)


def test_names_are_kept_as_written() -> None:
    assert clean_display_name("  Adam D'Angelo ") == "Adam D'Angelo"
    assert clean_display_name("Mira\u200bMurati") == "Mira\u200bMurati"


@given(st.text(max_size=40))
def test_folding_word_by_word_is_folding_the_whole(text: str) -> None:
    """`name_key` folds a word at a time (and caches each word); no normalization composes
    across white space, so that is the fold of the whole text."""
    from tracker.domain.names import _fold_to_fixed_point

    if not (text.isascii() and text.isprintable()):
        assert name_key(text) == _fold_to_fixed_point(text)


def _tokens_of_the_whole(name: str) -> tuple[str, ...]:
    """`matching.tokens` as it reads a whole name at once (the reference)."""
    import re
    import unicodedata

    from anyascii import anyascii

    text = anyascii(unicodedata.normalize("NFKC", name).casefold()).lower()
    return tuple(token for token in re.split(r"[^a-z0-9]+", text) if token)


# U+0085 (NEXT LINE) is white space to `str.split` and nothing to anyascii, so it would join two
# words of a whole name; no name holds it (a control character, refused by `clean_display_name`).
spaced = st.text(
    alphabet=st.one_of(
        st.characters(exclude_categories=("Cs",), exclude_characters="\x85"),
        st.sampled_from(" \u00a0\u3000\u2003\t\u0301\u00a8\u0308ßΣς"),
    ),
    max_size=40,
)


@given(spaced)
def test_tokens_word_by_word_are_the_tokens_of_the_whole(text: str) -> None:
    """`matching.tokens` transliterates a word at a time (and caches each word); NFKC, case
    folding and transliteration work a character at a time and no white space reads as a letter,
    so that is reading the whole name: this holds the two together."""
    from tracker.domain.matching import tokens

    assert tokens(text) == _tokens_of_the_whole(text)


@given(spaced)
def test_a_names_first_and_last_tokens_are_read_back_from_its_blocking_keys(text: str) -> None:
    """An import weighs a staged name with counts looked up by the first and last tokens its
    blocking keys hold (`evidence.tokens_from_keys`), and `NameCounts.of` takes them from the
    name's tokens: the two must be the same tokens, for every name that has any."""
    from tracker.domain.matching import tokens
    from tracker.domain.names import blocking_keys
    from tracker.services.evidence import tokens_from_keys

    words = tokens(text)
    keys = blocking_keys(text, name_key(text) or "x")
    if words:
        assert tokens_from_keys(keys.first, keys.last) == (words[0], words[-1])
