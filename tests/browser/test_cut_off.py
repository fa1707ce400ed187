"""A tab never fails silently: a dead kernel or a lost connection is said within seconds, the
page stops taking input, and what was typed comes back after a reload."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server, stop_server
from tests.browser.helpers import GRID, open_page, type_in_cell, wait_cell_saved

pytestmark = pytest.mark.browser

BANNER = ".ccm-cutoff"


def page_kernel_pid(server: Server, page: Any) -> int:
    """The process of the kernel this page was handed (its id is in the page)."""
    kernel_id = page.evaluate(
        "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    for pid in server.kernels():
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if kernel_id.encode() in cmdline:
            return pid
    raise AssertionError(f"noyau {kernel_id} introuvable")


def banner_within(page: Any, seconds: float, text: str) -> float:
    """Seconds until the banner shows ``text``; fails past ``seconds``."""
    started = time.monotonic()
    page.locator(BANNER, has_text=text).wait_for(timeout=seconds * 1000)
    return time.monotonic() - started


def test_a_page_whose_kernel_died_says_so_within_three_seconds(
    browser: Any, server: Server, artifacts: Path
) -> None:
    page = open_page(browser, server.links["Protection"], GRID)
    os.kill(page_kernel_pid(server, page), signal.SIGKILL)
    banner_within(page, 3, "perdu son lien")
    assert page.evaluate("!!document.getElementById('rendered_cells').closest('[inert]')")
    page.screenshot(path=str(artifacts / "coupure-noyau.png"))
    page.get_by_role("button", name="Recharger la page").click()
    page.wait_for_selector(GRID, timeout=60_000)  # a new kernel, the grid again
    assert page.locator(BANNER).count() == 0
    page.context.close()


@pytest.fixture(scope="module")
def patient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that keeps a silent tab's kernel two minutes, as a room's does."""
    folder = tmp_path_factory.mktemp("patient")
    started = start_server(folder, folder / "ccm.sqlite", {"CCM_KERNEL_GRACE": "120"})
    try:
        yield started
    finally:
        stop_server(started.process)


@dataclass
class CutPage:
    """A group page cut from the network, and when (``time.monotonic()``)."""

    page: Any
    since: float


#: How long the page stays cut off before the network comes back.
CUT_FOR = 60.0


@pytest.fixture(scope="module")
def cut_page(browser: Any, patient_server: Server) -> Iterator[CutPage]:
    """A group page whose network is cut when first asked for, and stays cut until a test
    restores it: its minute offline passes while the module's other tests run."""
    page = open_page(browser, patient_server.links["Protection"], GRID)
    page.context.set_offline(True)
    try:
        yield CutPage(page, time.monotonic())
    finally:
        page.context.close()


def test_a_page_cut_from_the_network_says_so(cut_page: CutPage, artifacts: Path) -> None:
    page = cut_page.page
    banner_within(page, 3, "Connexion perdue")
    assert page.evaluate("!!document.getElementById('rendered_cells').closest('[inert]')")
    page.screenshot(path=str(artifacts / "coupure-reseau.png"))


def test_a_page_cut_off_while_it_loads_takes_input_once_its_server_answers(
    browser: Any, server: Server, artifacts: Path
) -> None:
    """A server too busy to answer while the page loads (the groups' burst): the page says
    so, then, answered again, takes input. Voilà moves the page's cells out of the body as
    it loads, where the banner's end did not look: the grid stayed inert, with no banner."""
    context = browser.new_context(viewport={"width": 1300, "height": 950})
    hung: list[Any] = []
    context.route("**/voila/ccm/etat/**", lambda route: hung.append(route))
    page = context.new_page()
    page.goto(server.links["Économie alternative"])
    page.wait_for_selector(GRID, timeout=60_000)
    page.locator(BANNER, has_text="Connexion perdue").wait_for(timeout=10_000)
    context.unroute("**/voila/ccm/etat/**")
    for route in hung:
        with contextlib.suppress(Exception):
            route.abort()
    page.locator(BANNER).wait_for(state="detached", timeout=10_000)
    assert page.evaluate("document.querySelectorAll('[inert]').length") == 0
    type_in_cell(page, 0, 1, "Saisi après la coupure du chargement")
    wait_cell_saved(page, 0, "Défis")
    page.screenshot(path=str(artifacts / "coupure-au-chargement.png"))
    with server.store() as store:
        assert store.grid.rows("economie-alternative")[0].challenges == (
            "Saisi après la coupure du chargement"
        )
    context.close()


