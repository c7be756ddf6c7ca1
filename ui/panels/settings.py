"""Settings: choose a seed school's policy preset, then adjust each value."""

from __future__ import annotations

from datetime import time
from typing import Any

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from hvdesk.errors import FieldError, ValidationError
from hvdesk.models import Role
from hvdesk.policy import (
    BOOL_FIELDS,
    NUMBER_FIELDS,
    OPTIONAL_NUMBER_FIELDS,
    PRESET_LABELS,
    TIME_FIELDS,
    PolicySettings,
)
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.settings import SettingsService
from ui import dialogs
from ui.a11y import field_label
from ui.dialog_save import DialogSave
from ui.forms import clear_errors, error_banner
from ui.screen_reads import LatestRead
from ui.worker import Worker


class SettingsPanel(QWidget):
    policy_changed = Signal()

    def __init__(
        self,
        service: SettingsService,
        actor: Actor,
        parent: QWidget | None = None,
        writer: Worker | None = None,
        worker: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor = service, actor
        self.banner = error_banner()
        self.reads = LatestRead(self, worker, "the settings")
        self.shown: PolicySettings | None = None  # the policy the form was filled from
        self.shown_school: dict[str, str] = {}  # the school's details as the form showed them
        school_box, apply_button = self._school_box()
        rules_box = self._rules_box()
        save = QPushButton("Save settings")
        save.clicked.connect(self.save)
        revert = QPushButton("Undo changes")
        revert.clicked.connect(self.load)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(revert)
        buttons.addWidget(save)

        inner = QWidget()
        inner_layout = QVBoxLayout(inner)
        can_edit = actor.role in (Role.OFFICE.value, Role.APPROVER.value, Role.ADMIN.value)
        intro = (
            "Every rule where schools differ is a setting here. Start from the preset nearest "
            "your policy. Weakening a safety rule (e.g. turning off approval, longer check-in "
            "intervals) needs an approver or an admin."
            if can_edit
            else "You can read the school's settings; office staff, approvers and admins change them."
        )
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        inner_layout.addWidget(self.intro)
        inner_layout.addWidget(self.banner)
        inner_layout.addWidget(self.reads.line)
        inner_layout.addWidget(school_box)
        inner_layout.addWidget(rules_box)
        inner_layout.addLayout(buttons)
        self.extra_sections = inner_layout  # features add their own groups (e.g. backups)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no silent Tab stop: its fields take it
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        for box in (school_box, rules_box):
            box.setEnabled(can_edit)
        for button in (save, revert, apply_button):
            button.setEnabled(can_edit)
        self.save_button = save
        self.saving = DialogSave(
            self,
            self.banner,
            self.fields,
            "settings change",
            writer,
            buttons=[save, revert, apply_button],
        )
        if worker is None:  # on its own: read now; in the window: once it has started
            self.load()

    def _school_box(self) -> tuple[QGroupBox, QPushButton]:
        """The preset chooser (with its Apply button, returned) and the school's own details."""
        self.preset = QComboBox()
        self.preset.setAccessibleName("Policy preset")
        for key, text in PRESET_LABELS.items():
            self.preset.addItem(text, key)
        apply_button = QPushButton("Apply preset")
        apply_button.clicked.connect(self.apply_preset)
        self.school_name = QLineEdit()
        self.school_phone = QLineEdit()
        self.school_address = QLineEdit()
        self.logo_path = QLineEdit()
        self.logo_path.setPlaceholderText("Path to a PNG or JPG logo (optional)")
        self.approver_title = QLineEdit()
        self.fields: dict[str, QWidget] = {
            "School name": self.school_name,
            "School phone": self.school_phone,
            "School address": self.school_address,
            "Logo": self.logo_path,
            "Approver title": self.approver_title,
        }
        preset_row = QHBoxLayout()
        preset_row.addWidget(self.preset, 1)
        preset_row.addWidget(apply_button)
        school = QFormLayout()
        school.addRow(field_label("Policy preset:", self.preset), preset_row)
        school.addRow("School name:", self.school_name)
        school.addRow("School address (on forms):", self.school_address)
        school.addRow("School phone (on letters):", self.school_phone)
        school.addRow("Logo:", self.logo_path)
        school.addRow("Approver title:", self.approver_title)
        school_box = QGroupBox("School")
        school_box.setLayout(school)

        return school_box, apply_button

    def _rules_box(self) -> QGroupBox:
        """One row per policy rule: numbers, numbers that can be off, times, then yes/no rules."""
        self.numbers: dict[str, QSpinBox] = {}
        self.optional: dict[str, tuple[QCheckBox, QSpinBox]] = {}
        self.bools: dict[str, QCheckBox] = {}
        self.times: dict[str, QTimeEdit] = {}

        rules = QFormLayout()
        for name, (label, low, high) in NUMBER_FIELDS.items():
            spin = QSpinBox()
            spin.setRange(0, 1000)
            spin.setAccessibleName(label)
            spin.setToolTip(f"{low} to {high}")
            self.numbers[name] = spin
            self.fields[label] = spin
            rules.addRow(f"{label}:", spin)
        for name, (label, _low, high) in OPTIONAL_NUMBER_FIELDS.items():
            check = QCheckBox("On")
            spin = QSpinBox()
            spin.setRange(0, max(high, 1000))
            spin.setAccessibleName(label)
            check.toggled.connect(spin.setEnabled)
            row = QHBoxLayout()
            row.addWidget(check)
            row.addWidget(spin, 1)
            self.optional[name] = (check, spin)
            self.fields[label] = spin
            rules.addRow(f"{label}:", row)
        for name, label in TIME_FIELDS.items():
            edit = QTimeEdit()
            edit.setDisplayFormat("HH:mm")
            edit.setAccessibleName(label)
            self.times[name] = edit
            self.fields[label] = edit
            rules.addRow(f"{label}:", edit)
        for name, label in BOOL_FIELDS.items():
            check = QCheckBox(label)
            check.setAccessibleName(label)
            self.bools[name] = check
            rules.addRow("", check)
        rules_box = QGroupBox("Policy rules")
        rules_box.setLayout(rules)

        return rules_box

    def load(self) -> None:
        """Read the policy and the school's details on the reader; the form shows them when they
        come (what was typed stays until then; "Undo changes": what was typed is replaced)."""
        self.reads.read(lambda: (self.service.policy(), self.service.school()), self._loaded)

    def refresh(self) -> None:
        """Read again (shown, F5, a change, the database back after a failed read); the answer
        is shown only if nothing was typed meanwhile: unsaved values are never overwritten."""
        self.reads.read(lambda: (self.service.policy(), self.service.school()), self._refreshed)

    def _loaded(self, read: tuple[PolicySettings, dict[str, Any]]) -> None:
        self._fill(*read)

    def _refreshed(self, read: tuple[PolicySettings, dict[str, Any]]) -> None:
        if not self.saving.busy and not self.typed():
            self._fill(*read)

    def typed(self) -> bool:
        """The form holds values not saved (False before the first read: nothing to keep)."""
        if self.shown is None:
            return False
        return self.form_policy() != self.shown or self._school_values() != self.shown_school

    def _fill(self, policy: PolicySettings, school: dict[str, Any]) -> None:
        """The form shows `policy` and the school's details (what is typed is replaced)."""
        clear_errors(self.banner, self.fields)
        self.shown = policy
        index = self.preset.findData(policy.preset)
        if index >= 0:
            self.preset.setCurrentIndex(index)
        self.school_name.setText(policy.school_name)
        self.approver_title.setText(policy.approver_title)
        self.school_phone.setText(display_phone(str(school.get("phone", ""))))
        self.school_address.setText(str(school.get("address", "")))
        self.logo_path.setText(str(school.get("logo_path", "")))
        for name, spin in self.numbers.items():
            spin.setValue(int(getattr(policy, name)))
        for name, (check, spin) in self.optional.items():
            value = getattr(policy, name)
            check.setChecked(value is not None)
            spin.setEnabled(value is not None)
            spin.setValue(int(value or 0))
        for name, edit in self.times.items():
            at: time = getattr(policy, name)
            edit.setTime(QTime(at.hour, at.minute))
        for name, check in self.bools.items():
            check.setChecked(bool(getattr(policy, name)))
        self.shown_school = self._school_values()

    def form_policy(self) -> PolicySettings:
        """The form's values over the policy it was filled from (no read on the GUI thread)."""
        if self.shown is None:
            raise ValidationError([FieldError("Settings", "not read yet: wait for them to load")])
        changes: dict[str, object] = {
            "preset": self.preset.currentData(),
            "school_name": self.school_name.text().strip(),
            "approver_title": self.approver_title.text().strip(),
        }
        changes |= {name: spin.value() for name, spin in self.numbers.items()}
        changes |= {
            name: spin.value() if check.isChecked() else None
            for name, (check, spin) in self.optional.items()
        }
        changes |= {name: edit.time().toPython() for name, edit in self.times.items()}
        changes |= {name: check.isChecked() for name, check in self.bools.items()}
        return self.shown.with_changes(**changes)

    def _school_values(self) -> dict[str, str]:
        return {
            "phone": self.school_phone.text(),
            "address": self.school_address.text(),
            "logo_path": self.logo_path.text(),
        }

    def save(self) -> None:
        """Saved on a write worker (ui/dialog_save.py): 'Saving…' until recorded, then every
        seat is told the policy changed; a refusal marks the field it names."""
        try:
            policy = self.form_policy()
        except ValidationError as err:
            self.saving.show_refusal(err)
            return
        actor, school = self.actor, self._school_values()

        def write() -> tuple[PolicySettings, dict[str, Any]]:
            return self.service.save_settings(actor, policy, school), self.service.school()

        if self.saving.run(write, self._saved):
            self.reads.drop()  # a read out from before the save must not overwrite it

    def _saved(self, written: tuple[PolicySettings, dict[str, Any]]) -> None:
        self.reads.drop()  # nor a read asked while it was written
        self._fill(*written)  # what was recorded (the phone as stored, say)
        self.policy_changed.emit()
        dialogs.inform(self, "Settings saved", "The new policy settings apply now, on every seat.")

    def apply_preset(self) -> bool:
        """Written on the write worker, with the values it leaves read back there too; the form
        shows them once recorded. False when nothing was sent."""
        key = self.preset.currentData()
        if self.saving.busy or not dialogs.confirm(
            self,
            "Apply preset",
            f"Replace every policy value with the {PRESET_LABELS[key]} preset? Your school name is kept.",
        ):
            return False
        actor = self.actor

        def write() -> tuple[PolicySettings, dict[str, Any]]:
            return self.service.apply_preset(actor, key), self.service.school()

        def applied(result: tuple[PolicySettings, dict[str, Any]]) -> None:
            self.reads.drop()
            self._fill(*result)
            self.policy_changed.emit()

        if not self.saving.run(write, applied):
            return False
        self.reads.drop()  # a read out from before the preset must not overwrite it
        return True
