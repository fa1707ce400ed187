"""What a refusal costs: wrong keys knocking at the group page and at its API.

One ``ccm serve`` with the demo meeting on a free port of 127.0.0.1. From this process, one
request at a time, each on its own connection (as a stranger's browser or a script would
come):

- ``page``: ``--requests`` GETs of ``/ccm/groupe`` with a wrong key, in turn: a random key,
  a random key naming a group (``groupe=slug``), and the projection's key (printed on the
  wall; it opens no group page);
- ``api``: ``--requests`` requests to a group's API with a wrong key in its cookie (the API
  reads keys from cookies only), in turn: ``GET …/lignes``, ``PUT …/lignes/<id>/<field>``
  with a JSON body and a token, ``GET …/evenements`` (the live stream);
- for scale, ``--accepted`` GETs of ``…/lignes`` with the group's own key (fewer than the
  key's rate limit allows in a burst).

Per request, from sending to the whole answer read. Printed as ``name value unit`` lines:
p50, p99 and max of each kind, the statuses (every wrong key must get 403), the server's
CPU per refusal (its CPU time over the refusals, divided by their number), its memory, the
kernels started (none expected). Goal: a refusal's p99 within a few milliseconds (≤ 5 ms).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import (
    ccm_serve,
    cpu_seconds,
    kernels_of,
    percentile,
    rss_mb,
    wait_quiet,
)

REQUESTS = 1000
ACCEPTED = 100
#: The goal: a refusal answered within this, 99 times out of 100.
GOAL_P99_MS = 5.0


def timed(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None,
          ) -> tuple[int, float]:  # fmt: skip
    """One request on its own connection: its status, and the milliseconds it took."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status, (time.perf_counter() - start) * 1000
    finally:
        connection.close()


def wrong_key() -> str:
    return secrets.token_urlsafe(9)  # 12 characters, as a key


def run(server: int, port: int, count: int, request: Callable[[int], tuple[int, float]],
        ) -> tuple[list[float], collections.Counter[int], float]:  # fmt: skip
    """``count`` requests, one at a time: their milliseconds, their statuses, and the
    server's CPU milliseconds per request."""
    times: list[float] = []
    statuses: collections.Counter[int] = collections.Counter()
    cpu = cpu_seconds(server)
    for n in range(count):
        status, ms = request(n)
        statuses[status] += 1
        times.append(ms)
    return times, statuses, (cpu_seconds(server) - cpu) * 1000 / count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="wrong keys of each kind")
    parser.add_argument("--accepted", type=int, default=ACCEPTED, help="right-key requests")
    args = parser.parse_args(argv)
    from ccm_widgets.store import Store

    folder = Path(tempfile.mkdtemp(prefix="ccm-door-"))
    load = os.getloadavg()
    with ccm_serve(folder) as ccm:
        port = int(urllib.parse.urlsplit(ccm.base).port or 80)
        with Store(ccm.store) as store:
            slugs = [g.slug for g in store.groups.all()]
            rows = {slug: store.grid.rows(slug)[0].id for slug in slugs}
            projection = store.groups.projection_key()
            own_slug = slugs[0]
            own_key = store.groups.key(own_slug)
        # the keys read once, the templates compiled: what a first visitor costs is not a
        # refusal's cost
        timed(port, "GET", f"/ccm/groupe?cle={own_key}", {})
        wait_quiet(ccm.pid)
        rss_before = rss_mb(ccm.pid)
        kernels_before = set(kernels_of(ccm.pid))

        def page(n: int) -> tuple[int, float]:
            slug = slugs[n % len(slugs)]
            paths = (
                f"/ccm/groupe?cle={wrong_key()}",
                f"/ccm/groupe?groupe={slug}&cle={wrong_key()}",
                f"/ccm/groupe?cle={projection}",
            )
            return timed(port, "GET", paths[n % len(paths)], {})

        def api(n: int) -> tuple[int, float]:
            slug = slugs[n % len(slugs)]
            section = f"/ccm/api/sections/{slug}"
            cookie = {"Cookie": f"ccm_groupe={wrong_key()}"}
            kind = n % 3
            if kind == 0:
                return timed(port, "GET", f"{section}/lignes?depuis=0", cookie)
            if kind == 1:
                body = json.dumps({"text": "texte", "seen": ""}).encode()
                headers = {**cookie, "Content-Type": "application/json",
                           "X-Ccm-Jeton": secrets.token_hex(16)}  # fmt: skip
                return timed(port, "PUT", f"{section}/lignes/{rows[slug]}/recommendation",
                             headers, body)  # fmt: skip
            return timed(port, "GET", f"{section}/evenements", cookie)

        def accepted(_n: int) -> tuple[int, float]:
            cookie = {"Cookie": f"ccm_groupe={own_key}"}
            return timed(port, "GET", f"/ccm/api/sections/{own_slug}/lignes?depuis=0", cookie)

        results = {
            "page": run(ccm.pid, port, args.requests, page),
            "api": run(ccm.pid, port, args.requests, api),
            "accepted": run(ccm.pid, port, args.accepted, accepted),
        }
        time.sleep(1)
        rss_after = rss_mb(ccm.pid)
        kernels = len(set(kernels_of(ccm.pid)) - kernels_before)

    refused_ok = True
    worst_p99 = 0.0
    for name, (times, statuses, cpu_ms) in results.items():
        said = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        print(f"door_{name}_requests {len(times)} count ({said})")
        print(f"door_{name}_p50 {statistics.median(times):.2f} ms")
        print(f"door_{name}_p99 {percentile(times, 0.99):.2f} ms")
        print(f"door_{name}_max {max(times):.2f} ms")
        print(f"door_{name}_server_cpu {cpu_ms:.2f} ms (per request)")
        if name != "accepted":
            refused_ok = refused_ok and set(statuses) == {403}
            worst_p99 = max(worst_p99, percentile(times, 0.99))
    print(f"door_server_rss_before {rss_before:.1f} MB")
    print(f"door_server_rss_after {rss_after:.1f} MB")
    print(f"door_kernels_started {kernels} count (goal 0)")
    print(f"door_all_refused {'yes' if refused_ok else 'no'} - (every wrong key answered 403)")
    met = "met" if worst_p99 <= GOAL_P99_MS and refused_ok and not kernels else "MISSED"
    print(f"door_goal_refusal_p99 {worst_p99:.2f} ms (goal ≤ {GOAL_P99_MS:g} ms, all 403,"
          f" 0 kernels: {met})")  # fmt: skip
    print(f"door_load_before {load[0]:.2f} load (1 min average; {os.cpu_count()} cores)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
