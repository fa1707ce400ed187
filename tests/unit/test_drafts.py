"""Texts kept by the browser while a page was cut off, offered back and saved through the
conflict check; the page's question "is my kernel alive?" answered to its browser only."""

from __future__ import annotations

import json

import pytest

from ccm_widgets.server.page_state import page_config
from ccm_widgets.widgets.common.drafts import Draft, DraftMailbox, read_drafts, scope


def drafts_json(*drafts: dict[str, object]) -> str:
    return json.dumps(list(drafts))


class Cells:
    """A tiny stand-in for a grid: stored texts, and saves checked against what was seen."""

    def __init__(self) -> None:
        self.stored = {(1, "recommendation"): "Ancien", (2, "challenges"): ""}
        self.saves: list[Draft] = []

    def current(self, row: int, field: str) -> tuple[str, int] | None:
        text = self.stored.get((row, field))
        return None if text is None else (text, row)

    def restore(self, draft: Draft) -> tuple[bool, str]:
        if self.stored[(draft.row, draft.field)] != draft.base:
            return False, "Conflit"
        self.stored[(draft.row, draft.field)] = draft.text
        self.saves.append(draft)
        return True, "Enregistré"


def test_drafts_are_offered_back_and_saved_over_the_text_they_were_typed_over() -> None:
    cells = Cells()
    box = DraftMailbox(restore=cells.restore, current=cells.current)
    offered = box.receive(
        drafts_json(
            {"row": 1, "field": "recommendation", "text": "Nouveau", "base": "Ancien", "at": 1},
            {"row": 2, "field": "challenges", "text": "Défi tapé hors ligne", "base": ""},
            {"row": 9, "field": "challenges", "text": "ligne supprimée", "base": ""},
        )
    )
    assert offered == 2
    assert "Ligne 1, Recommandation" in box.list.children[0].children[0].value
    box.list.children[-1].click()  # "Tout enregistrer"
    assert cells.stored[(1, "recommendation")] == "Nouveau"
    assert cells.stored[(2, "challenges")] == "Défi tapé hors ligne"
    told = json.loads(box.saved.value.replace("&quot;", '"'))["saved"]
    assert [1, "recommendation", "Nouveau"] in told
    assert [9, "challenges"] in told  # its row is gone: the browser forgets it
    assert box.offers == {}


def test_a_draft_over_a_text_changed_elsewhere_is_not_saved_over_it() -> None:
    cells = Cells()
    cells.stored[(1, "recommendation")] = "Changé par un autre onglet"
    box = DraftMailbox(restore=cells.restore, current=cells.current)
    box.receive(
        drafts_json({"row": 1, "field": "recommendation", "text": "Mien", "base": "Ancien"})
    )
    (draft,) = box.offers.values()
    assert not box.choose(draft, keep=True)
    assert cells.stored[(1, "recommendation")] == "Changé par un autre onglet"
    assert "Conflit" in box.message.value


def test_a_draft_already_saved_or_set_aside_is_forgotten_not_offered() -> None:
    cells = Cells()
    box = DraftMailbox(restore=cells.restore, current=cells.current)
    assert box.receive(drafts_json({"row": 1, "field": "recommendation", "text": "Ancien"})) == 0
    box.receive(drafts_json({"row": 2, "field": "challenges", "text": "À jeter", "base": ""}))
    box.choose(next(iter(box.offers.values())), keep=False)
    assert cells.saves == []
    assert "[2, &quot;challenges&quot;]" in box.saved.value


@pytest.mark.parametrize(
    "payload",
    ["", "pas du json", "{}", json.dumps([{"row": "x"}]), json.dumps([{"row": 1}]),
     json.dumps([{"row": 1, "field": "access_key", "text": "x"}]), "[" * 10 + "]" * 10,
     json.dumps([{"row": 1, "field": "challenges", "text": "x" * 10}] * 5000)],
)  # fmt: skip
def test_whatever_a_page_sends_as_drafts_nothing_breaks(payload: str) -> None:
    assert len(read_drafts(payload)) <= 200


def test_drafts_of_each_meeting_and_section_are_apart() -> None:
    assert scope("cle-a", "protection") != scope("cle-b", "protection")
    assert scope("cle-a", "protection") != scope("cle-a", "general")
    assert all(c.isalnum() or c == "-" for c in scope("cle", "évasion fiscale/2"))


def test_the_page_configuration_carries_the_banners_sentences() -> None:
    config = page_config({"kernelId": "k"}, "/user/anna/")
    assert config["kernelId"] == "k"
    assert config["ccm"]["stateUrl"] == "/user/anna/voila/ccm/etat/"
    assert "Connexion perdue" in config["ccm"]["messages"]["offline"]


def test_the_page_configuration_leaves_out_what_no_page_uses() -> None:
    config = page_config(
        {
            "disabledExtensions": ["@voila-dashboards/jupyterlab-preview"],
            "federated_extensions": [{"name": "jupyterlab_pygments"}, {"name": "ipydatagrid"}],
        },
        "/",
    )
    assert [e["name"] for e in config["federated_extensions"]] == ["ipydatagrid"]
    assert "@jupyterlab/mathjax-extension" in config["disabledExtensions"]
    assert "@voila-dashboards/jupyterlab-preview" in config["disabledExtensions"]


def test_a_draft_typed_before_its_cell_was_named_is_offered_to_copy_never_saved() -> None:
    cells = Cells()
    box = DraftMailbox(restore=cells.restore, current=cells.current)
    offered = box.receive(
        drafts_json(
            {"row": "u1733212800000", "field": "cell", "text": "Tapé sans réponse", "at": 1},
            {"row": "u1733212800001", "field": "cell", "text": "  "},  # nothing to copy
            {"row": "u12; drop", "field": "cell", "text": "pas un jeton"},
            {"row": "u5", "field": "recommendation", "text": "pas une case inconnue"},
        )
    )
    assert offered == 1
    (draft,) = box.offers.values()
    assert draft.unplaced == "u1733212800000"
    assert "avant que la page sache laquelle" in box.list.children[0].children[0].value
    assert "Tapé sans réponse" in box.list.children[0].children[0].value
    # Nothing the page can save by itself: no "Tout enregistrer", a single button to forget.
    assert len(box.list.children) == 1
    assert not box.choose(draft, keep=True)
    assert box.offers  # still offered, to be copied
    (forget,) = box.list.children[0].children[1].children
    forget.click()
    assert cells.saves == []
    told = json.loads(box.saved.value.replace("&quot;", '"'))["saved"]
    assert ["u1733212800000", "cell"] in told
    assert ["u1733212800001", "cell"] in told
    assert box.offers == {}


def test_the_page_script_is_told_how_many_texts_were_named_so_it_reads_only_the_new() -> None:
    cells = Cells()
    box = DraftMailbox(restore=cells.restore, current=cells.current)
    box.forget(2, "challenges")
    box.confirm(1, "recommendation", "Ancien")
    told = json.loads(box.saved.value.replace("&quot;", '"'))
    assert told == {"n": 2, "saved": [[2, "challenges"], [1, "recommendation", "Ancien"]]}
    for i in range(150):  # the list keeps the last ones; the count goes on
        box.confirm(1, "recommendation", str(i))
    told = json.loads(box.saved.value.replace("&quot;", '"'))
    assert told["n"] == 152
    assert len(told["saved"]) == 100
    assert told["saved"][-1] == [1, "recommendation", "149"]
