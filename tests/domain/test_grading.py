from __future__ import annotations

import pytest

from accord.domain.errors import InvalidValue
from accord.domain.grading import Grading, GradingScale


def test_admiralty_code_and_meaning() -> None:
    g = Grading.parse("b2")
    assert g.code == "B2"
    assert g.meaning == "usually reliable; probably true"


def test_confidence_orders_grades_and_unknown_is_neutral() -> None:
    assert Grading.parse("A1").confidence == 1.0
    assert Grading.parse("A1").confidence > Grading.parse("C3").confidence
    assert Grading.parse("F6").confidence == 0.5


def test_europol_and_uk_scales() -> None:
    eu = Grading.from_dict({"scale": "europol", "source": "X", "information": "4"})
    assert eu is not None and eu.scale is GradingScale.EUROPOL
    uk = Grading.parse("1AP", GradingScale.UK)
    assert uk.handling == "P" and uk.code == "1AP"
    assert Grading.from_dict(uk.to_dict()) == uk


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Z9", "grading: source 'Z' is not on the admiralty scale"),
        ({"scale": "europol", "source": "D", "information": "1"},
         "grading: source 'D' is not on the europol scale"),
        ({"scale": "uk", "source": "1", "information": "A"}, "grading: UK 3x5x2 grading needs"),
        ({"scale": "nato9"}, "grading: unknown grading scale 'nato9'"),
        ({"scale": "admiralty", "source": "A", "information": "1", "x": 1},
         "grading: unknown grading field(s): x"),
    ],
)
def test_bad_grading_names_where_and_why(raw: object, message: str) -> None:
    with pytest.raises(InvalidValue) as err:
        Grading.from_dict(raw)  # type: ignore[arg-type]
    assert str(err.value).startswith(message)
