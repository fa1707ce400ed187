"""The room warmed before the groups come: a group's link opened once the breakout has
started gets the kernel prepared for that group, its grid already built; a wrong key still
gets nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm_widgets.domain.model import FACILITATOR_ACTOR
from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import GRID, open_page, type_in_cell, wait_cell_saved

pytestmark = pytest.mark.browser

GROUPS = 4  # the demo meeting's


@pytest.fixture(scope="module")
def warm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``ccm serve`` with the demo meeting, the breakout started as the plenary starts it,
    left until the server says its room is ready."""
    folder = tmp_path_factory.mktemp("salle")
    started = start_server(folder, folder / "ccm.sqlite")
    try:
        with started.store() as store:
            end = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=45)
            store.session.set_breakout(
                open=True, end=end.isoformat(timespec="seconds"), actor=str(FACILITATOR_ACTOR)
            )
        started.wait_logged(f"salle prête : {GROUPS} groupe")
        yield started
    finally:
        stop_server(started.process)


def test_the_room_holds_a_kernel_for_each_group_and_a_spare(warm_server: Server) -> None:
    log = warm_server.log_path.read_text()
    assert len(warm_server.kernels()) == GROUPS + 1
    prepared = set(re.findall(r"prêt pour le groupe ([\w-]+)", log))
    with warm_server.store() as store:
        assert prepared == {g.slug for g in store.groups.all()}


def test_a_group_opens_the_kernel_prepared_for_it(
    browser: Any, warm_server: Server, artifacts: Path
) -> None:
    before = set(warm_server.kernels())
    started: set[int] = set()
    loading = threading.Event()
    loading.set()

    def watch() -> None:  # any kernel process that appears while the page loads
        while loading.is_set():
            started.update(set(warm_server.kernels()) - before)
            time.sleep(0.1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        opened = time.monotonic()
        page = open_page(browser, warm_server.links["Protection"], GRID)
        page.locator(GRID).first.wait_for(state="visible")
        shown_after = time.monotonic() - opened
    finally:
        loading.clear()
        watcher.join()
    assert not started, "un noyau a démarré pour la page du groupe"
    config = json.loads(page.locator("#jupyter-config-data").text_content() or "{}")
    kernel = config["kernelId"]
    log = warm_server.log_path.read_text()
    assert f"noyau {kernel} prêt pour le groupe protection" in log
    assert f"groupe protection : noyau {kernel}, sa grille prête" in log
    assert "Protection" in page.locator(".ccm-page h2").first.inner_text()
    page.screenshot(path=str(artifacts / "salle-preparee-protection.png"))
    # How long it took is a benchmark's figure (benchmarks.burst), not this test's rule: it
    # took 47 s twice (on CI, and here on a first run after a long idle; 1.5-5 s in the
    # dozen runs since, the cause not found). It is kept beside the screenshot.
    (artifacts / "salle-preparee-protection.txt").write_text(
        f"grille affichée en {shown_after:.1f} s\n"
    )
    # Its key checked by the kernel, the prepared grid saves what the group types.
    type_in_cell(page, 0, 1, "Préparé avant la demande")
    wait_cell_saved(page, 0, "Défis")
    with warm_server.store() as store:
        assert store.grid.rows("protection")[0].challenges == "Préparé avant la demande"
    page.context.close()


def test_a_wrong_key_still_gets_nothing(warm_server: Server) -> None:
    before = set(warm_server.kernels())
    good = warm_server.links["Gouvernance et coordination"]
    link = re.sub(r"cle=[^&]+", "cle=pas-la-bonne", good)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(link, timeout=30)
    assert refused.value.code == 403
    assert b"kernelId" not in refused.value.read()
    time.sleep(1)
    assert set(warm_server.kernels()) == before
    assert "groupe gouvernance-et-coordination : noyau" not in warm_server.log_path.read_text()
