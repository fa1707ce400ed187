"""The participants' pages without a server: what the service answers each key, the rules it
keeps in the store's transaction, the pages' words in either language, the write token, the
rate limit and the live counter's shared reads."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ccm_widgets.store import FACILITATOR, PROJECTION, Access, Store
from ccm_widgets.web.access import KeyBook, may_read_section, same_token, xsrf_token
from ccm_widgets.web.handlers import RateLimit
from ccm_widgets.web.live import ChangeHub
from ccm_widgets.web.pages import Templates
from ccm_widgets.web.service import GridService, Refused


@pytest.fixture
def service(demo_store: Store) -> Any:
    found = GridService(demo_store.location)
    yield found
    found.close()


def run(call: Any) -> Any:
    return asyncio.run(call)


def group(store: Store, slug: str = "protection") -> Access:
    return Access(slug, store.groups.key(slug))


def facilitator(store: Store) -> Access:
    return Access(FACILITATOR, store.groups.facilitator_key())


def test_a_groups_page_holds_its_rows_in_order_and_may_write(
    service: GridService, demo_store: Store
) -> None:
    page = run(service.page(group(demo_store), "protection"))
    assert page["title"] == "Groupe 4 : Protection"
    assert [r["recommendation"] for r in page["rows"]] == [
        r.recommendation for r in demo_store.grid.rows("protection")
    ]
    assert page["fields"] == ["recommendation", "challenges", "perspectives"]
    assert page["state"]["writable"]
    assert page["version"] == demo_store.session.change_counter()


def test_a_cell_saved_over_the_text_seen_an_echo_and_a_stale_base(
    service: GridService, demo_store: Store
) -> None:
    access = group(demo_store)
    row = demo_store.grid.rows("protection")[0]
    saved = run(service.edit(access, "protection", row.id, "challenges", "Nouveau", row.challenges))
    assert saved["row"]["challenges"] == "Nouveau"
    again = run(service.edit(access, "protection", row.id, "challenges", "Nouveau", "ancien"))
    assert again["row"]["version"] == saved["row"]["version"]  # the echo wrote nothing
    demo_store.grid.update_cell(row.id, "challenges", "Par l'animateur", seen="Nouveau",
                                actor="animateur")  # fmt: skip
    with pytest.raises(Refused) as refused:
        run(service.edit(access, "protection", row.id, "challenges", "Le mien", "Nouveau"))
    assert refused.value.status == 409
    body = refused.value.body()
    assert (body["mine"], body["theirs"], body["who"]) == (
        "Le mien", "Par l'animateur", "l'animateur"
    )  # fmt: skip
    assert demo_store.grid.row(row.id).challenges == "Par l'animateur"  # never overwritten


def test_a_group_reaches_its_own_rows_only(service: GridService, demo_store: Store) -> None:
    access = group(demo_store)
    theirs = demo_store.grid.rows("migration-irreguliere")[0]
    for call in (
        service.page(access, "migration-irreguliere"),
        service.since(access, "general", 0),
        service.edit(access, "migration-irreguliere", theirs.id, "challenges", "x", ""),
    ):
        with pytest.raises(Refused) as refused:
            run(call)
        assert refused.value.status == 403
    # Another group's row, named by its id through the group's own section.
    for call in (
        service.edit(access, "protection", theirs.id, "challenges", "x", theirs.challenges),
        service.delete(access, "protection", theirs.id),
        service.history(access, "protection", theirs.id),
        service.move(access, "protection", theirs.id, 1),
    ):
        with pytest.raises(Refused) as refused:
            run(call)
        assert refused.value.status == 404
    assert demo_store.grid.row(theirs.id) == theirs
    told = run(service.fates(access, "protection", [(theirs.id, 1)]))
    assert told == {"fates": {}}  # nothing said of a row that was never theirs
    projection = Access(PROJECTION, demo_store.groups.projection_key())
    assert not may_read_section(projection, "protection")
    assert run(service.synthesis(projection))["sections"]


def test_a_closed_breakout_refuses_the_groups_writes_not_the_facilitators(
    service: GridService, demo_store: Store
) -> None:
    row = demo_store.grid.rows("protection")[0]
    demo_store.session.set_breakout(open=False, actor="animateur")
    page = run(service.page(group(demo_store), "protection"))
    assert not page["state"]["writable"]
    for call in (
        service.edit(group(demo_store), "protection", row.id, "challenges", "x", row.challenges),
        service.add(group(demo_store), "protection", []),
        service.paste(group(demo_store), "protection", "a\tb\tc"),
        service.delete(group(demo_store), "protection", row.id),
    ):
        with pytest.raises(Refused, match="clos") as refused:
            run(call)
        assert refused.value.status == 403
    written = run(service.edit(facilitator(demo_store), "protection", row.id, "challenges",
                               "Pour un groupe sans appareil", row.challenges))  # fmt: skip
    assert written["row"]["challenges"] == "Pour un groupe sans appareil"
    assert demo_store.grid.row(row.id).updated_by == "animateur"


def test_a_renewed_key_reads_nothing(service: GridService, demo_store: Store) -> None:
    old = group(demo_store)
    row = demo_store.grid.rows("protection")[0]
    demo_store.groups.renew_key("protection")
    for call in (
        service.page(old, "protection"),
        service.since(old, "protection", 0),
        service.history(old, "protection", row.id),
    ):
        with pytest.raises(Refused, match="plus valable") as refused:
            run(call)
        assert refused.value.status == 403


def test_since_a_version_only_what_changed_and_the_order(
    service: GridService, demo_store: Store
) -> None:
    access = group(demo_store)
    version = run(service.page(access, "protection"))["version"]
    first, second = demo_store.grid.rows("protection")[:2]
    demo_store.grid.move(second.id, -1, actor="cli")
    found = run(service.since(access, "protection", version))
    assert found["order"][:2] == [second.id, first.id]
    assert {r["id"] for r in found["rows"]} == {first.id, second.id}  # renumbered, both
    assert run(service.since(access, "protection", found["version"]))["rows"] == []


def test_a_rapporteur_reads_what_became_of_a_merged_row(
    service: GridService, demo_store: Store
) -> None:
    mine = demo_store.grid.rows("migration-irreguliere")[1]
    target = demo_store.grid.rows("protection")[1]
    demo_store.plenary.merge(target.id, mine.id, actor="plénière")
    told = run(service.fates(group(demo_store, "migration-irreguliere"), "migration-irreguliere",
                             [(mine.id, 2)]))  # fmt: skip
    said = told["fates"][str(mine.id)]
    assert said.startswith("La ligne 2 (« ")
    assert "fusionnée par la plénière avec la ligne 2 de Groupe 4 : Protection" in said


def test_a_bad_file_says_why_and_adds_nothing(service: GridService, demo_store: Store) -> None:
    before = len(demo_store.grid.rows("protection"))
    with pytest.raises(Refused, match="Rien n'a été importé") as refused:
        run(service.import_file(group(demo_store), "protection", "g.csv", b"A;B\n\xff\xfe;x\n"))
    assert refused.value.status == 422
    assert len(demo_store.grid.rows("protection")) == before


def test_the_page_speaks_the_catalogues_language(
    demo_store: Store, service: GridService, monkeypatch: pytest.MonkeyPatch
) -> None:
    access = group(demo_store)
    data = run(service.page(access, "protection"))
    french = Templates("/").group(data, access, xsrf_token(access), "fr")
    assert "Ajouter une ligne" in french
    assert '<html lang="fr">' in french
    monkeypatch.setenv("CCM_LANG", "en")
    data = run(service.page(access, "protection"))
    english = Templates("/").group(data, access, xsrf_token(access), "en")
    assert "Add a row" in english
    assert "Ajouter une ligne" not in english
    assert '<html lang="en">' in english


def test_text_typed_as_html_stays_text_in_the_page(demo_store: Store, service: GridService) -> None:
    access = group(demo_store)
    (row,) = demo_store.grid.add("protection", [("<script>alert(1)</script>", "</textarea>", "")])
    page = Templates("/").group(run(service.page(access, "protection")), access, "t", "fr")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("</textarea>") == page.count("<textarea")  # none closed early
    assert row.id


def test_the_write_token_is_the_keys_own() -> None:
    one, other = Access("protection", "cle-1"), Access("protection", "cle-2")
    assert same_token(xsrf_token(one), one)
    assert not same_token(xsrf_token(other), one)
    assert not same_token("", one)
    assert xsrf_token(one) == xsrf_token(Access("protection", "cle-1"))  # across restarts


def test_keys_are_told_apart_and_an_overlong_one_is_nobodys() -> None:
    book = KeyBook("anim", "proj", {"protection": "prot"})
    assert book.identify("anim") == Access(FACILITATOR, "anim")
    assert book.identify("proj") == Access(PROJECTION, "proj")
    assert book.identify("prot") == Access("protection", "prot")
    assert book.identify("") is None
    assert book.identify("prot" * 40) is None


def test_the_rate_limit_lets_a_burst_through_then_refills() -> None:
    limit = RateLimit(burst=5, rate=2.0)
    assert all(limit.allow("k", now=0.0) for _ in range(5))
    assert not limit.allow("k", now=0.0)
    assert limit.allow("autre", now=0.0)  # per key
    assert limit.allow("k", now=0.6)  # a token back after half a second
    assert not limit.allow("k", now=0.6)


def test_pages_asking_the_same_thing_share_one_read() -> None:
    async def scenario() -> tuple[int, bool, bool]:
        hub = ChangeHub("unused")
        hub.moved(3)
        reads = 0

        async def read() -> int:
            nonlocal reads
            reads += 1
            await asyncio.sleep(0.01)
            return reads

        answers = await asyncio.gather(*(hub.shared(("k", "s", 1), read) for _ in range(20)))
        assert set(answers) == {1}
        waited = await hub.wait(3, 0.05)  # nothing moved: the wait times out
        waiter = asyncio.ensure_future(hub.wait(3, 5))
        await asyncio.sleep(0)
        hub.moved(4)
        return reads, waited, await waiter

    assert asyncio.run(scenario()) == (1, False, True)


def test_rows_added_at_once_are_bounded_like_an_import(
    service: GridService, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCM_MAX_ROWS", "5")
    before = len(demo_store.grid.rows("protection"))
    with pytest.raises(Refused) as refused:
        run(service.add(group(demo_store), "protection", [["r", "", ""]] * 6))
    assert refused.value.status == 422
    assert len(demo_store.grid.rows("protection")) == before
    assert len(run(service.add(group(demo_store), "protection", [["r", "", ""]] * 5))["rows"]) == 5
