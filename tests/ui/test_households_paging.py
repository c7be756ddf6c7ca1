"""The Households screen reads on the worker, a page at a time, searched by the database."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import event

from hvdesk.services.household_list import HouseholdFilter, HouseholdList, HouseholdSort
from tests.ui.waiting import saved, slow_press
from ui.panels.households import HouseholdsPanel

pytestmark = pytest.mark.ui


@pytest.fixture
def panel(qtbot, services, office_actor):
    widget = HouseholdsPanel(services.households, office_actor)
    widget.model.page_size = 10
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    yield widget
    widget.worker.wait()


@pytest.fixture
def gui_thread_queries(services):
    """Every SQL statement run on the GUI thread while the test runs."""
    seen: list[str] = []
    gui = threading.main_thread()

    def record(_conn, _cursor, statement, *_rest) -> None:
        if threading.current_thread() is gui:
            seen.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(services.db.engine, "before_cursor_execute", record)


def _every_household(services):
    return services.households.list(include_inactive=False)


def test_opening_searching_and_selecting_make_no_query_on_the_gui_thread(
    qtbot, services, office_actor, gui_thread_queries
):
    total = len(_every_household(services))
    gui_thread_queries.clear()  # from here on, only the screen's own reads
    widget = HouseholdsPanel(services.households, office_actor)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.model.rowCount() == 0  # built: nothing read until the screen is opened
    widget.refresh()
    assert widget.model.rowCount() == 0  # the worker answers, not the GUI thread
    qtbot.waitUntil(lambda: widget.model.complete)
    assert widget.model.rowCount() == total
    widget.table.selectRow(0)
    assert not widget.edit_button.isEnabled()  # until its details arrive from the worker
    qtbot.waitUntil(widget.edit_button.isEnabled)
    row = widget.selected()
    assert row is not None and row.name in widget.detail.text()
    widget.search.setText("B17")
    qtbot.waitUntil(lambda: widget.model.complete)
    widget.worker.wait()
    assert gui_thread_queries == []


def test_pages_arrive_as_the_list_scrolls(qtbot, panel, services):
    total = len(_every_household(services))
    assert total > 20
    panel.refresh()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 10 and not panel.model.loading)
    assert panel.model.canFetchMore() and panel.count_label.text() == "10+ households"
    while panel.model.canFetchMore() or panel.model.loading:
        panel.model.fetchMore()
        qtbot.wait(10)
    assert panel.model.rowCount() == total
    names = [panel.model.row_object(r).name for r in range(total)]
    assert names == [h.name for h in _every_household(services)]  # name order, as before
    assert panel.count_label.text() == f"{total} households"


@pytest.mark.parametrize("typed", ["b17", "Harborne", "ROAD", "zzz-nobody", "a"])
def test_search_gives_the_households_it_gave_before(qtbot, services, typed):
    """Name, address, postcode or a pupil's name, any case: the same homes, page by page."""
    every = services.households.list(include_inactive=True)
    needle = typed.lower()
    expected = [
        h.name
        for h in every
        if h.active
        and (
            needle in h.name.lower()
            or needle in h.address.lower()
            or needle in h.postcode.lower()
            or any(needle in p.name.lower() for p in h.pupils)
        )
    ]
    pages = HouseholdList(services.db, services.clock)
    got, offset = [], 0
    while batch := pages.page(HouseholdFilter(search=typed), offset, 7):
        got += [row.name for row in batch]
        offset += len(batch)
    assert got == expected


def test_the_selected_household_stays_selected_after_a_change(qtbot, panel, answers):
    panel.refresh()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 10 and not panel.model.loading)
    panel.table.selectRow(3)
    qtbot.waitUntil(panel.active_button.isEnabled)
    chosen = panel.selected()
    panel.toggle_active()  # deactivate (answers: yes)
    saved(qtbot, panel)
    panel.show_inactive.setChecked(True)
    qtbot.waitUntil(lambda: panel.edit_button.isEnabled() and panel.selected() is not None)
    assert panel.selected().id == chosen.id
    assert panel.selected().status == "Deactivated"
    assert panel.active_button.text() == "Reactivate"


def _scrolled_through(qtbot, panel, rows: int) -> None:
    panel.refresh()
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 10 and not panel.model.loading)
    while panel.model.rowCount() < rows and panel.model.canFetchMore():
        panel.model.fetchMore()
        qtbot.waitUntil(lambda: not panel.model.loading)


