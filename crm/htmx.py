"""One answer to "the fragment or the page?" for every htmx view.

A plain htmx swap gets the fragment. A normal request, a boosted link (hx-boost swaps the whole body) and a
history restore (Back after hx-push-url, when htmx's history cache misses and it asks the server again) get
the whole page: answering those with a fragment leaves the browser showing a bare table without its layout.
The same URL answers two ways, so the response says it varies by `HX-Request`, or a cache (the browser's
included) could hand the fragment to a normal visit.
"""

from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_fragment(request) -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_partial(request, page_template: str, fragment_template: str, context: dict, status: int = 200):
    template = fragment_template if wants_fragment(request) else page_template
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
