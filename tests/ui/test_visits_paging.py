"""The Visits screen pages on the worker: nothing loads until it is opened, more as it scrolls."""

from __future__ import annotations

import pytest

from hvdesk.services.changes import Change
from tests.ui.waiting import idle
from ui.panels.visits import VisitsPanel

pytestmark = pytest.mark.ui


@pytest.fixture
def panel(qtbot, services):
    widget = VisitsPanel(services.visits)
    widget.model.page_size = 10
    qtbot.addWidget(widget)
    widget.resize(900, 300)
    widget.show()
    yield widget
    widget.worker.wait()


def test_the_screen_loads_nothing_until_opened(window):
    assert window.visits.model.rowCount() == 0 and not window.visits.model.loading
    window.show_panel("Visits")
    assert window.visits.model.loading


def test_pages_arrive_from_the_worker_as_the_list_scrolls(qtbot, panel, services):
    total = len(services.visits.recent(5000))
    panel.refresh()
    assert panel.model.rowCount() == 0  # nothing on the GUI thread: the worker answers
    qtbot.waitUntil(lambda: panel.model.rowCount() == 10 and not panel.model.loading)
    assert panel.model.canFetchMore()
    assert "scroll for more" in panel.count_label.text()
    panel.table.scrollToBottom()  # the view asks for more, as a user scrolling does
    qtbot.waitUntil(lambda: panel.model.rowCount() == 20)
    while panel.model.canFetchMore() or panel.model.loading:
        panel.model.fetchMore()
        qtbot.wait(10)
    assert panel.model.rowCount() == total
    assert panel.count_label.text() == f"{total} visits"
    assert "scroll" not in panel.count_label.text()


def test_typing_keeps_only_the_newest_filter(qtbot, panel):
    panel.refresh()
    for typed in ("O", "Ok", "Oka", "zzz-nobody"):
        panel.search.setText(typed)
    qtbot.waitUntil(lambda: panel.model.complete)
    assert panel.model.rowCount() == 0
    panel.search.setText("")
    qtbot.waitUntil(lambda: panel.model.complete or panel.model.rowCount() == 10)
    assert panel.model.rowCount() == 10


def test_a_failing_query_is_said_on_screen(qtbot, panel, monkeypatch):
    def broken(*_a, **_k):
        raise RuntimeError("database gone")

    monkeypatch.setattr(panel.visit_list, "page", broken)
    panel.refresh()
    qtbot.waitUntil(lambda: "Could not load visits" in panel.count_label.text())
    assert "database gone" in panel.count_label.text()


def _scrolled_through_three_pages(window, qtbot):
    """The Visits screen on show, six pages of 5 held (or more: the view asks for as many as
    fill it), scrolled down to a visit on page 5, selected."""
    panel = window.visits
    panel.model.page_size = 5
    window.resize(1280, 500)
    window.show_panel("Visits")
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 5 and not panel.model.loading)
    while panel.model.rowCount() < 30 and panel.model.canFetchMore():
        panel.model.fetchMore()
        qtbot.waitUntil(lambda: not panel.model.loading)
    assert panel.model.rowCount() >= 30
    panel.table.selectRow(22)
    panel.table.scrollTo(panel.model.index(22, 0))
    idle(window, qtbot)
    return panel


def _counting(monkeypatch, obj, name: str) -> list[tuple]:
    calls: list[tuple] = []
    real = getattr(obj, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(obj, name, counting)
    return calls


def test_a_change_keeps_the_rows_scrolled_through_the_position_and_the_selection(
    window, qtbot, monkeypatch
):
    panel = _scrolled_through_three_pages(window, qtbot)
    selected, held = panel.selected_row().id, panel.model.rowCount()
    position = panel.table.verticalScrollBar().value()
    assert position > 0
    reads = _counting(monkeypatch, panel.visit_list, "page")
    window.live.changed.emit(
        Change(
            last_event_id=10**9,
            visit_ids=frozenset({selected}),
            kinds=frozenset({"visit_booked"}),
            events=1,
        )
    )
    qtbot.waitUntil(lambda: bool(reads) and not panel.model.loading)
    idle(window, qtbot)
    assert [read[1:] for read in reads] == [(0, held)]  # the rows held, read again in one query
    assert panel.model.rowCount() == held  # not back to the first page
    assert panel.table.verticalScrollBar().value() == position
    assert panel.selected_row().id == selected
    assert panel.timeline.count() > 0


def test_a_tracker_only_change_reads_only_the_selected_visits_timeline(window, qtbot, monkeypatch):
    panel = _scrolled_through_three_pages(window, qtbot)
    selected, held = panel.selected_row().id, panel.model.rowCount()
    reads = _counting(monkeypatch, panel.visit_list, "page")
    timelines = _counting(monkeypatch, panel.queries, "timeline")
    window.live.changed.emit(
        Change(
            last_event_id=10**9,
            visit_ids=frozenset({selected}),
            kinds=frozenset({"checked_in"}),
            events=1,
        )
    )
    qtbot.waitUntil(lambda: bool(timelines))
    idle(window, qtbot)
    assert timelines == [(selected,)] and reads == []
    assert panel.model.rowCount() == held and panel.selected_row().id == selected
