"""Identifier items: the strings both nodes must derive identically for PSI to match."""

from __future__ import annotations

import pytest

from accord.domain.errors import InvalidValue
from accord.domain.identifiers import IdentifierKind, identifier_item, psi_items


def test_a_phone_written_two_ways_gives_one_item() -> None:
    local = identifier_item(IdentifierKind.PHONE, "(300) 123-4567", country="Colombia")
    international = identifier_item(IdentifierKind.PHONE, "+57 300 1234567")
    assert str(local) == str(international) == "phone:+573001234567"


@pytest.mark.parametrize(
    ("kind", "raw", "country", "item"),
    [
        (IdentifierKind.EMAIL, "Juan.Perez@Example.COM", None, "email:juan.perez@example.com"),
        (IdentifierKind.PASSPORT, "ab-123 456", "COL", "passport:co:AB123456"),
        (IdentifierKind.IMO, "IMO 9074729", None, "imo:9074729"),
        (IdentifierKind.MMSI, "366 123 456", None, "mmsi:366123456"),
        (IdentifierKind.IBAN, "DE89 3704 0044 0532 0130 00", None,
         "iban:DE89370400440532013000"),
        (IdentifierKind.PLATE, "abc-123", "mx", "plate:mx:ABC123"),
        (IdentifierKind.CRYPTO, "bc1qardv855yjngspvxuttq897aqca3lxju2y69jce", None,
         "crypto:BC1QARDV855YJNGSPVXUTTQ897AQCA3LXJU2Y69JCE"),
    ],
)
def test_items_are_prefixed_by_kind_and_normalised(
    kind: IdentifierKind, raw: str, country: str | None, item: str
) -> None:
    assert str(identifier_item(kind, raw, country=country)) == item


def test_the_same_number_of_two_kinds_gives_two_items() -> None:
    assert str(identifier_item(IdentifierKind.PASSPORT, "366123456", country="us")) != str(
        identifier_item(IdentifierKind.MMSI, "366123456"))


def test_a_passport_without_its_country_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidValue, match="passport needs its issuing country"):
        identifier_item(IdentifierKind.PASSPORT, "AB123456")


def test_a_bad_value_names_where_and_why() -> None:
    with pytest.raises(InvalidValue, match=r"^row 3: 'IMO 9074728' is not a valid IMO number"):
        identifier_item(IdentifierKind.IMO, "IMO 9074728", where="row 3")
    with pytest.raises(InvalidValue, match="row 4: country: 'Atlantis' is not a valid country"):
        identifier_item(IdentifierKind.PLATE, "ABC123", country="Atlantis", where="row 4")


def test_batches_keep_going_past_bad_values_and_deduplicate() -> None:
    items, problems = psi_items(IdentifierKind.PHONE,
                                ["+57 300 1234567", "nonsense", "3001234567"], country="co")
    assert items == ["phone:+573001234567"]
    assert [(p.where, p.field) for p in problems] == [("values[1]", "phone")]
    assert "not a valid phone number" in problems[0].reason


def test_kinds_parse_case_insensitively_and_name_the_choices() -> None:
    assert IdentifierKind.parse(" IMO ") is IdentifierKind.IMO
    with pytest.raises(InvalidValue, match="'ssn' is not an identifier kind .*phone, email"):
        IdentifierKind.parse("ssn")
