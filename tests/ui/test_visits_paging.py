"""The Visits screen pages on the worker: nothing loads until it is opened, more as it scrolls."""

from __future__ import annotations

import pytest

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
