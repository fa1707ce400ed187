"""The room scans its codes at once: 20 group devices (4 groups × 5 phones) open their links
within the same second.

One ``ccm serve`` with the demo meeting (four groups) on a free port of 127.0.0.1, pinned to
core 0 (``taskset -c 0``); this process, Playwright's driver and Chromium pinned to core 1
(``os.sched_setaffinity`` before the browser is launched: its processes inherit it; the
cores each one may use are printed). The server is warmed first the way the facilitator's
own check of the links warms it (each group's page and the pages' files fetched once), then
left until its CPU is quiet.

Each device is its own Chromium context (an empty cache), phone-sized (360×740, mobile,
touch; neither CPU nor network slowed: the twenty share one core), its window open on a
blank page before the burst; device ``i`` follows its group's link at ``i/20`` s. Per device,
from the link to a field that takes input, on the page's own clock
(:func:`benchmarks.common.time_to_input`: a key pressed in the page's ``d``-th textarea,
``d`` the device's number in its group, until ``groupe.js`` takes the character), then its
live stream (Server-Sent Events) open.

Printed as ``name value unit`` lines: whether every page became editable, the median and
slowest time to editable, the server's kernels started meanwhile (its ``ipykernel``
children, sampled every 0.2 s: a group page needs none), and the server's memory growth
(``VmRSS``) per connected device, read before the burst and once every page is editable
and holds its stream open (the devices' typed characters saved by then). Goals beside.
For reference, one device opened alone just before (``burst_single_editable``, median of
three; its typed characters saved too).

Then the same burst without a browser, so that the server's share is seen apart from the
browser's (twenty phones have twenty CPUs; here twenty pages share one core): twenty client
threads of this process, each asking what a device asks (the page, then its style sheet and
modules six at a time, then its live stream, until the stream's first line), timed from
the first request (``burst_server_side_*``).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import gzip
import http.client
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from benchmarks.common import (
    ARGS,
    CHROMIUM,
    PHONE,
    RECORDER,
    STREAM_OPEN,
    Opened,
    ccm_serve,
    children,
    cpu_seconds,
    kernels_of,
    percentile,
    rss_mb,
    time_to_input,
    wait_quiet,
    warm_group_pages,
)

DEVICES_PER_GROUP = 5
SERVER_CPU, CLIENT_CPU = 0, 1
#: The files a group page loads (its style sheet and modules).
STATIC_FILES = ("pages.css", "groupe.js", "api.js", "live.js", "drafts.js", "banner.js",
                "messages.js")  # fmt: skip
#: Seconds a device may take before it counts as never editable.
DEVICE_TIMEOUT = 90.0
#: The goals.
GOAL_MEDIAN = 3.0
GOAL_KERNELS = 0
GOAL_RSS_PER_DEVICE = 2.0


class KernelWatch:
    """Every kernel the server runs, sampled every 0.2 s in a thread."""

    def __init__(self, server: int) -> None:
        self.server = server
        self.before = set(kernels_of(server))
        self.seen = set(self.before)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self.seen.update(kernels_of(self.server))

    def __enter__(self) -> KernelWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seen.update(kernels_of(self.server))

    @property
    def started(self) -> int:
        return len(self.seen - self.before)


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        for child in children(queue.pop()):
            found.append(child)
            queue.append(child)
    return found


def allowed_cpus(pid: int) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Cpus_allowed_list:"):
            return line.split()[1]
    return "?"


def browser_cpu_seconds() -> float:
    """CPU time used so far by this process's descendants (Playwright's driver, Chromium)."""
    total = 0.0
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


def browser_cpus() -> set[str]:
    """The cores Chromium's processes (children of this one) may run on."""
    allowed = set()
    for pid in descendants(os.getpid()):
        try:
            if b"chrom" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            allowed.add(allowed_cpus(pid))
        except OSError:
            continue
    return allowed


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[http.client.HTTPResponse, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEVICE_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip", **headers})
        answer = connection.getresponse()
        return answer, answer.read()
    finally:
        connection.close()


def protocol_device(port: int, path: str) -> float:
    """What one device asks of the server to become editable and live, without a browser:
    the page, its files (in parallel, as a browser fetches them), then its live stream
    open (its first line read). Seconds it took."""
    start = time.perf_counter()
    answer, body = fetch(port, path, {})
    if answer.status != 200:
        raise RuntimeError(f"{path}: {answer.status}")
    if answer.getheader("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    page = body.decode("utf-8", "replace")
    cookie = "; ".join(
        value.split(";", 1)[0] for name, value in answer.getheaders() if name == "Set-Cookie"
    )
    folder = re.search(r"/ccm/static/[0-9a-f]+/", page)
    assert folder, "no static folder in the page"
    files = [folder.group(0) + name for name in STATIC_FILES]
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        for got, _ in pool.map(lambda f: fetch(port, f, {}), files):
            if got.status != 200:
                raise RuntimeError(f"{got.status} for a static file")
    found = re.search(r'id="ccm-donnees">(.*?)</script>', page, re.S)
    assert found, "no data in the page"
    config = json.loads(found.group(1))
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=DEVICE_TIMEOUT)
    try:
        connection.request(
            "GET",
            f"{config['api']}/evenements?depuis={config['version']}",
            headers={"Cookie": cookie},
        )
        stream = connection.getresponse()
        if stream.status != 200:
            raise RuntimeError(f"stream: {stream.status}")
        stream.readline()  # "retry: …": the stream is open (an EventSource's OPEN)
    finally:
        connection.close()
    return time.perf_counter() - start


def protocol_burst(base: str, links: list[str], spread: float) -> list[float]:
    """Each link from its own client thread, started within ``spread`` seconds."""
    port = int(urllib.parse.urlsplit(base).port or 80)
    paths = [link[len(base) :] for link in links]
    times: list[float] = [float("nan")] * len(paths)

    def one(n: int) -> None:
        time.sleep(n * spread / len(paths))
        try:
            times[n] = protocol_device(port, paths[n])
        except Exception as error:  # counted as not served
            print(f"# protocol device {n}: {error!r}"[:300], file=sys.stderr)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(paths))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


