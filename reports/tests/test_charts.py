"""Server-side SVG charts: escaped, script- and style-free, accessible, and blind to hidden figures."""

import subprocess
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from hypothesis import given, settings
from hypothesis import strategies as st

from deflection.pdf import html_to_pdf
from deflection.suppression import Published, Reason, publish_count, suppress_funnel, suppress_series
from reports import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'quotes'"
MONTHS = ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026"]


def bars(**counts):
    return charts.bar_chart("by-pathway", "Referrals by pathway", suppress_series(counts), label_header="Pathway")


def parse(chart):
    return ET.fromstring(str(chart.svg))  # noqa: S314  (our own output, parsed to prove it is well-formed)


def texts(root):
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def hidden_marks(root, chart_id):
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("fill") == f"url(#{chart_id}-hatch)"]


def every_chart():
    series = suppress_series({"Self-referral": 5, "Outreach": 30, "Naloxone plus": 12, HOSTILE: 140})
    trend = {
        "Referrals": [publish_count(value) for value in (3, 40, 60, 12)],
        HOSTILE: [publish_count(value) for value in (15, 2, 0, 30)],
    }
    funnel = suppress_funnel({"Referred": 200, "Contacted": 150, "Engaged": 95, "Retained 30 days": 8})
    return [
        charts.bar_chart("bars", HOSTILE, series),
        charts.trend_chart("trend", HOSTILE, MONTHS, trend),
        charts.funnel_chart("funnel", HOSTILE, funnel),
    ]


@pytest.mark.parametrize("chart", every_chart(), ids=["bars", "trend", "funnel"])
def test_every_chart_is_well_formed_accessible_svg_without_scripts_or_styles(chart):
    root = parse(chart)  # xml.etree refuses anything that is not well-formed
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox").startswith("0 0 400 ")
    assert root.get("width") == "100%"  # scales with its container, down to a phone
    title_id, description_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}title").text == HOSTILE
    assert root.find(f"{SVG}desc").get("id") == description_id
    for element in root.iter():
        assert element.tag not in {f"{SVG}script", f"{SVG}style", f"{SVG}foreignObject", f"{SVG}a"}
        for attribute in element.attrib:
            assert attribute != "style" and not attribute.lower().startswith("on"), attribute
    markup = str(chart.svg)
    assert "<script" not in markup and "&lt;script&gt;" in markup
    assert "style=" not in markup


def test_labels_and_titles_are_escaped_and_survive_intact():
    chart = bars(**{HOSTILE: 40, "Outreach": 30})
    root = parse(chart)
    assert HOSTILE in texts(root)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in str(chart.svg)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=6, unique=True), st.text(max_size=120))
def test_any_label_at_all_gives_well_formed_svg(labels, title):
    chart = charts.bar_chart("any", title, {label: publish_count(12) for label in labels})
    root = parse(chart)
    shown = texts(root)
    for label in labels:
        clean = " ".join(charts._NOT_XML.sub("", label).split())  # one line, as drawn
        assert any(text == clean or (text.endswith("…") and clean.startswith(text[:-1])) for text in shown)
    trend = charts.trend_chart("any", title, labels, {title or "x": [publish_count(5)] * len(labels)})
    parse(trend)


@pytest.mark.parametrize("bad_id", ["", "Chart", "1chart", 'x" onload="alert(1)', "x y", "a" * 60])
def test_a_chart_id_that_could_break_out_of_its_attribute_is_refused(bad_id):
    with pytest.raises(ValueError):
        charts.bar_chart(bad_id, "t", {"a": publish_count(12)})


def test_charts_refuse_raw_counts():
    with pytest.raises(TypeError):
        charts.bar_chart("bars", "t", {"a": 3})
    with pytest.raises(TypeError):
        charts.trend_chart("trend", "t", ["Jan"], {"a": [3]})
    with pytest.raises(TypeError):
        charts.funnel_chart("funnel", "t", {"Referred": 30})


def test_a_hidden_count_draws_the_same_mark_whatever_it_hides():
    three, seven = bars(a=3, b=40, c=25), bars(a=7, b=40, c=25)
    assert three.svg == seven.svg
    # A large figure hidden to protect another is drawn no bigger than a small one.
    series = suppress_series({"small": 4, "big": 500, "other": 600})
    assert series.values["big"].reason == Reason.COMPLEMENTARY
    root = parse(charts.bar_chart("bars", "t", series))
    widths = {rect.get("width") for rect in hidden_marks(root, "bars")}
    assert widths == {str(charts.HIDDEN_MARK_WIDTH)}
    assert len(hidden_marks(root, "bars")) == 2


