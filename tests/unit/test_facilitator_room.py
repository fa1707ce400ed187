"""The facilitator's room without a browser: links that say when no phone can open them, the
address ``ccm links`` prints while a server runs, the QR sheet for the tables (one group a
page, no facilitator key), a home page that follows the store."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from ccm_widgets.cli import links_base
from ccm_widgets.links import is_loopback
from ccm_widgets.report.qr_sheet import qr_sheet_html
from ccm_widgets.store import Store
from ccm_widgets.widgets.facilitator.home import HomePage


@pytest.mark.parametrize(
    ("url", "loopback"),
    [("http://127.0.0.1:8866", True), ("http://localhost:8866", True), ("http://[::1]:1", True),
     ("http://192.168.1.10:8866", False), ("https://hub.exemple/user/anna", False)],
)  # fmt: skip
def test_links_no_phone_can_open_are_told_apart(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def local(path: str, **query: str) -> str:
    from ccm_widgets.links import light_url

    return light_url("", path, **query)


def home(store: Store, public: str = "http://127.0.0.1:8866") -> HomePage:
    return HomePage(
        store=store, public=public, local=local, guide_links={}, exports_made=lambda: False,
        watch=False,
    )  # fmt: skip


def test_the_home_page_says_in_red_when_no_phone_can_open_its_links(demo_store: Store) -> None:
    page = home(demo_store)
    assert "ccm-loopback" in page.links.value
    assert "make serve IP=0.0.0.0" in page.links.value
    assert "ccm-loopback" not in home(demo_store, "http://192.168.1.10:8866").links.value


def test_the_home_page_follows_the_store(demo_store: Store) -> None:
    page = home(demo_store, "http://192.168.1.10:8866")
    assert "Santé" not in page.links.value
    with Store(demo_store.location) as other:  # another tab: Préparation
        other.groups.add("Santé", actor="animateur")
    page.watcher.check()
    assert "Groupe 5 : Santé" in page.links.value
    assert demo_store.groups.key("sante") in page.links.value


def test_the_home_page_links_carry_no_facilitator_key(demo_store: Store) -> None:
    shown = home(demo_store, "http://192.168.1.10:8866").links.value
    assert demo_store.groups.facilitator_key() not in shown
    assert demo_store.groups.key("protection") in shown  # the groups' own, to hand out


def test_the_qr_sheet_has_a_page_per_group_and_no_facilitator_key(demo_store: Store) -> None:
    sheet = qr_sheet_html(demo_store, "http://192.168.1.10:8866")
    groups = demo_store.groups.all()
    assert sheet.count("<section>") == len(groups)
    for group in groups:
        assert f"Groupe {group.number} : {group.name}" in sheet
        assert f"http://192.168.1.10:8866/ccm/groupe?cle={demo_store.groups.key(group.slug)}" in (
            sheet
        )
    assert demo_store.groups.facilitator_key() not in sheet
    assert sheet.count("<svg") == len(groups)


def test_the_qr_sheet_prints_one_a4_page_per_group(demo_store: Store, tmp_path: Path) -> None:
    from ccm_widgets.report.qr_sheet import qr_sheet_pdf

    pdf = tmp_path / "qr.pdf"
    pdf.write_bytes(qr_sheet_pdf(demo_store, "http://192.168.1.10:8866"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert f"Pages:           {len(demo_store.groups.all())}" in info.stdout
    assert "(A4)" in info.stdout


def test_ccm_links_prints_the_address_of_the_server_running_on_the_store(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = argparse.Namespace(public_url="", host=None, port=None)
    assert links_base(demo_store, given) == "http://127.0.0.1:8866"
    demo_store.session.set_served_url("http://192.168.1.10:9000")
    monkeypatch.setattr("ccm_widgets.links.served_address", lambda url, timeout=1.0: True)
    assert links_base(demo_store, given) == "http://192.168.1.10:9000"
    # A server that stopped without saying so: its address answers nothing.
    monkeypatch.setattr("ccm_widgets.links.served_address", lambda url, timeout=1.0: False)
    assert links_base(demo_store, given) == "http://127.0.0.1:8866"
    explicit = argparse.Namespace(public_url="", host="10.0.0.2", port=9001)
    assert links_base(demo_store, explicit) == "http://10.0.0.2:9001"