async def burst(
    urls: list[tuple[str, int]], server: int, spread: float, poll: float
) -> dict[str, Any]:
    """Each ``(link, field index)`` from its own phone context, opened within ``spread``
    seconds; the figures once every page is editable and holds its stream."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            single = []  # one device alone, for reference: the same page without the crowd
            for _ in range(3):
                context = await browser.new_context(**PHONE)
                await context.add_init_script(RECORDER)
                page = await context.new_page()
                await page.goto("about:blank")
                await asyncio.sleep(0.5)
                url, index = urls[-1]
                single.append((await time_to_input(page, url, "ccm", index=index)).taken)
                await context.close()
            pages = []
            for _ in urls:
                context = await browser.new_context(**PHONE)
                await context.add_init_script(RECORDER)
                page = await context.new_page()
                await page.goto("about:blank")
                pages.append(page)
            cpus = browser_cpus()
            await asyncio.sleep(1)
            rss_before = rss_mb(server)

            async def one(n: int, page: Any, url: str, index: int) -> Opened | None:
                await asyncio.sleep(n * spread / len(urls))
                try:
                    opened = await time_to_input(page, url, "ccm", index=index,
                                                 timeout=DEVICE_TIMEOUT, pause=poll)  # fmt: skip
                except Exception as error:  # counted as not editable
                    print(f"# device {n}: {error!r}"[:300], file=sys.stderr)
                    return None
                return opened

            browser_cpu = browser_cpu_seconds()
            opened_at = time.monotonic()
            with KernelWatch(server) as kernels:
                times = await asyncio.gather(
                    *(
                        one(n, p, u, i)
                        for n, (p, (u, i)) in enumerate(zip(pages, urls, strict=True))
                    )
                )
                browser_cpu = browser_cpu_seconds() - browser_cpu
                wall = time.monotonic() - opened_at
                streams = 0
                for page in pages:
                    try:
                        await page.wait_for_function(STREAM_OPEN, timeout=15_000)
                        streams += 1
                    except Exception:
                        pass
                await asyncio.sleep(3)  # the typed characters saved (a second after the key)
                rss_after = rss_mb(server)
                saves = sum([len(await p.evaluate("() => window.__ccmPuts")) for p in pages])
            for page in pages:
                await page.context.close()
            await asyncio.sleep(2)
            rss_closed = rss_mb(server)
        finally:
            await browser.close()
    return {
        "times": times, "streams": streams, "rss_before": rss_before, "rss_after": rss_after,
        "rss_closed": rss_closed, "kernels_started": kernels.started,
        "kernels_before": len(kernels.before), "saves": saves, "cpus": cpus,
        "single": statistics.median(single), "browser_cpu": browser_cpu, "wall": wall,
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--devices", type=int, default=DEVICES_PER_GROUP, help="per group")
    parser.add_argument("--spread", type=float, default=1.0, help="seconds the opens span")
    parser.add_argument(
        "--poll", type=float, default=0.1, help="seconds between two key presses in a page"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin to separate cores")
    args = parser.parse_args(argv)
    pin = not args.no_pin and {SERVER_CPU, CLIENT_CPU} <= os.sched_getaffinity(0)
    load = os.getloadavg()
    folder = Path(tempfile.mkdtemp(prefix="ccm-burst-"))
    mine = os.sched_getaffinity(0)
    try:
        with ccm_serve(folder, cpu=SERVER_CPU if pin else None) as ccm:
            links = list(ccm.group_links().values())
            warm_group_pages(ccm)
            wait_quiet(ccm.pid)
            if pin:  # this process, Playwright's driver and Chromium: the other core
                os.sched_setaffinity(0, {CLIENT_CPU})
            urls = [(url, d) for d in range(args.devices) for url in links]
            found = asyncio.run(burst(urls, ccm.pid, args.spread, args.poll))
            found["server_cpus"] = allowed_cpus(ccm.pid)
            wait_quiet(ccm.pid)
            served = protocol_burst(ccm.base, [url for url, _ in urls], args.spread)
    finally:
        os.sched_setaffinity(0, mine)

    times = found["times"]
    ready = [t.taken for t in times if t is not None]
    devices = len(times)
    all_ready = len(ready) == devices and found["streams"] == devices
    per_device = (found["rss_after"] - found["rss_before"]) / devices
    median = statistics.median(ready) if ready else float("nan")
    print(f"burst_devices {devices} count ({len(links)} groups × {args.devices},"
          f" within {args.spread:g} s)")  # fmt: skip
    print(f"burst_editable {len(ready)} count (of {devices})")
    print(f"burst_streams_open {found['streams']} count (of {devices})")
    print(f"burst_all_editable {'yes' if all_ready else 'no'} - (goal yes)")
    print(f"burst_editable_median {median:.2f} s (goal ≤ {GOAL_MEDIAN:g} s:"
          f" {'met' if median <= GOAL_MEDIAN else 'MISSED'})")  # fmt: skip
    if ready:
        print(f"burst_editable_p95 {percentile(ready, 0.95):.2f} s")
        print(f"burst_editable_max {max(ready):.2f} s")
        print(f"burst_editable_min {min(ready):.2f} s")
        print(f"burst_single_editable {found['single']:.2f} s (one device alone, before the"
              " burst: median of 3)")  # fmt: skip
        opened = [t for t in times if t is not None]
        html = statistics.median(t.html for t in opened)
        script = statistics.median(t.script for t in opened)
        print(f"burst_html_median {html:.2f} s (each page's HTML received)")
        print(f"burst_script_ran_median {script:.2f} s (groupe.js and its imports evaluated)")
        print(
            f"burst_key_presses_median {statistics.median(t.attempts for t in opened):.0f}"
            " count (per device, until one was taken)"
        )
    done = [t for t in served if t == t]
    if done:
        print(
            f"burst_server_side_median {statistics.median(done):.3f} s (the same burst without"
            " a browser: page, files, stream open)"
        )
        print(f"burst_server_side_max {max(done):.3f} s ({len(done)} of {len(served)} served)")
    kernels = found["kernels_started"]
    print(f"burst_kernels_started {kernels} count (goal {GOAL_KERNELS}:"
          f" {'met' if kernels <= GOAL_KERNELS else 'MISSED'};"
          f" {found['kernels_before']} before)")  # fmt: skip
    print(f"burst_server_rss_before {found['rss_before']:.1f} MB")
    print(
        f"burst_server_rss_connected {found['rss_after']:.1f} MB (every device editable,"
        " its stream open)"
    )
    print(f"burst_server_rss_per_device {per_device:.2f} MB (goal ≤ {GOAL_RSS_PER_DEVICE:g} MB:"
          f" {'met' if per_device <= GOAL_RSS_PER_DEVICE else 'MISSED'})")  # fmt: skip
    print(f"burst_server_rss_after_close {found['rss_closed']:.1f} MB (every context closed)")
    print(f"burst_saves {found['saves']} count (the devices' typed characters)")
    print(f"burst_pinned {int(pin)} bool (server on cores {found['server_cpus']}, browser on cores"
          f" {','.join(sorted(found['cpus'])) or '?'})")  # fmt: skip
    print(f"burst_browser_cpu {found['browser_cpu']:.1f} s (Chromium and Playwright's driver,"
          f" from the first open to the last page editable: {found['wall']:.1f} s)")  # fmt: skip
    print(f"burst_load_before {load[0]:.2f} load (1 min average; {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
