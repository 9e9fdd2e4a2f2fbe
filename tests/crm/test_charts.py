"""The server-drawn SVG charts: accessible (a title, a description and a text fallback with the figures),
nothing a strict Content-Security-Policy blocks, gaps for missing values, and escaped labels."""

import re

from crm import charts


def test_sparkline_is_an_image_named_by_its_title_with_the_figures_as_text():
    html = str(charts.sparkline([3, "4.5", None, 5], title="Satisfaction", labels=["Jan", "Feb", "Mar", "Apr"]))
    assert 'role="img"' in html and "<title " in html and ">Satisfaction</title>" in html
    ids = re.search(r'aria-labelledby="([^"]+)"', html).group(1).split()
    assert all(f'id="{i}"' in html for i in ids)
    assert "Jan: 3; Feb: 4.5; Mar: –; Apr: 5" in html  # the description and the fallback caption
    assert html.count("Jan: 3; Feb: 4.5") == 2
    assert " style=" not in html and "<script" not in html
    # the missing month breaks the line: one polyline for Jan-Feb, a lone dot for Apr
    assert html.count("<polyline") == 1


def test_sparkline_scales_between_the_given_bounds():
    html = str(charts.sparkline([1, 5], title="t", width=100, height=20, low=1, high=5))
    # padding 3: the low end sits at y = 20 - 3, the high end at y = 3
    assert 'points="3.0,17.0 97.0,3.0"' in html


def test_bars_have_a_tooltip_each_and_negative_values_hang_below_the_axis():
    html = str(charts.bars([100, -50, None], labels=["Jan", "Feb", "Mar"], title="Net sales", width=90, height=30))
    assert html.count("<rect") == 2  # no bar for a month without a figure
    assert "<title>Jan: 100</title>" in html and "<title>Feb: -50</title>" in html
    assert "chart-negative" in html
    # scale -50..100 over 30 px: 0 is a third of the way up, the axis at y = 30 - 10
    assert 'y1="20.0"' in html


def test_lines_draw_each_series_with_a_legend_and_escape_names():
    html = str(
        charts.lines(
            [("<b>Paper</b>", [4, 5]), ("Ink", [3, None])], labels=["Jan", "Feb"], title="Per product", low=1, high=5
        )
    )
    assert "<b>" not in html and "&lt;b&gt;Paper&lt;/b&gt;" in html
    assert "chart-series-0" in html and "chart-series-1" in html and 'class="chart-legend"' in html
    assert ">Jan</text>" in html and ">Feb</text>" in html


def test_empty_series_draw_an_empty_chart_without_error():
    assert 'role="img"' in str(charts.sparkline([], title="Nothing"))
    assert 'role="img"' in str(charts.bars([], labels=[], title="Nothing"))
    assert 'role="img"' in str(charts.lines([], labels=[], title="Nothing"))
