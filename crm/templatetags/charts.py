"""{% load charts %}: the server-drawn SVG charts of crm.charts in templates.

{% sparkline values title=_("Sales") labels=months %}
{% bars values labels=months title=_("Sales per month") %}
{% lines series labels=months title=... low=1 high=5 %}
"""

from django import template

from crm import charts

register = template.Library()


@register.simple_tag
def sparkline(values, title="", labels=None, width=120, height=28, low=None, high=None):
    return charts.sparkline(values, title=str(title), labels=labels, width=width, height=height, low=low, high=high)


@register.simple_tag
def bars(values, labels, title="", width=240, height=60, high=None):
    return charts.bars(values, labels=labels, title=str(title), width=width, height=height, high=high)


@register.simple_tag
def lines(series, labels, title="", width=560, height=160, low=None, high=None):
    return charts.lines(series, labels=labels, title=str(title), width=width, height=height, low=low, high=high)
