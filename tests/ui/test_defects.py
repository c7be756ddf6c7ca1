"""Small things a new office tripped over: each pinned so it stays fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from hvdesk.config import default_printouts_dir
from tests.ui.waiting import settle
from ui import print_actions
from ui.a11y import DateEdit
from ui.panels.approvals import ApprovalFeature
from ui.print_actions import PrintFeature

pytestmark = pytest.mark.ui


def test_the_welcome_banner_grows_the_dialog_instead_of_squashing_fields(qtbot, db, clock):
    from ui.login import FirstRunDialog
    from ui.services import AppServices

    dialog = FirstRunDialog(AppServices.build(db, clock))
    qtbot.addWidget(dialog)
    dialog.show()
    heights = {k: w.height() for k, w in dialog.fields.items()}
    dialog.password.setText("short")
    dialog._create()
    assert dialog.banner.isVisible()
    QApplication.processEvents()
    for key, widget in dialog.fields.items():
        assert widget.height() >= min(heights[key], widget.sizeHint().height()), key


@pytest.mark.parametrize("typed", ["03/12/2026", "3/12/2026", "03122026", "3.12.2026"])
def test_a_whole_date_typed_into_a_date_box_is_taken(qtbot, typed):
    box = QWidget()
    before, edit, after = QLineEdit(), DateEdit(), QLineEdit()
    for w in (before, edit, after):
        w.setParent(box)
    qtbot.addWidget(box)
    edit.setDate(QDate(2026, 11, 24))
    box.show()
    box.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is box)
    before.setFocus()
    qtbot.keyClick(before, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is edit
    qtbot.keyClicks(edit, typed)
    qtbot.keyClick(edit, Qt.Key.Key_Tab)  # one Tab leaves the box
    assert edit.date() == QDate(2026, 12, 3)
    assert edit.text() == "03/12/2026 (Thu)"
    assert QApplication.focusWidget() is after


def test_printouts_go_to_documents_hvdesk_unless_this_computer_says_otherwise(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("HVDESK_PRINTOUTS_DIR", raising=False)
    assert default_printouts_dir().parts[-1] == "hvdesk"
    assert (
        "Documents" in str(default_printouts_dir())
        or "documents" in str(default_printouts_dir()).lower()
    )
    assert print_actions.chosen_printouts_folder() == default_printouts_dir()
    QSettings().setValue(print_actions.PRINTOUTS_SETTING, str(tmp_path / "forms"))
    assert print_actions._printouts_folder() == tmp_path / "forms"
    assert (tmp_path / "forms").is_dir()


def test_a_printout_is_shown_as_a_link_in_the_status_bar(
    window, qtbot, services, tmp_path, monkeypatch, office_actor
):
    from hvdesk.printing import DAY_SHEET
    from hvdesk.services.printing import PrintService
    from ui.value_label import plain_text

    monkeypatch.setattr(print_actions, "opener", lambda path: True)
    monkeypatch.setattr(print_actions, "output_folder", lambda: tmp_path)
    job = print_actions.print_form(
        window,
        PrintService(services.db, services.clock),
        office_actor,
        DAY_SHEET,
        day=services.clock.now().date(),
    )
    with qtbot.waitSignal(job.finished, timeout=20_000) as done:
        pass
    path = Path(done.args[0])
    label = window.feature(PrintFeature).printout_label
    assert label.isVisible() and path.name in label.text()
    assert path.as_uri() in label.text() or f"file://{path}" in label.text()
    assert label.openExternalLinks()
    assert label.accessibleName().startswith("Last printout: Saved:")
    # the folder is a short link; its whole path is in the tooltip, not on the bar
    shown = plain_text(label.text())
    assert shown == f"Saved: {path.name} (open its folder)" and str(path.parent) not in shown
    assert label.toolTip() == f"Saved as {path}"
    assert path.parent.as_uri() in label.text() or f"file://{path.parent}" in label.text()


def test_the_wizard_names_no_other_school(window, services):
    from hvdesk.models import VisitStatus

    visit = services.visits.with_status(VisitStatus.AWAITING_APPROVAL)[0]
    feature = window.feature(ApprovalFeature)
    feature.assess(visit.id)
    settle(None)  # the form is read on the window's reader, then the wizard opens
    wizard = feature.wizard
    texts = " ".join(p.subTitle() for p in wizard.pages)
    assert "St Hugh" not in texts and "Five hazards common to home visits" in texts
    wizard.reject()


def test_the_alarm_window_calls_the_last_contact_what_it_is(window):
    aw = next(iter(window.tracker_controller.windows.values()))
    contact = aw.facts["contact"]
    assert contact.accessibleName().startswith("Last contact: ")
    assert "Last check-in" not in aw.sheet.toPlainText()


@pytest.mark.parametrize("screen", ["Visits", "Approval"])
def test_every_column_is_on_screen_at_1280_pixels(window, qtbot, screen):
    window.resize(1280, 800)
    window.show_panel(screen)
    table = (
        window.visits.table if screen == "Visits" else window.feature(ApprovalFeature).panel.table
    )
    qtbot.waitUntil(lambda: table.isVisible())
    window.refresh_all()
    header = table.horizontalHeader()
    right = max(
        header.sectionViewportPosition(c) + header.sectionSize(c) for c in range(header.count())
    )
    assert right <= table.viewport().width() + 1
    assert not table.horizontalScrollBar().isVisible()
