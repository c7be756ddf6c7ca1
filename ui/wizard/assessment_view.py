"""The full risk assessment, read-only: what the approver opens with one click from the queue."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from hvdesk.models import RiskAssessment, RiskLevel
from hvdesk.rules.risk import (
    ASSESSED_RISKS,
    INFORMATION,
    LIKELIHOOD,
    PERSONAL_SAFETY_CHECKLIST,
    SEVERITY,
    WHEN_NOT_TO_VISIT,
    summarise,
)
from hvdesk.services.risk_assessment import describe, form_from_row
from ui.wizard.levels import LEVEL_STYLE, level_badge

_YES, _NO, _UNSET = "✓ Yes", "✗ No", "? Not answered"


def _level_span(level: str) -> str:
    _icon, _word, fg, bg = LEVEL_STYLE[RiskLevel(level)]
    return (
        f'<span style="color:{fg}; background:{bg}; font-weight:bold">&nbsp;'
        f"{escape(level_badge(level))}&nbsp;</span>"
    )


def assessment_html(row: RiskAssessment, heading: str = "") -> str:
    """Every page of the wizard as one document (escaped: people type into all of it)."""
    form = form_from_row(row)
    summary = summarise(form)
    e = escape
    parts = [f"<h2>Risk assessment{(' — ' + e(heading)) if heading else ''}</h2>"]
    status = "Draft (not finished)" if row.status != "complete" else e(describe(row))
    parts.append(f"<p><b>Status:</b> {status}<br><b>Overall risk:</b> {_level_span(summary.level)}")
    parts.append(f" — {e('; '.join(summary.level_reasons))}</p>")
    if summary.blockers:
        parts.append(
            '<div style="color:#611a15; background:#fdecea; border:1px solid #b00020; padding:6px">'
            "<b>✖ This visit is blocked</b><ul>"
            + "".join(
                f"<li>{e(b.reason)}<br><i>To unblock:</i> {e(b.fix)}</li>" for b in summary.blockers
            )
            + "</ul></div>"
        )
    if form.changes_note:
        parts.append(
            f"<p><b>What has changed since the last assessment:</b> {e(form.changes_note)}</p>"
        )
    parts.append("<h3>1 Information gathered</h3><ul>")
    for key, text in INFORMATION.items():
        parts.append(f"<li>{_YES if form.information.get(key) else _NO} — {e(text)}</li>")
    parts.append("</ul>")
    if form.information_notes:
        parts.append(f"<p>{e(form.information_notes)}</p>")
    parts.append("<h3>2 Known risks at the household</h3><ul>")
    for key, text in ASSESSED_RISKS.items():
        answer = form.known_risks[key]
        new = " <b>★ NEW</b>" if answer.new else ""
        detail = f": {e(answer.note)}" if answer.present and answer.note else ""
        parts.append(
            f"<li>{_YES if answer.present else _NO} — {e(text.split(':')[0])}{detail}{new}</li>"
        )
    parts.append("</ul>")
    if form.other_risks:
        parts.append(f"<p><b>Other:</b> {e(form.other_risks)}</p>")
    parts.append("<h3>3 When not to visit</h3><ul>")
    for key, question in WHEN_NOT_TO_VISIT.items():
        said = form.when_not_to_visit.get(key)
        word = _UNSET if said is None else ("✖ YES" if said else _NO)
        parts.append(f"<li><b>{word}</b> — {e(question)}</li>")
    parts.append("</ul><h3>4 Hazards</h3>")
    parts.append(
        '<table border="1" cellspacing="0" cellpadding="4" width="100%"><tr><th>Hazard</th>'
        "<th>People at risk</th><th>Severity of harm</th><th>Likelihood</th><th>Risk level</th>"
        "<th>Controls</th></tr>"
    )
    for hz in form.hazards:
        severity = hz.severity_text or SEVERITY.get(hz.severity, "")
        parts.append(
            f"<tr><td>{e(hz.hazard)}</td><td>{e(hz.people)}</td>"
            f"<td>{hz.severity}: {e(severity)}</td>"
            f"<td>{hz.likelihood}: {e(LIKELIHOOD.get(hz.likelihood, ''))}</td>"
            f"<td>{_level_span(hz.level)}</td><td>{e(hz.controls)}</td></tr>"
        )
    parts.append("</table><h3>5 Personal safety checklist</h3><ul>")
    for key, question in PERSONAL_SAFETY_CHECKLIST.items():
        parts.append(
            f"<li>{_YES if form.checklist.get(key) else '✗ Not confirmed'} — {e(question)}</li>"
        )
    parts.append("</ul>")
    if summary.warnings:
        parts.append("<h3>For the approver</h3><ul>")
        parts += [f"<li>⚠ {e(w)}</li>" for w in summary.warnings]
        parts.append("</ul>")
    return "".join(parts)


class AssessmentDialog(QDialog):
    def __init__(self, row: RiskAssessment, heading: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Risk assessment — {heading}" if heading else "Risk assessment")
        self.browser = QTextBrowser()
        self.browser.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.browser.setAccessibleName("Full risk assessment")
        self.browser.setHtml(assessment_html(row, heading))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(900, 680)
