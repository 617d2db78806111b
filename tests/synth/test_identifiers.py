"""Identifiers the generator writes carry valid check digits and parse back."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schwifty import IBAN
from stdnum import bitcoin, imo, iso6346
from stdnum.mx import curp as std_curp

from accord.domain.values.iban import IbanType
from accord.domain.values.imo import ImoType
from accord.domain.values.mmsi import MmsiType
from accord.domain.values.phone import PhoneType
from accord.synth import identifiers
from accord.synth.banking import IBAN_BANKS, LOCAL_BANKS, bank_account, clabe_check_digit
from accord.synth.names import make_name
from accord.synth.phones import STYLES, PhoneBook


@given(st.integers(0, 2**32))
@settings(max_examples=200, deadline=None)
def test_imo_and_container_numbers_have_valid_check_digits(seed: int) -> None:
    rng = random.Random(seed)
    number = identifiers.imo_number(rng)
    assert imo.is_valid(number)
    assert ImoType().normalize(f"IMO {number}") == number
    assert iso6346.is_valid(identifiers.container_number("MSC", rng))


@pytest.mark.parametrize("flag", sorted(identifiers.MIDS))
def test_mmsi_starts_with_a_mid_of_its_flag(flag: str) -> None:
    rng = random.Random(flag)
    for _ in range(20):
        number = identifiers.mmsi(flag, rng)
        assert int(number[:3]) in identifiers.MIDS[flag]
        assert MmsiType().normalize(number) == number


@pytest.mark.parametrize("country", sorted(set(IBAN_BANKS) | set(LOCAL_BANKS)))
def test_bank_accounts_are_valid(country: str) -> None:
    rng = random.Random(country)
    for _ in range(10):
        account = bank_account(country, rng)
        if account.kind == "iban":
            assert IBAN(account.value).compact == account.value
            for style in ("print", "electronic", "lower"):
                assert IbanType().normalize(account.written(style)) == account.value
        elif account.kind == "clabe":
            assert len(account.value) == 18
            assert clabe_check_digit(account.value[:17]) == account.value[17]


def test_clabe_check_digit_matches_the_published_example() -> None:
    # Banco de México's worked example: 002 010 07777777777 check digit 1.
    assert clabe_check_digit("00201007777777777") == "1"


def test_crypto_addresses_are_valid_base58check() -> None:
    rng = random.Random(1)
    for _ in range(20):
        assert bitcoin.is_valid(identifiers.crypto_address("btc", rng))
        assert identifiers.crypto_address("trx", rng).startswith("T")


def test_curp_is_built_from_the_name_and_is_valid() -> None:
    rng = random.Random(3)
    for _ in range(50):
        name = make_name("hispanic", rng.choice(("male", "female")), rng)
        birth = date(1960 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
        value = identifiers.curp(name, birth, rng)
        assert std_curp.is_valid(value), value
        assert value[4:10] == birth.strftime("%y%m%d")


@pytest.mark.parametrize("country", ["CO", "MX", "US", "PA", "ES", "EC", "GT", "NL", "RU",
                                     "CN", "LB", "AL", "MA", "RS"])
def test_every_phone_style_reads_back_as_the_same_number(country: str) -> None:
    book = PhoneBook(11)
    phone_type = PhoneType()
    seen = set()
    for j in range(0, 3000, 97):
        number = book.benign(country, j)
        seen.add(number.e164)
        for style in STYLES:
            hint = country if style == "national" else None
            assert phone_type.normalize(number.written(style), country=hint) == number.e164
    assert len(seen) == len(range(0, 3000, 97))


def test_phone_index_ranges_never_collide() -> None:
    book = PhoneBook(2)
    illicit = {book.allocate("CO").e164 for _ in range(300)}
    residents = {book.benign("CO", j).e164 for j in range(3000)}
    contacts = {book.foreign("CO", j).e164 for j in range(3000)}
    assert len(illicit) == 300 and len(residents) == 3000 and len(contacts) == 3000
    assert not illicit & residents and not residents & contacts and not illicit & contacts
