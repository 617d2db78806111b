from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.domain.errors import InvalidValue
from accord.domain.markings import TLP
from accord.domain.report import Report, ReportStatus
from accord.domain.statement import Statement


def test_report_versions_and_retraction() -> None:
    r = Report.from_dict({"id": "CO-1", "title": "Go-fast", "markings": {"tlp": "RED"}},
                         origin="co-dijin")
    assert r.version == 1 and r.marking.tlp is TLP.RED and r.origin == "co-dijin"
    r2 = r.revised(title="Go-fast from Tumaco")
    assert r2.version == 2 and r2.title == "Go-fast from Tumaco"
    r3 = r2.retract("source withdrew")
    assert r3.status is ReportStatus.RETRACTED and r3.version == 3
    assert "[retracted] source withdrew" in r3.narrative


def test_report_round_trips_through_dict() -> None:
    r = Report.from_dict({"id": "CO-1", "title": "T", "grading": "B2",
                          "review_date": "2027-01-31", "created": "2026-03-01T10:00:00Z"},
                         origin="co")
    again = Report.from_dict(r.to_dict(), origin="other")
    assert again == r


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"title": "x"}, "report.id: id is required"),
        ({"id": "1", "title": "x", "colour": 1}, "report: unknown field(s): colour"),
        ({"id": "1", "title": "x", "review_date": "soon"}, "report.review_date: 'soon' is not"),
        ({"id": "1", "title": "x", "created": "yesterday"}, "report.created: 'yesterday' is not"),
        ({"id": "1", "title": "x", "status": "lost"}, "report.status: unknown status 'lost'"),
    ],
)
def test_bad_reports_name_where_and_why(raw: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValue) as err:
        Report.from_dict(raw, origin="co")
    assert str(err.value).startswith(message)


def test_statement_ids_are_stable_and_distinct() -> None:
    a = Statement("e1", "Person", "name", "Ana", "r1", "co")
    b = Statement("e1", "Person", "name", "Ana", "r1", "co")
    c = Statement("e1", "Person", "name", "Ana", "r2", "co")
    assert a.id == b.id != c.id


def test_statement_seen_widens_window() -> None:
    t1 = datetime(2026, 1, 1, tzinfo=UTC)
    t2 = datetime(2026, 2, 1, tzinfo=UTC)
    s = Statement("e1", "Person", "name", "Ana", "r1", "co").seen(t2).seen(t1)
    assert s.first_seen == t1 and s.last_seen == t2
