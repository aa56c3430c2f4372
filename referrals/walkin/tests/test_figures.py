"""The walk-in figures page: walk-ins, placed and the median arrival-to-placement time per month, suppressed."""

import datetime

from django.urls import reverse

from deflection.models import AuditEvent
from referrals.walkin.figures import walkin_figures, year_figures
from referrals.walkin.tests.conftest import bulk


def _row(html, month):
    return html.split(f"{month}</th>", 1)[1].split("</tr>", 1)[0]


def test_figures_per_month_are_suppressed_with_constant_queries(client, wworld, django_assert_max_num_queries):
    program = wworld.program
    year = program.today().year - 1
    bulk(wworld, day=datetime.date(year, 1, 15), count=40, placed=25, minutes=38)  # all shown (15 not placed)
    bulk(wworld, day=datetime.date(year, 2, 15), count=6, placed=4)  # small counts
    bulk(wworld, day=datetime.date(year, 3, 15), count=20, placed=13)  # 7 not placed: placed would tell them
    bulk(wworld, day=datetime.date(year, 4, 15), count=14, placed=0)
    client.force_login(wworld.command)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("walkin:figures"), {"year": str(year)})
    html = response.content.decode()
    assert response.status_code == 200
    january = _row(html, f"January {year}")
    assert ">40<" in january and ">25<" in january and "38 min" in january
    february = _row(html, f"February {year}")
    assert february.count("fewer than 11") == 3 and "not shown (fewer than 11 placed)" in february
    march = _row(html, f"March {year}")
    assert ">20<" in march and ">13<" not in march and "not shown" in march
    april = _row(html, f"April {year}")
    assert ">14<" in april and ">0<" in april and "none yet" in april
    assert "December" in html and "counts from 1 to 10" in html
    assert AuditEvent.objects.filter(action="walkin.figures.view").exists()


def test_a_period_figure_and_the_current_year_stops_at_this_month(wworld):
    program = wworld.program
    today = program.today()
    rows = bulk(wworld, day=today, count=12, placed=11, minutes=95)  # 1 not placed
    start = program.local_midnight(today)
    figures = walkin_figures(program=program, start=start, end=start + datetime.timedelta(days=1))
    assert figures.walkins.display == "12" and figures.placed.is_suppressed and figures.median == "95 min"
    assert len(year_figures(program, today.year).months) == today.month
    assert rows[0].minutes_to_placement == 95