def test_the_scale_comes_from_shown_figures_only():
    # The 40 bar fills the plot whether the hidden figure beside it is 3 or 3,000.
    small = charts.bar_chart("bars", "t", {"a": Published.hidden(Reason.SMALL_COUNT), "b": publish_count(40)})
    big = charts.bar_chart("bars", "t", {"a": Published.hidden(Reason.COMPLEMENTARY), "b": publish_count(40)})
    bars_drawn = [rect for rect in parse(small).iter(f"{SVG}rect") if rect.get("fill") == charts.BAR_COLOUR]
    assert [rect.get("width") for rect in bars_drawn] == ["288"]
    assert str(small.svg).replace("fewer than 11", "not shown") == str(big.svg)


def test_trend_breaks_the_line_at_a_hidden_month_and_marks_it_under_the_axis():
    values = {"Referrals": [publish_count(value) for value in (30, 4, 40, 50)]}
    one, other = (
        charts.trend_chart("trend", "t", MONTHS, values),
        charts.trend_chart("trend", "t", MONTHS, {"Referrals": [publish_count(v) for v in (30, 9, 40, 50)]}),
    )
    assert one.svg == other.svg
    root = parse(one)
    lines = list(root.iter(f"{SVG}polyline"))
    assert [len(line.get("points").split()) for line in lines] == [2]  # Jan alone, then Mar to Apr
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    marks = hidden_marks(root, "trend")
    assert [mark.get("stroke") for mark in marks] == [charts.SERIES_STYLES[0][0], charts.MUTED_COLOUR]  # and the legend
    assert one.table.headers == ("Month", "Referrals")
    assert one.table.rows[1] == ("Feb 2026", ("fewer than 11",))
    assert "fewer than 11" in one.note


def test_trend_checks_its_shape():
    with pytest.raises(ValueError, match="figures for"):
        charts.trend_chart("trend", "t", MONTHS, {"a": [publish_count(12)]})
    with pytest.raises(ValueError):
        charts.trend_chart("trend", "t", MONTHS, {})


def test_bar_table_has_the_same_figures_and_the_total():
    chart = bars(**{"Self-referral": 5, "Outreach": 30, "Naloxone plus": 12, "Officer referral": 0})
    assert chart.table.headers == ("Pathway", "Count")
    assert chart.table.rows == (
        ("Self-referral", ("fewer than 11",)),
        ("Outreach", ("30",)),
        ("Naloxone plus", ("not shown",)),
        ("Officer referral", ("0",)),
        ("Total", ("47",)),
    )
    assert chart.note.startswith("To protect participants' privacy")
    assert charts.bar_chart("b", "t", {"a": publish_count(12)}).note == ""


def test_funnel_shows_shares_only_between_shown_stages():
    funnel = suppress_funnel({"Referred": 200, "Contacted": 195, "Engaged": 95, "Retained 30 days": 8})
    chart = charts.funnel_chart("funnel", "From referral to retention", funnel)
    assert chart.table.headers == ("Stage", "People", "Share of referred")
    assert chart.table.rows == (
        ("Referred", ("200", "100%")),
        ("Contacted", ("not shown", "not shown")),
        ("Engaged", ("95", "48%")),
        ("Retained 30 days", ("fewer than 11", "not shown")),
    )
    root = parse(chart)
    assert "Engaged: 95 (48%)" in texts(root)
    assert len(hidden_marks(root, "funnel")) == 2


def test_include_renders_the_svg_once_and_escapes_the_table():
    chart = bars(**{HOSTILE: 40, "Outreach": 30})
    html = render_to_string("reports/_chart.html", {"chart": chart})
    assert html.count("<svg ") == 1
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<th scope="row">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;</th>' in html
    assert "Figures for Referrals by pathway" in html


def test_weasyprint_renders_a_page_of_charts(tmp_path):
    html = render_to_string(
        "pdf/base.html",
        {},
    ).replace(
        "</body>",
        "".join(render_to_string("reports/_chart.html", {"chart": chart}) for chart in every_chart()) + "</body>",
    )
    data = html_to_pdf(html)
    assert data.startswith(b"%PDF")
    path = tmp_path / "charts.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("Self-referral", "Naloxone plus", "Retained 30 days", "Jan 2026", "fewer than 11", "not shown"):
        assert expected in text
    assert '<script>alert("x")</script>' in text  # shown as text, never run
    assert "Engaged: 95 (48%)" in text  # SVG text is real text in the PDF
