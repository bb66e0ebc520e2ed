"""Personal data stays minimal: keyed pseudonyms and refusal of national identity numbers."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Sequence

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


def _factorized(frame: pd.DataFrame) -> Callable[[object], tuple[np.ndarray, np.ndarray]]:
    return lambda column: pd.factorize(frame[column], use_na_sentinel=True)


def national_id_cells(
    frame: pd.DataFrame,
    distinct: Callable[[object], tuple[np.ndarray, np.ndarray]] | None = None,
) -> list[tuple[object, object]]:
    """(row label, column label) of every cell holding a national identity number.

    Each distinct text of a column is judged once (most columns repeat a few values over many
    rows): one regex search over a column's texts first, then the check digits only for
    candidates. Excel drops a leading zero from numbers typed into a cell, so 10-digit
    numbers are tried with it restored. ``distinct(column)``: the column's codes and texts as
    ``pd.factorize`` gives them, when the caller has them already.
    """
    hits: list[tuple[object, object]] = []
    factorized = distinct or _factorized(frame)
    for col in frame.columns:
        codes, uniques = factorized(col)  # empty cells: code -1
        texts = [str(u) for u in uniques]
        if not texts or not _may_hold_candidate(texts):
            continue
        column_texts = pd.Series(texts, dtype="object")
        candidates = column_texts[column_texts.str.contains(_PREFILTER.pattern, regex=True)]
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


def _keyed_sha256(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC-SHA256's inner and outer hash states with the key absorbed (RFC 2104): copying
    them per message skips the key's preparation, which ``hmac.digest`` repeats on every call
    and which is half its cost."""
    block = 64  # SHA-256's block size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def pseudonymise_many(
    key: bytes, programme_ids: Sequence[str], participant_refs: Sequence[str]
) -> list[str]:
    """:func:`pseudonymise` of each pair, the HMAC computed once per distinct pair, each
    programme ID folded once and the key prepared once: a file repeats its programme on every
    row, and a loaded file holds up to a million participants. The distinct pairs are found
    by pandas' factorize, not by hashing a tuple per row."""
    inner, outer = _keyed_sha256(key)
    programme_codes, programmes = pd.factorize(
        np.asarray(programme_ids, dtype=object), use_na_sentinel=False
    )
    ref_codes, refs = pd.factorize(
        np.asarray(participant_refs, dtype=object), use_na_sentinel=False
    )
    pair_codes, pairs = pd.factorize(programme_codes.astype(np.int64) * len(refs) + ref_codes)
    folded = [programme.strip().upper() for programme in programmes]

    def digest(pair: int) -> str:
        inside = inner.copy()
        inside.update(_message(folded[pair // len(refs)], refs[pair % len(refs)]))
        mac = outer.copy()
        mac.update(inside.digest())
        return mac.hexdigest()[:32]

    digests = np.array([digest(pair) for pair in pairs.tolist()], dtype=object)
    return digests[pair_codes].tolist()