def test_the_state_of_a_kernel_is_told_to_its_own_browser_only(server: Server) -> None:
    import http.client
    import re
    from urllib.parse import urlsplit

    link = urlsplit(server.links["Migration irrégulière"])
    where = urlsplit(server.base)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    connection.request("GET", f"{link.path}?{link.query}")
    answer = connection.getresponse()
    body = answer.read()
    kernel_id = re.search(rb'"kernelId": "([0-9a-f-]{36})"', body).group(1).decode()
    cookie = next(
        c.split(";")[0] for c in answer.msg.get_all("Set-Cookie") if c.startswith("ccm_onglet=")
    )
    answers = []
    for headers in ({"Cookie": cookie}, {}):
        connection.request("GET", f"/voila/ccm/etat/{kernel_id}", headers=headers)
        answer = connection.getresponse()
        answers.append((answer.status, answer.read()))
    connection.close()
    assert answers[0] == (200, b'{"noyau": "vivant"}')
    assert answers[1][0] == 403


@pytest.mark.parametrize("where", ["row editor", "grid"])
def test_text_typed_when_the_kernel_died_is_offered_back_after_a_reload_and_saved(
    browser: Any, server: Server, artifacts: Path, where: str
) -> None:
    from tests.browser.helpers import open_cell_editor, row_editor_text

    page = open_page(browser, server.links["Économie alternative"], GRID)
    pid = page_kernel_pid(server, page)
    if where == "row editor":
        row_editor_text(page, 0, 1)  # row 1 selected: its texts in the row editor
        # Saved a second after the last key: the kernel stops answering before that, then
        # goes (on a loaded machine, the kill could come after the save).
        os.kill(pid, signal.SIGSTOP)
        try:
            area = page.locator(".ccm-row-editor textarea").nth(1)
            area.click()
            area.press("End")
            area.type(" — complété pendant la coupure", delay=5)
            typed, offered, row, field = area.input_value(), "Ligne 1, Défis", 0, "challenges"
            page.wait_for_function(
                "t => Object.values(localStorage).some(v => v.includes(t))",
                arg="complété pendant la coupure",
                timeout=10_000,
            )
        except BaseException:
            os.kill(pid, signal.SIGKILL)  # not left stopped
            raise
    else:
        editor = open_cell_editor(page, 1, 2)  # typing in a cell of the grid, not validated
        editor.fill(typed := "Perspective tapée dans la grille pendant la coupure")
        offered, row, field = "Ligne 2, Perspectives", 1, "perspectives"
        with server.store() as store:  # kept under its cell's name once the kernel named it
            row_id = store.grid.rows("economie-alternative")[row].id
        page.wait_for_function(
            "id => Object.keys(localStorage).some(k => k.endsWith(':' + id + ':perspectives'))",
            arg=row_id,
            timeout=10_000,
        )
    os.kill(pid, signal.SIGKILL)
    banner_within(page, 3, "perdu son lien")
    with server.store() as store:
        assert getattr(store.grid.rows("economie-alternative")[row], field) != typed
    page.reload()
    page.wait_for_selector(GRID, timeout=60_000)
    offers = page.locator(".ccm-drafts-box")
    offers.get_by_text("Textes non enregistrés retrouvés").wait_for(timeout=10_000)
    assert offered in offers.inner_text()
    page.screenshot(path=str(artifacts / f"brouillon-retrouve-{row + 1}.png"), full_page=True)
    offers.get_by_role("button", name="Tout enregistrer").click()
    page.locator(".ccm-status", has_text="Enregistré").first.wait_for(timeout=10_000)
    with server.store() as store:
        assert getattr(store.grid.rows("economie-alternative")[row], field) == typed
    page.reload()  # saved: nothing is offered again
    page.wait_for_selector(GRID, timeout=60_000)
    time.sleep(2)
    assert page.locator(".ccm-drafts-box", has_text="retrouvés").count() == 0
    page.context.close()


