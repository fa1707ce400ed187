"""Frictions a facilitator met running a whole meeting, in a real browser: a second group
typed after adding one is a second group; closing the breakout asks first, and a closing in a
minute counts down on the groups' pages, then the store refuses their writes; an export says
where its file is; the terminal shows no English warning nobody can act on; every form
control of every facilitator page has a name a screen reader can say."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server
from tests.browser.helpers import LAPTOP, open_group, open_page

pytestmark = pytest.mark.browser

#: The facilitator's pages, each with what shows it is drawn.
PAGES = {
    "animateur": ".ccm-guide",
    "preparation": ".ccm-preparation",
    "presence": ".ccm-attendance",
    "revue": ".ccm-review",
    "debats": ".jupyter-widgets textarea",
    "pleniere": ".ccm-board table",
}
#: The roles of form controls: each needs a name.
CONTROLS = {
    "textbox", "searchbox", "combobox", "listbox", "button", "checkbox", "radio",
    "spinbutton", "slider", "switch",
}  # fmt: skip
#: A control's HTML, to say which one has no name.
OUTER_HTML = "function () { return this.outerHTML.slice(0, 160); }"
#: What ``ccm serve`` used to print that a facilitator cannot act on.
NOISE = ("is not trusted", "Kernel is running over TCP without encryption")


def facilitator_url(server: Server, notebook: str) -> str:
    key = server.links["animateur"].split("cle=")[1]
    return f"{server.base}/voila/render/{notebook}.ipynb?cle={key}"


def unnamed_controls(page: Any) -> list[str]:
    """The visible form controls that have no accessible name, as Chromium computes it (the
    accessibility tree: what a screen reader is given)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
        found = []
        for node in nodes:
            role = node.get("role", {}).get("value")
            name = str((node.get("name") or {}).get("value", "")).strip()
            if node.get("ignored") or role not in CONTROLS or name:
                continue
            described = ""
            if "backendDOMNodeId" in node:
                element = cdp.send("DOM.resolveNode", {"backendNodeId": node["backendDOMNodeId"]})
                described = cdp.send(
                    "Runtime.callFunctionOn",
                    {
                        "objectId": element["object"]["objectId"],
                        "functionDeclaration": OUTER_HTML,
                        "returnByValue": True,
                    },
                )["result"].get("value", "")
            found.append(f"{role}: {described}")
        return found
    finally:
        cdp.detach()


def in_seconds(seconds: float) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds")


# -- 1. Préparation: adding a group, then another ---------------------------------------------


def test_a_second_name_typed_after_adding_a_group_adds_a_second_group(
    browser: Any, server: Server, artifacts: Path
) -> None:
    with server.store() as store:
        before = [g.name for g in store.groups.all()]
    page = open_page(browser, facilitator_url(server, "preparation"), ".ccm-preparation")
    groups = page.locator(".widget-vbox").filter(
        has=page.get_by_text("Groupes thématiques", exact=True)
    ).last  # fmt: skip
    name = groups.locator("input[type=text]").first
    name.fill("Santé des migrants")
    groups.get_by_role("button", name="Ajouter comme nouveau groupe").click()
    groups.locator(".ccm-status", has_text="ajouté").wait_for(timeout=10_000)
    name.fill("Éducation")  # the next group, typed where the first one was
    groups.locator("button.mod-primary:visible").click()  # the blue button
    groups.locator(".ccm-status", has_text="« Éducation » ajouté").wait_for(timeout=10_000)
    groups.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "preparation-deux-groupes.png"), full_page=True)
    with server.store() as store:
        assert [g.name for g in store.groups.all()] == [*before, "Santé des migrants", "Éducation"]
    page.context.close()


# -- 2. Closing the breakout ----------------------------------------------------------------


