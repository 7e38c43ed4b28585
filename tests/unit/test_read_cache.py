"""The per-process listing cache: creates share a listing begun after their own write, and a
create's listing never stands in for a later read or delete."""

import time
from concurrent.futures import ThreadPoolExecutor

from podlb_component.bce.security_groups import _ReadCache

KEY = ("endpoint", "ak", "g-node")


def counting_fetch(calls: list[float]):
    def fetch():
        calls.append(time.monotonic())
        time.sleep(0.05)
        return [f"listing {len(calls)}"]

    return fetch


def test_concurrent_creates_share_one_listing_begun_after_their_writes():
    cache, calls = _ReadCache(), []
    since = time.monotonic()  # every create's write finished before this
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: cache.after(KEY, since, counting_fetch(calls)), range(8)))
    assert len(calls) == 1 and calls[0] >= since
    assert results == [["listing 1"]] * 8


def test_a_write_after_the_listing_began_gets_a_new_listing():
    cache, calls = _ReadCache(), []
    fetch = counting_fetch(calls)
    cache.after(KEY, time.monotonic(), fetch)
    later = time.monotonic()  # a write that finished after the first listing began
    assert cache.after(KEY, later, fetch) == ["listing 2"] and len(calls) == 2


def test_a_creates_listing_is_not_what_reads_and_deletes_use():
    cache, calls = _ReadCache(), []
    cache.after(KEY, time.monotonic(), counting_fetch(calls))
    assert cache.get(KEY, lambda: ["read fresh"]) == ["read fresh"]
    cache.clear()
    assert cache.after(KEY, 0.0, counting_fetch(calls)) == ["listing 2"]


def test_creates_that_finish_within_the_gather_window_share_one_listing():
    """Creates the engine runs at once finish their writes a little apart: each waits `gather`
    before listing, so the ones that finish within it share the listing."""
    cache, calls = _ReadCache(), []
    fetch = counting_fetch(calls)

    def create(delay: float) -> list[str]:
        time.sleep(delay)  # this create's write finishes `delay` after the first one's
        return cache.after(KEY, time.monotonic(), fetch, gather=0.3)

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(create, [0.0, 0.05, 0.1, 0.15]))
    assert len(calls) == 1 and results == [["listing 1"]] * 4