def test_a_text_typed_in_the_row_editor_goes_to_its_row_when_another_is_clicked(
    browser: Any, server: Server
) -> None:
    """Saved when the field lost focus, the text reached the kernel after the click that
    had selected another row, and was written into that row."""
    from tests.browser.helpers import cell_point, row_editor_text

    page = open_page(browser, server.links["Gouvernance et coordination"], GRID)
    with server.store() as store:
        before = [r.challenges for r in store.grid.rows("gouvernance-et-coordination")]
    row_editor_text(page, 0, 1)
    area = page.locator(".ccm-row-editor textarea").nth(1)
    area.fill("Défi de la ligne 1, corrigé")
    page.mouse.click(*cell_point(page, 1, 0))  # at once, another row
    page.locator(".ccm-status", has_text="(ligne 1, Défis)").wait_for(timeout=10_000)
    with server.store() as store:
        after = [r.challenges for r in store.grid.rows("gouvernance-et-coordination")]
    assert after[0] == "Défi de la ligne 1, corrigé"
    assert after[1:] == before[1:]
    page.context.close()


def test_a_phone_that_slept_comes_back_to_its_grid_with_its_unsaved_text(
    browser: Any, server: Server, artifacts: Path
) -> None:
    """A phone (360×740, touch) is typing when its tab's kernel goes (shut down by the server
    while the phone lost the Wi-Fi, or killed for memory), then sleeps. Woken, the page says
    so, and after a reload the text typed in that moment is offered back and saved. A phone
    shows its rows as cards: the text is typed in the first card's Perspectives."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(server.links["Migration irrégulière"])
    page.wait_for_selector(".ccm-card textarea", timeout=60_000)
    assert page.locator(GRID).is_hidden()  # the cards, not the grid
    # The kernel stops answering while the text is typed, then goes. (Killed first, the test
    # raced the page: under load the banner came before the typing, and the page was inert.)
    pid = page_kernel_pid(server, page)
    os.kill(pid, signal.SIGSTOP)
    typed = "Perspective tapée au moment où le noyau s'en allait"
    try:
        area = page.locator(".ccm-card").first.locator("textarea").nth(2)
        area.tap()
        area.fill(typed)  # sent to a kernel that will never read it
        page.wait_for_function(
            "t => Object.values(localStorage).some(v => v.includes(t))", arg=typed, timeout=10_000
        )
    finally:
        os.kill(pid, signal.SIGKILL)
    cdp = context.new_cdp_session(page)
    cdp.send("Page.setWebLifecycleState", {"state": "frozen"})  # the phone asleep
    context.set_offline(True)
    time.sleep(10)
    context.set_offline(False)
    cdp.send("Page.setWebLifecycleState", {"state": "active"})  # woken
    banner_within(page, 3, "perdu son lien")
    page.screenshot(path=str(artifacts / "telephone-reveille.png"))
    page.reload()
    page.wait_for_selector(".ccm-card textarea", timeout=60_000)
    offers = page.locator(".ccm-drafts-box")
    offers.get_by_text("Textes non enregistrés retrouvés").wait_for(timeout=10_000)
    offers.get_by_role("button", name="Tout enregistrer").tap()
    page.locator(".ccm-status", has_text="Enregistré").first.wait_for(timeout=10_000)
    with server.store() as store:
        assert store.grid.rows("migration-irreguliere")[0].perspectives == typed
    context.close()


def _drafts_in_browser(page: Any) -> dict[str, str]:
    return page.evaluate(
        "Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith('ccm:'))"
        ".map(k => [k, JSON.parse(localStorage.getItem(k)).text]))"
    )


def test_a_cell_double_clicked_at_a_human_pace_keeps_its_text_in_the_browser(
    browser: Any, server: Server
) -> None:
    """A person's double click is slower than the kernel: the first click named the cell
    before the second, which named nothing new, and the text typed in the cell editor
    waited for a name that never came (kept nowhere, lost with the kernel)."""
    from tests.browser.helpers import EDITOR_INPUT, cell_point

    page = open_page(browser, server.links["Économie alternative"], GRID)
    x, y = cell_point(page, 2, 2)
    page.mouse.click(x, y)
    page.wait_for_timeout(600)  # the click has been to the kernel and back
    page.mouse.click(x, y, click_count=2)
    editor = page.locator(EDITOR_INPUT)
    editor.wait_for(state="visible", timeout=10_000)
    editor.type("Tapé à la main", delay=20)
    with server.store() as store:
        row_id = store.grid.rows("economie-alternative")[2].id
    page.wait_for_function(
        "id => Object.keys(localStorage).some(k => k.endsWith(':' + id + ':perspectives'))",
        arg=row_id,
        timeout=10_000,
    )
    assert "Tapé à la main" in _drafts_in_browser(page).values()
    editor.press("Escape")
    page.context.close()


def test_text_typed_in_a_cell_the_kernel_never_named_is_offered_back_to_copy(
    browser: Any, server: Server, artifacts: Path
) -> None:
    """The kernel died before it answered the click: the page cannot tell which cell the text
    was typed in, keeps it anyway, and offers it back to be copied into its cell."""
    from tests.browser.helpers import open_cell_editor

    page = open_page(browser, server.links["Économie alternative"], GRID)
    pid = page_kernel_pid(server, page)
    os.kill(pid, signal.SIGSTOP)  # the click will not be answered
    try:
        editor = open_cell_editor(page, 2, 0)
        editor.fill(typed := "Recommandation tapée sans réponse du serveur")
        page.wait_for_function(
            "t => Object.keys(localStorage).some(k => /:u\\d+:cell$/.test(k) &&"
            " JSON.parse(localStorage.getItem(k)).text === t)",
            arg=typed,
            timeout=10_000,
        )
    finally:
        os.kill(pid, signal.SIGKILL)
    banner_within(page, 5, "perdu son lien")
    page.reload()
    page.wait_for_selector(GRID, timeout=60_000)
    offers = page.locator(".ccm-drafts-box")
    offers.get_by_text("avant que la page sache laquelle").wait_for(timeout=10_000)
    assert typed in offers.inner_text()
    assert offers.get_by_role("button", name="Tout enregistrer").count() == 0
    offers.screenshot(path=str(artifacts / "brouillon-sans-case.png"))
    offers.get_by_role("button", name="C'est recopié, oublier ce texte").click()
    page.wait_for_function(
        "() => !Object.keys(localStorage).some(k => /:u\\d+:cell$/.test(k))", timeout=10_000
    )
    with server.store() as store:
        assert typed not in {r.recommendation for r in store.grid.rows("economie-alternative")}
    page.context.close()


def test_a_text_typed_after_moving_with_the_keyboard_is_never_kept_for_the_cell_clicked(
    browser: Any, server: Server
) -> None:
    """The arrows (or Enter, or Tab) move the grid's cursor to another cell, where typing
    opens its editor, with no click: the grid's name was still the clicked cell's, and the
    other cell's text was kept for it (a reload offered to save it over the clicked cell)."""
    from tests.browser.helpers import EDITOR_INPUT, cell_point

    page = open_page(browser, server.links["Gouvernance et coordination"], GRID)
    with server.store() as store:
        first = store.grid.rows("gouvernance-et-coordination")[0].id
    x, y = cell_point(page, 0, 0)
    page.mouse.click(x, y)
    page.wait_for_timeout(600)  # named: row 1, Recommandation
    page.keyboard.press("ArrowDown")
    page.keyboard.type("Ligne suivante", delay=20)  # opens the editor of row 2
    editor = page.locator(EDITOR_INPUT)
    editor.wait_for(state="visible", timeout=10_000)
    page.wait_for_timeout(1_500)
    kept = _drafts_in_browser(page)
    assert "Ligne suivante" not in {
        text for name, text in kept.items() if name.endswith(f":{first}:recommendation")
    }
    assert "Ligne suivante" in kept.values()  # kept all the same, as a text to copy
    editor.press("Enter")  # saved in its own cell: the browser forgets it
    wait_cell_saved(page, 1, "Recommandation")
    page.wait_for_function(
        "() => !Object.values(localStorage).some(v => v.includes('Ligne suivante'))",
        timeout=10_000,
    )
    with server.store() as store:
        rows = store.grid.rows("gouvernance-et-coordination")
    assert rows[1].recommendation == "Ligne suivante"
    assert rows[0].recommendation != "Ligne suivante"
    page.context.close()