def test_closing_asks_first_then_counts_down_on_the_groups_pages(
    browser: Any, server: Server, artifacts: Path
) -> None:
    group = open_group(browser, server.links["Protection"], LAPTOP)
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table")
    close = plenary.get_by_role("button", name="Clore les travaux de groupes")
    close.click()
    question = plenary.locator(".ccm-closing-confirm")
    question.get_by_role("button", name="Annuler").wait_for(timeout=10_000)
    assert "dans la dernière minute" in question.inner_text()
    plenary.screenshot(path=str(artifacts / "cloture-confirmation.png"), full_page=True)
    question.get_by_role("button", name="Annuler").click()
    question.wait_for(state="hidden", timeout=10_000)
    with server.store() as store:
        assert store.session.breakout()[0]
        assert store.session.breakout_closing() == ""
    assert not group.locator("#lignes textarea").first.evaluate("a => a.readOnly")

    close.click()
    question.get_by_role("button", name="Clore dans une minute").click()
    chrono = group.locator("#chrono")
    chrono.filter(has_text=re.compile(r"Clôture dans 0 min [45]\d s")).wait_for(timeout=10_000)
    group.screenshot(path=str(artifacts / "groupe-cloture-annoncee.png"), full_page=True)
    assert not group.locator("#lignes textarea").first.evaluate("a => a.readOnly")

    with server.store() as store:  # the minute shortened to seconds, through the store
        store.session.close_breakout_at(in_seconds(4), actor="test")
        row = store.grid.rows("protection")[0]
    chrono.filter(has_text=re.compile(r"Clôture dans 0 min 0[0-4] s")).wait_for(timeout=10_000)
    group.locator("#lecture-seule").wait_for(state="visible", timeout=10_000)
    assert group.locator("#lignes textarea").first.evaluate("a => a.readOnly")
    assert chrono.inner_text() == "Travaux de groupes clos"
    with server.store() as store:
        assert not store.session.breakout()[0]
    refused = group.evaluate(
        """async ([id, seen]) => {
            const config = JSON.parse(document.getElementById("ccm-donnees").textContent);
            const answer = await fetch(`${config.api}/lignes/${id}/challenges`, {
              method: "PUT", credentials: "same-origin",
              headers: {"X-Ccm-Jeton": config.token, "Content-Type": "application/json"},
              body: JSON.stringify({text: "Trop tard", seen}),
            });
            return [answer.status, (await answer.json()).message];
        }""",
        [row.id, row.challenges],
    )  # the page's own request, past its read-only fields: the store says no
    assert refused[0] == 403, refused
    assert "clos" in refused[1]
    with server.store() as store:
        assert store.grid.row(row.id).challenges == row.challenges
    group.screenshot(path=str(artifacts / "groupe-cloture-passee.png"), full_page=True)

    plenary.get_by_role("button", name="Rouvrir").click()  # the module's other tests write
    group.locator("#lecture-seule").wait_for(state="hidden", timeout=10_000)
    for tab in (group, plenary):
        tab.context.close()


# -- 4. The export says where its file is ---------------------------------------------------


def test_the_export_says_the_full_path_of_its_file_and_downloads_it(
    browser: Any, server: Server
) -> None:
    plenary = open_page(browser, server.links["pleniere"], ".ccm-board table")
    plenary.locator("select", has_text="Word (DOCX)").select_option(label="CSV")
    with plenary.expect_download(timeout=30_000) as started:
        plenary.get_by_role("button", name="Exporter").click()
    name = started.value.suggested_filename
    written = (server.log_path.parent / "exports" / name).resolve()
    assert written.is_file()
    plenary.get_by_text(str(written)).first.wait_for(timeout=10_000)
    assert plenary.locator("a.ccm-download", has_text=name).count() == 1
    plenary.context.close()


# -- 5 and 6. The terminal, and every control's name ------------------------------------------


def test_the_terminal_shows_no_warning_a_facilitator_cannot_act_on(
    browser: Any, server: Server
) -> None:
    page = open_page(browser, facilitator_url(server, "animateur"), PAGES["animateur"])
    page.wait_for_timeout(500)
    log = server.log_path.read_text(errors="replace")
    assert "Kernel started" in log  # the page's kernel did start, and said nothing else
    assert [line for line in log.splitlines() if any(n in line for n in NOISE)] == []
    page.context.close()


def test_every_form_control_of_every_facilitator_page_has_a_name(
    browser: Any, server: Server, artifacts: Path
) -> None:
    page = open_page(browser, facilitator_url(server, "animateur"), PAGES["animateur"])
    missing: dict[str, list[str]] = {}
    for notebook, ready in PAGES.items():
        if notebook != "animateur":
            page.goto(facilitator_url(server, notebook))
            page.wait_for_selector(ready, timeout=60_000)
        page.wait_for_timeout(500)
        missing[notebook] = unnamed_controls(page)
        tabs = page.locator(".lm-TabBar-tab")
        for n in range(1, tabs.count()):
            title = tabs.nth(n).inner_text()
            tabs.nth(n).click()
            page.wait_for_timeout(400)
            missing[f"{notebook} / {title}"] = unnamed_controls(page)
    page.screenshot(path=str(artifacts / "pleniere-noms-accessibles.png"), full_page=True)
    assert {where: found for where, found in missing.items() if found} == {}
    assert len(missing) >= 8  # six pages, and the plenary's tabs
    page.context.close()


def test_the_field_being_typed_in_keeps_the_focus_after_a_lost_connection(
    browser: Any, server: Server
) -> None:
    page = open_page(browser, facilitator_url(server, "preparation"), PAGES["preparation"])
    title = page.get_by_role("textbox", name="Titre", exact=True)
    title.click()
    page.keyboard.press("End")
    page.context.set_offline(True)  # the Wi-Fi drops: the page says so, and takes no input
    page.locator(".ccm-cutoff").wait_for(timeout=10_000)
    page.context.set_offline(False)
    page.locator(".ccm-cutoff").wait_for(state="detached", timeout=10_000)
    assert title.evaluate("field => field === document.activeElement")
    page.keyboard.type(" (suite)")  # typing goes on where it was
    assert title.input_value().endswith(" (suite)")
    page.context.close()
