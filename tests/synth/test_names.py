"""Name variants: each recorded kind really changes the text; canonical means unchanged."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.synth.names import (
    COMPANY_VARIANT_KINDS,
    PERSON_VARIANT_KINDS,
    make_name,
    strip_accents,
    typo,
    write_company,
    write_person,
)
from accord.synth.nations import NATIONS

CULTURES = ("hispanic", "anglo", "dutch", "albanian", "slavic", "chinese", "arabic")


@given(st.integers(0, 2**32), st.sampled_from(CULTURES), st.sampled_from(sorted(NATIONS)))
@settings(max_examples=300, deadline=None)
def test_a_varied_mention_always_differs_and_names_its_kinds(seed: int, culture: str,
                                                             nation: str) -> None:
    rng = random.Random(seed)
    name = make_name(culture, rng.choice(("male", "female")), rng)
    plain = write_person(name, NATIONS[nation].habits, rng, varied=False, noise=0.5)
    assert plain.text == name.canonical and plain.kinds == ()
    varied = write_person(name, NATIONS[nation].habits, rng, varied=True, noise=0.5)
    assert varied.text != name.canonical
    assert varied.kinds and set(varied.kinds) <= set(PERSON_VARIANT_KINDS)
    if "script" in varied.kinds:
        assert varied.text == name.native


def test_foreign_names_keep_their_native_script() -> None:
    rng = random.Random(4)
    assert make_name("slavic", "male", rng).native is not None
    chinese = make_name("chinese", "male", rng)
    assert chinese.native and chinese.canonical.split(" ")[0] == chinese.surnames[0][1][0]
    assert make_name("hispanic", "female", rng).native is None


@given(st.integers(0, 2**32))
@settings(max_examples=200, deadline=None)
def test_company_variants_differ_from_the_canonical_name(seed: int) -> None:
    rng = random.Random(seed)
    text, kinds = write_company("Frutas del Pacífico", "S.A.S.", 0.5, rng, varied=True,
                                noise=0.5)
    assert text != "Frutas del Pacífico S.A.S." and kinds
    assert set(kinds) <= set(COMPANY_VARIANT_KINDS)


def test_typo_and_accents() -> None:
    rng = random.Random(0)
    for word in ("Restrepo", "Gómez", "Li", "Ochoa"):
        assert typo(word, rng) != word
    assert strip_accents("Joaquín Muñoz Álvarez") == "Joaquin Munoz Alvarez"
