"""How alarms leave the building: the SMTP relay and the SMS gateway, and their secrets.

Settings are shared by every seat (the database); secrets are stored on this PC only (its keyring,
or an owner-only file), never in the database. The monitor's machine keeps its own copy, set with
`hvdesk settings set sms.token -` there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hvdesk.errors import HvdeskError
from hvdesk.models import Role
from hvdesk.notify import secrets
from hvdesk.notify.config import KEYS, PROVIDERS, NotifyConfig
from hvdesk.notify.email import SECURITY
from hvdesk.services.base import Actor
from hvdesk.services.notifications import NotificationService
from ui.forms import clear_errors, error_banner, show_errors
from ui.worker import Worker

TEXT_KEYS = [k for k in KEYS if k not in ("smtp.port", "smtp.security", "sms.provider")]
# What each setting is called on screen; the key (as `hvdesk settings set` and error messages
# name it) is in the tooltip, so IT can match the two.
LABELS = {
    "smtp.host": "Server",
    "smtp.port": "Port",
    "smtp.security": "Security",
    "smtp.user": "Sign-in name",
    "smtp.from": "Send from",
    "smtp.password": "Password",
    "sms.provider": "Provider",
    "sms.base_url": "Gateway address",
    "sms.account": "Account id",
    "sms.from": "School's number",
    "sms.url": "Send URL (generic)",
    "sms.headers": "Headers (generic)",
    "sms.body_template": "Body template (generic)",
    "sms.id_field": "Reference field (generic)",
    "sms.token": "Token",
}


def secret_sources() -> dict[str, str]:
    """Where each secret comes from on this PC (never the value)."""
    out = {}
    for name in secrets.SECRETS:
        try:
            found = secrets.get_secret(name)
            out[name] = found.source if found.value else "not set on this PC"
        except HvdeskError as err:
            out[name] = f"unusable: {err}"
    return out


class ChannelsTab(QWidget):
    def __init__(self, service: NotificationService, actor: Actor, worker: Worker) -> None:
        super().__init__()
        self.service, self.actor, self.worker = service, actor, worker
        self.config = NotifyConfig()
        self.banner = error_banner()
        self.texts: dict[str, QLineEdit] = {}
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.security = QComboBox()
        for value in SECURITY:
            self.security.addItem(value, value)
        self.provider = QComboBox()
        for value in PROVIDERS:
            self.provider.addItem(value, value)
        self.fields: dict[str, QWidget] = {
            "smtp.port": self.port,
            "smtp.security": self.security,
            "sms.provider": self.provider,
        }
        email = QFormLayout()
        sms = QFormLayout()
        self._setting_rows(email, sms)
        self._secret_rows(email, sms)
        email_box, sms_box = QGroupBox("Email (SMTP relay)"), QGroupBox("SMS gateway (HTTPS)")
        email_box.setLayout(email)
        sms_box.setLayout(sms)
        self.save_button = QPushButton("Save channel settings")
        self.save_button.clicked.connect(self.save)
        can = actor.role in (Role.APPROVER.value, Role.ADMIN.value)
        for box in (email_box, sms_box):
            box.setEnabled(can)
        self.save_button.setEnabled(can)
        intro = QLabel(
            "Email goes through the school's SMTP relay (Microsoft 365: smtp.office365.com, 587, "
            "starttls). Texts go through an HTTPS gateway: 'twilio' for the Twilio Messages API "
            "or a compatible one (two-way texts), 'generic' for any other by URL, headers and a "
            "JSON body template. Passwords and tokens stay on this PC (keyring or an owner-only "
            "file); the monitor's server needs its own."
            + ("" if can else " Only an approver or an admin changes these.")
        )
        intro.setWordWrap(True)
        self.status = QLabel()
        self.status.setAccessibleName("Channel settings status")
        inner = QWidget()
        column = QVBoxLayout(inner)
        for widget in (intro, self.banner, email_box, sms_box):
            column.addWidget(widget)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        column.addLayout(buttons)
        column.addStretch()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no silent Tab stop: its fields take it
        QVBoxLayout(self).addWidget(scroll)

    def _setting_rows(self, email: QFormLayout, sms: QFormLayout) -> None:
        """One row per setting, in the email or the SMS form by its key."""
        for key, (_attr, help_) in KEYS.items():
            widget = self.fields.get(key)
            if widget is None:
                widget = self.texts[key] = QLineEdit()
                self.fields[key] = widget
            widget.setAccessibleName(key)
            widget.setToolTip(f"{help_} (setting {key})")
            (email if key.startswith("smtp") else sms).addRow(f"{LABELS[key]}:", widget)

    def _secret_rows(self, email: QFormLayout, sms: QFormLayout) -> None:
        """Passwords and tokens: typed to replace, stored on this PC, never shown back."""
        self.secret_edits: dict[str, QLineEdit] = {}
        self.secret_labels: dict[str, QLabel] = {}
        for name in secrets.SECRETS:
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setPlaceholderText("type to replace; stored on this PC only")
            edit.setAccessibleName(name)
            store = QPushButton("Store")
            store.setAccessibleName(f"Store {name}")
            store.clicked.connect(lambda _c=False, n=name: self.store_secret(n))
            source = QLabel()
            source.setAccessibleName(f"{name} source")
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(store)
            row.addWidget(source)
            self.secret_edits[name], self.secret_labels[name] = edit, source
            edit.setToolTip(f"stored on this PC only (setting {name})")
            (email if name.startswith("smtp") else sms).addRow(f"{LABELS[name]}:", row)

    def refresh(self) -> None:
        self.worker.submit(
            lambda: (self.service.config(), secret_sources()), self._loaded, self._failed
        )

    def _loaded(self, result: tuple[NotifyConfig, dict[str, str]]) -> None:
        self.config, sources = result
        for key, edit in self.texts.items():
            edit.setText(str(getattr(self.config, KEYS[key][0])))
        self.port.setValue(int(self.config.smtp_port))
        self.security.setCurrentIndex(max(0, self.security.findData(self.config.smtp_security)))
        self.provider.setCurrentIndex(max(0, self.provider.findData(self.config.sms_provider)))
        for name, label in self.secret_labels.items():
            label.setText(f"({sources[name]})")

    def _failed(self, message: str) -> None:
        show_errors(self.banner, self.fields, HvdeskError(message.splitlines()[0]))

    def form_config(self) -> NotifyConfig:
        # NotifyConfig's fields by name: the texts, then the port (a number) and the two choices
        values: dict[str, Any] = {
            KEYS[key][0]: edit.text().strip() for key, edit in self.texts.items()
        }
        values |= {
            "smtp_port": self.port.value(),
            "smtp_security": self.security.currentData(),
            "sms_provider": self.provider.currentData(),
        }
        return replace(self.config, **values)

    def save(self) -> None:
        clear_errors(self.banner, self.fields)
        config = self.form_config()
        self.worker.submit(
            lambda: self.service.save_config(self.actor, config),
            lambda _r: self.status.setText("Saved: every seat and the monitor use these now."),
            self._save_failed(config),
        )

    def _save_failed(self, config: NotifyConfig) -> Callable[[str], None]:
        def failed(message: str) -> None:
            try:  # show the field-by-field errors the service found
                from hvdesk.notify.config import validate

                validate(config)
            except HvdeskError as err:
                show_errors(self.banner, self.fields, err)
                return
            self._failed(message)

        return failed

    def store_secret(self, name: str) -> None:
        value = self.secret_edits[name].text()
        if not value.strip():
            self.status.setText(f"Type the {name} first.")
            return
        self.secret_edits[name].clear()

        def stored(where: str) -> None:
            self.status.setText(f"{name} stored ({where}).")
            self.refresh()

        self.worker.submit(lambda: secrets.set_secret(name, value.strip()), stored, self._failed)
