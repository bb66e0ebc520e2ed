from __future__ import annotations

import pandas as pd
import pytest

from pipelines.ingest.privacy import (
    MASK,
    contains_national_id,
    is_national_id,
    mask_national_ids,
    national_id_cells,
    pseudonymise,
    pseudonymise_many,
)
from tests.helpers import valid_national_id


def test_check_digits_computed_by_hand():
    # 010190 100 k1 k2: k1 = 11 - (0*3+1*7+0*6+1*1+9*8+0*9+1*4+0*5+0*2) % 11 = 11 - 84 % 11 = 11 - 7 = 4
    # k2 = 11 - (0*5+1*4+0*3+1*2+9*7+0*6+1*5+0*4+0*3+4*2) % 11 = 11 - 82 % 11 = 11 - 5 = 6
    assert is_national_id("01019010046")
    assert valid_national_id() == "01019010046"


@pytest.mark.parametrize(
    "number", ["01019010047", "01019010056", "12345678901", "0101901004", "010190100466"]
)
def test_wrong_check_digits_or_length_are_not_national_ids(number):
    assert not is_national_id(number)


@pytest.mark.parametrize("text", ["01019010046", "fnr: 010190 10046", "010190-10046 (tlf)"])
def test_national_ids_found_in_free_text(text):
    assert contains_national_id(text)
    assert "10046" not in mask_national_ids(text)


def test_phone_numbers_and_refs_are_not_flagged():
    assert not contains_national_id("Ring 22 33 44 55 eller 99887766")
    assert not contains_national_id("MENT-2016-007")


def test_cells_located_including_excel_number_without_leading_zero():
    frame = pd.DataFrame(
        {0: ["A1", "1019010046", None], 1: ["ok", "x", "kontakt 010190 10046"]}, index=[2, 3, 4]
    )
    assert set(national_id_cells(frame)) == {(3, 0), (4, 1)}
    assert MASK == "*" * 11


def test_pseudonyms_are_keyed_and_scoped_by_programme():
    a = pseudonymise(b"k1", "P1", "001")
    assert a == pseudonymise(
        b"k1", "p1", " 001 "
    )  # case and spacing of the reference do not matter
    assert a != pseudonymise(b"k2", "P1", "001")  # another key, another pseudonym
    assert a != pseudonymise(b"k1", "P2", "001")  # same reference in another programme
    assert len(a) == 32 and "001" not in a


def test_a_pseudonym_is_the_first_128_bits_of_hmac_sha256_of_programme_and_reference():
    # Stored pseudonyms must never change between releases: the warehouse joins on them.
    # Computed here with hashlib alone (RFC 2104 by hand), not with the hmac module.
    import hashlib

    key, message = b"k1", b"P1\x1f001"
    block = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block) + message).digest()
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block) + inner).hexdigest()
    assert pseudonymise(b"k1", "p1", " 001 ") == outer[:32]


def test_pseudonyms_of_many_pairs_are_the_pseudonyms_of_each_pair():
    key = b"k" * 80  # longer than a SHA-256 block: HMAC hashes such a key first
    programmes = ["P1", " p1", "P2", "P1", "P1"]
    references = ["001", "001 ", "001", "002", "001"]
    many = pseudonymise_many(key, programmes, references)
    assert many == [pseudonymise(key, p, r) for p, r in zip(programmes, references, strict=True)]
    assert many[0] == many[1] == many[4] and len(set(many)) == 3