def test_a_cell_whose_old_draft_was_set_aside_keeps_the_next_text_typed_in_it(
    browser: Any, server: Server
) -> None:
    """The page script read the kernel's list of saved and set-aside texts again at every
    change of the page (a timer's tick): a draft set aside ("Ignorer") erased, at the next
    change, any text typed in that cell since, which a cut then lost."""
    from tests.browser.helpers import open_cell_editor

    page = open_page(browser, server.links["Migration irrégulière"], GRID)
    with server.store() as store:
        row = store.grid.rows("migration-irreguliere")[0]
    scope = page.evaluate(
        "/ccm-scope-([\\w-]+)/.exec(document.querySelector('.ccm-drafts').className)[1]"
    )
    page.evaluate(
        "([name, base]) => localStorage.setItem(name, JSON.stringify("
        "{text: 'Ancien brouillon', base: base, at: Date.now()}))",
        [f"ccm:{scope}:{row.id}:challenges", row.challenges],
    )
    page.reload()
    page.wait_for_selector(GRID, timeout=60_000)
    offers = page.locator(".ccm-drafts-box")
    offers.get_by_text("Ancien brouillon").wait_for(timeout=10_000)
    offers.get_by_role("button", name="Ignorer").click()
    page.wait_for_function("() => !Object.values(localStorage).some(v => v.includes('Ancien'))")
    editor = open_cell_editor(page, 0, 1)
    editor.fill("Nouveau défi, pas encore validé")
    page.wait_for_timeout(1_000)
    # The page changes, as it does each second while the breakout's timer runs.
    page.evaluate("document.body.append(document.createElement('span'))")
    page.wait_for_timeout(1_000)
    assert "Nouveau défi, pas encore validé" in _drafts_in_browser(page).values()
    editor.press("Escape")
    page.context.close()


