"""Query-count guard for list pages and list endpoints.

A ceiling over a few rows lets an N+1 through as long as the rows are few, and an exact count over one size
cannot tell a fixed cost from a per-row one. So each guard loads the page at a small and a larger size and
pins the same exact count at both: a query per row shows up as a difference of 18. Both fetches start from an
empty cache, so what the first one caches (the client list's filter choices) cannot flatter the second.
"""

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

SIZES = (2, 20)


def assert_same_queries_at_two_sizes(
    *,
    fetch: Callable[[], Any],
    add_rows: Callable[[int], Any],
    rows: Callable[[Any], int],
    queries: int,
    sizes: tuple[int, int] = SIZES,
) -> Any:
    """Add rows until the page shows `sizes[0]`, fetch it; add more until it shows `sizes[1]`, fetch it again.
    Each fetch must cost exactly `queries`. `add_rows(n)` adds n more rows; `rows(response)` counts the rows
    the page shows, so a guard cannot pass over a page that lost its rows. Returns the larger response."""
    counts, captured, added, response = [], [], 0, None
    for size in sizes:
        add_rows(size - added)
        added = size
        cache.clear()
        with CaptureQueriesContext(connection) as context:
            response = fetch()
        shown = rows(response)
        assert shown == size, f"the page shows {shown} rows, expected {size}"
        counts.append(len(context.captured_queries))
        captured.append(context.captured_queries)
    if counts != [queries] * len(sizes):
        worst = max(range(len(sizes)), key=lambda i: abs(counts[i] - queries))
        listing = "\n".join(f"{n}. {q['sql']}" for n, q in enumerate(captured[worst], 1))
        raise AssertionError(
            f"expected {queries} queries at {sizes[0]} and at {sizes[1]} rows, counted {counts[0]} and "
            f"{counts[1]}; the queries at {sizes[worst]} rows:\n{listing}"
        )
    return response