def test_a_change_from_any_seat_keeps_the_scroll_and_the_selected_household(qtbot, panel, services):
    _scrolled_through(qtbot, panel, 20)
    panel.table.selectRow(15)
    qtbot.waitUntil(panel.edit_button.isEnabled)
    chosen = panel.selected()
    panel.table.scrollToBottom()
    scrolled = panel.table.verticalScrollBar().value()
    assert scrolled > 0
    panel.refresh()  # what the window does when any seat changes something
    qtbot.waitUntil(lambda: not panel.model.loading)
    assert panel.model.rowCount() == 20  # not back to the first page
    assert panel.selected() is not None and panel.selected().id == chosen.id
    assert panel.table.verticalScrollBar().value() == scrolled
    assert panel.edit_button.isEnabled()


def test_a_change_far_down_the_list_keeps_that_household_selected(qtbot, panel, services):
    _scrolled_through(qtbot, panel, 20)
    panel.table.selectRow(17)
    qtbot.waitUntil(panel.add_risk_button.isEnabled)
    chosen = panel.selected()
    panel.table.scrollTo(panel.model.index(17, 0))
    scrolled = panel.table.verticalScrollBar().value()
    services.households.set_active(panel.actor, chosen.id, True)  # a change saved, then re-read
    panel._reread()
    qtbot.waitUntil(lambda: not panel.model.loading and panel.edit_button.isEnabled())
    assert panel.model.rowCount() == 20
    assert panel.selected().id == chosen.id
    assert panel.table.verticalScrollBar().value() == scrolled


@pytest.mark.parametrize("typed", ["%", "_", "a%", "_a"])
def test_percent_and_underscore_are_characters_not_wildcards(services, typed):
    pages = HouseholdList(services.db, services.clock)
    assert all(typed not in h.name for h in services.households.list(include_inactive=True))
    assert pages.page(HouseholdFilter(search=typed, include_inactive=True)) == []


@pytest.mark.parametrize(
    ("column", "key"),
    [
        (1, lambda row: (row.pupils.split(", ")[0], row.name)),
        (4, lambda row: (row.risks.split(", ")[0], row.name)),
        (5, lambda row: (row.status, row.name)),
    ],
)
def test_a_header_click_sorts_by_that_column_in_the_database(
    qtbot, panel, services, office_actor, column, key
):
    """Pupils, Known risks and Status each in their own order (Review assessment together),
    not by name; the database orders them, page by page."""
    homes = _every_household(services)
    for home in homes[3:12:4]:  # new risks: these three need their assessment reviewed
        services.households.add_risk(office_actor, home.id, "animals", "Dog")
    services.households.set_active(office_actor, homes[5].id, False)
    panel.show_inactive.setChecked(True)
    panel.refresh()
    qtbot.waitUntil(lambda: not panel.model.loading)
    panel.table.horizontalHeader().setSortIndicator(column, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: panel.filter.sort is not HouseholdSort.NAME)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 10 and not panel.model.loading)
    while panel.model.canFetchMore() or panel.model.loading:
        panel.model.fetchMore()
        qtbot.waitUntil(lambda: not panel.model.loading)
    rows = [panel.model.row_object(r) for r in range(panel.model.rowCount())]
    assert len({key(row)[0] for row in rows}) > 1  # the demo school has more than one value
    assert [key(row) for row in rows] == sorted(key(row) for row in rows)


def test_deactivating_and_ending_a_risk_are_written_off_the_gui_thread(qtbot, panel, answers):
    from tests.ui.test_tracker_writes import failing_writes

    db = panel.service.db
    panel.refresh()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 10 and not panel.model.loading)
    with_risk = next(
        r for r in range(10) if panel.service.get(panel.model.row_object(r).id).risks
    )
    panel.table.selectRow(with_risk)
    qtbot.waitUntil(lambda: panel.end_risk_button.isEnabled())
    chosen = panel.selected().id
    panel.risks.setCurrentRow(0)
    risk_id = panel.risks.currentItem().data(Qt.ItemDataRole.UserRole)
    assert risk_id is not None
    with failing_writes(db):
        panel.end_risk_button.click()
        saved(qtbot, panel)
    assert "the change was NOT recorded" in panel.banner.text()
    assert all(r.ended_at is None for r in panel.service.get(chosen).risks if r.id == risk_id)
    answered, during = slow_press(qtbot, db, panel, panel.end_risk_button.click, panel.end_risk)
    assert answered and during == []
    assert [r.ended_at is not None for r in panel.service.get(chosen).risks if r.id == risk_id] == [
        True
    ]
    qtbot.waitUntil(lambda: panel.active_button.isEnabled() and panel.selected() is not None)
    answered, during = slow_press(
        qtbot, db, panel, panel.active_button.click, panel.toggle_active
    )
    assert answered and during == []
    assert panel.service.get(chosen).active is False
