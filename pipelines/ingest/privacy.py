"""Personal data stays minimal: keyed pseudonyms and refusal of national identity numbers."""

from __future__ import annotations

import hmac
import re

import numpy as np
import pandas as pd

# An 11-digit fødselsnummer / D-nummer, possibly written "ddmmyy nnnnn" or "ddmmyy-nnnnn".
_CANDIDATE = re.compile(r"(?<!\d)(\d{6})[ .\-]?(\d{5})(?!\d)")
_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
MASK = "***********"


def _control_digit(digits: list[int], weights: tuple[int, ...]) -> int | None:
    remainder = sum(d * w for d, w in zip(digits, weights, strict=False)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_national_id(number: str) -> bool:
    """True for an 11-digit number whose two mod-11 check digits are valid (fødselsnummer,
    D-nummer, H-nummer and synthetic numbers all share the check-digit rule)."""
    if len(number) != 11 or not number.isdigit():
        return False
    digits = [int(c) for c in number]
    k1 = _control_digit(digits[:9], _W1)
    if k1 is None or k1 != digits[9]:
        return False
    k2 = _control_digit(digits[:10], _W2)
    return k2 is not None and k2 == digits[10]


def contains_national_id(text: str) -> bool:
    return any(is_national_id(a + b) for a, b in _CANDIDATE.findall(text))


def mask_national_ids(text: str) -> str:
    def _mask(match: re.Match[str]) -> str:
        return MASK if is_national_id(match.group(1) + match.group(2)) else match.group(0)

    return _CANDIDATE.sub(_mask, text)


_PREFILTER = re.compile(r"\d{6}[ .\-]?\d{4,5}")
_SEPARATOR = "\x1f"  # neither a digit nor [ .-]: no match can span two texts


def _may_hold_candidate(texts: list[str]) -> bool:
    """Whether any of the texts could hold a number, judged by one regex search over them
    joined: most columns of most files hold none, and one search in C costs far less than
    pandas' string methods, a Python loop per text."""
    return _PREFILTER.search(_SEPARATOR.join(texts)) is not None


def national_id_cells(frame: pd.DataFrame) -> list[tuple[object, object]]:
    """(row label, column label) of every cell holding a national identity number.

    Each distinct text of a column is judged once (most columns repeat a few values over many
    rows): one regex search over a column's texts first, then the check digits only for
    candidates. Excel drops a leading zero from numbers typed into a cell, so 10-digit
    numbers are tried with it restored.
    """
    hits: list[tuple[object, object]] = []
    for col in frame.columns:
        codes, uniques = pd.factorize(frame[col], use_na_sentinel=True)  # empty cells: -1
        texts = [str(u) for u in uniques]
        if not texts or not _may_hold_candidate(texts):
            continue
        distinct = pd.Series(texts, dtype="object")
        candidates = distinct[distinct.str.contains(_PREFILTER.pattern, regex=True)]
        found = [
            code
            for code, text in candidates.items()
            if contains_national_id(text)
            or (text.isdigit() and len(text) == 10 and is_national_id("0" + text))
        ]
        if found:
            hits.extend((row, col) for row in frame.index[np.isin(codes, found)])
    return hits


def pseudonymise(key: bytes, programme_id: str, participant_ref: str) -> str:
    """Keyed hash of the programme's own participant reference (HMAC-SHA256, 128 bits shown).

    Keyed, so nobody without the key can test a guessed reference; scoped by programme, so two
    programmes' "001" never collide.
    """
    message = _message(programme_id.strip().upper(), participant_ref)
    # hmac.digest: the same HMAC-SHA256 in one C call; hmac.new's Python wrapper cost ~25 us a
    # participant, 6 s for the 250 000 of a large file's receipt.
    return hmac.digest(key, message, "sha256").hex()[:32]


def _message(folded_programme_id: str, participant_ref: str) -> bytes:
    """What is hashed: the programme ID (folded by the caller) and the reference, trimmed and
    in capitals, so " 001 " and "001" are one participant."""
    return f"{folded_programme_id}\x1f{participant_ref.strip().upper()}".encode()


def pseudonymise_many(
    key: bytes, programme_ids: list[str], participant_refs: list[str]
) -> list[str]:
    """:func:`pseudonymise` of each pair, the HMAC computed once per distinct pair, each
    programme ID folded once, and the key prepared once (a copy of the keyed HMAC costs about
    half of ``hmac.digest``, which prepares the key on every call): a file repeats its
    programme on every row, and a loaded file holds up to a million participants."""
    keyed = hmac.new(key, digestmod="sha256")
    folded = {p: p.strip().upper() for p in set(programme_ids)}

    def digest(programme_id: str, participant_ref: str) -> str:
        mac = keyed.copy()
        mac.update(_message(folded[programme_id], participant_ref))
        return mac.hexdigest()[:32]

    pairs = list(zip(programme_ids, participant_refs, strict=True))
    keys = {pair: digest(*pair) for pair in set(pairs)}
    return [keys[pair] for pair in pairs]