def test_a_text_given_up_with_escape_is_not_offered_back(browser: Any, server: Server) -> None:
    """Escape puts the cell's text back: what was typed there is not kept to come back."""
    from tests.browser.helpers import open_cell_editor

    page = open_page(browser, server.links["Protection"], GRID)
    editor = open_cell_editor(page, 0, 2)
    editor.type("Finalement non", delay=20)
    page.wait_for_function(
        "() => Object.values(localStorage).some(v => v.includes('Finalement non'))",
        timeout=10_000,
    )
    editor.press("Escape")
    assert "Finalement non" not in _drafts_in_browser(page).values()
    page.reload()
    page.wait_for_selector(GRID, timeout=60_000)
    page.wait_for_timeout(2_000)
    assert page.locator(".ccm-drafts-box", has_text="retrouvés").count() == 0
    with server.store() as store:
        assert store.grid.rows("protection")[0].perspectives != "Finalement non"
    page.context.close()


def test_a_page_cut_from_the_network_for_a_minute_comes_back(cut_page: CutPage) -> None:
    """The page cut off by the first test, a minute later (the module's tests ran meanwhile:
    the page, offline, waits as a phone out of the Wi-Fi's reach would)."""
    page = cut_page.page
    page.locator(BANNER, has_text="Connexion perdue").wait_for(timeout=3_000)
    time.sleep(max(0.0, cut_page.since + CUT_FOR - time.monotonic()))
    page.context.set_offline(False)
    page.locator(BANNER).wait_for(state="detached", timeout=10_000)
    assert not page.evaluate("!!document.getElementById('rendered_cells').closest('[inert]')")
