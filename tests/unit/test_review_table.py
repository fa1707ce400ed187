"""The review run as one table: every recommendation in full, its state and status set in
place, the chart following each change, another tab's change shown, never overwritten."""

from __future__ import annotations

import html

from ccm_widgets.domain.model import ReviewStatus
from ccm_widgets.store import Store
from ccm_widgets.widgets.facilitator.review import ReviewPanel


def panel(store: Store) -> ReviewPanel:
    return ReviewPanel(store=store, watch=False)


def test_every_recommendation_shows_in_full_with_its_state_and_status(demo_store: Store) -> None:
    review = panel(demo_store)
    rows = demo_store.items.review_rows()
    assert len(review.table.views) == len(rows)
    for row, view in zip(rows, review.table.views.values(), strict=True):
        assert html.unescape(view.text.value) == row.recommendation  # never cut
        assert view.state.value == row.state
        assert view.status.value == str(row.status)


def test_a_status_chosen_in_the_table_is_saved_and_the_chart_follows(demo_store: Store) -> None:
    review = panel(demo_store)
    before = review.chart.value
    first = next(iter(review.table.views.values()))
    other = next(s for s in ReviewStatus if s.value != first.status.value)
    first.status.value = other.value  # as a click, or arrows, in the row's choice
    assert demo_store.items.review_rows()[0].status == other
    assert review.chart.value != before
    assert "Ligne 1 enregistrée" in review.table.status.message
    first.state.value = "Décret signé, budget attendu"  # the text area left
    assert demo_store.items.review_rows()[0].state == "Décret signé, budget attendu"


def test_a_state_changed_in_another_tab_is_shown_and_never_overwritten(
    demo_store: Store,
) -> None:
    review = panel(demo_store)
    view = next(iter(review.table.views.values()))
    row = demo_store.items.review_rows()[0]
    with Store(demo_store.location) as other:
        other.items.update("review_rows", row.id, {"state": "Écrit ailleurs"}, actor="animateur")
    view.state.value = "Écrit ici sans avoir vu l'autre"
    assert demo_store.items.review_rows()[0].state == "Écrit ailleurs"
    assert "Écrit ailleurs" in html.unescape(view.note.value)
    view.state.value = "Écrit ici, l'autre lu"  # written over it, knowingly
    assert demo_store.items.review_rows()[0].state == "Écrit ici, l'autre lu"
    review.refresh()  # another tab's change, and the page follows
    with Store(demo_store.location) as other:
        other.items.update("review_rows", row.id, {"status": "done"}, actor="animateur")
    review.refresh()
    assert view.status.value == "done"


def test_rows_added_in_the_form_appear_in_the_table(demo_store: Store) -> None:
    review = panel(demo_store)
    count = len(review.table.views)
    review.editor.inputs["recommendation"].value = "Une recommandation ajoutée"
    review.editor.save()
    assert len(review.table.views) == count + 1
    views = list(review.table.views.values())
    added = next(v for v in views if html.unescape(v.text.value) == "Une recommandation ajoutée")
    # Every row's fields are named by their row's number, in the table's order.
    number = views.index(added) + 1
    assert added.state.description == f"État de mise en œuvre, ligne {number}"
    assert [v.status.description for v in views] == [
        f"Statut, ligne {n}" for n in range(1, count + 2)
    ]


def test_the_decision_register_shows_each_recommendation_whole(demo_store: Store) -> None:
    """It cut them at 120 characters, with no sign that the rest was missing."""
    from ccm_widgets.widgets.plenary.adoption import ledger_html

    long = "Spécifiquement pour les régions frontalières, " * 6
    (row,) = demo_store.grid.add("general", [(long.strip(), "", "")])
    demo_store.plenary.decide(row.id, "adopted", actor="plénière")
    shown = html.unescape(ledger_html(demo_store.plenary.snapshot().ledger))
    assert long.strip() in shown
