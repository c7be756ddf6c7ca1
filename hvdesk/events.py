"""Names of audit Event kinds, shared by services, the tracker rules and the timeline."""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    # booking and approval
    BOOKED = "booked"
    EDITED = "edited"
    MOVED = "moved"
    SUBMITTED = "submitted"
    ASSESSED = "assessed"
    APPROVED = "approved"
    REJECTED = "rejected"
    SENT_BACK = "sent_back_for_approval"
    CANCELLED = "cancelled"
    # on the day (the tracker derives deadlines from these)
    DEPARTED = "departed"
    ARRIVED = "arrived"
    CHECKED_IN = "checked_in"
    OFFICE_CALL = "office_call"  # data: {"answered": bool}
    LEFT_PROPERTY = "left_property"
    RETURNED = "returned"
    RUNNING_LATE = "running_late"  # data: {"new_return": iso}
    PARENT_NOT_PRESENT = "parent_not_present"  # data: {"late_notice": bool}
    DURESS = "duress"
    # alarms
    ALARM_RAISED = "alarm_raised"
    ALARM_ACKNOWLEDGED = "alarm_acknowledged"
    ESCALATION_STEP = "escalation_step"
    ALARM_RESOLVED = "alarm_resolved"
    # afterwards
    OUTCOME_RECORDED = "outcome_recorded"
    COMPLETED = "completed"
    PRINTED = "printed"
    # risk assessment and lone working (issue 3)
    ASSESSMENT_DRAFT_SAVED = "assessment_draft_saved"
    LONE_WORKING_SIGNED = "lone_working_signed"
    SAFE_WORD_REVEALED = "safe_word_revealed"
    # calendar (issue 4): a calendar export leaves hvdesk, so it is recorded
    CALENDAR_EXPORTED = "calendar_exported"
    # messages that leave the building (SMS and email to escalation contacts)
    MESSAGE_SENT = "message_sent"
    MESSAGE_FAILED = "message_failed"
    TEST_MESSAGE_QUEUED = "test_message_queued"
    CONTACT_SAVED = "contact_saved"
    CONTACTS_REORDERED = "contacts_reordered"
    NOTIFY_SETTINGS_CHANGED = "notify_settings_changed"
    # texts from the field: every text in is recorded, whatever it did
    TEXT_RECEIVED = "text_received"
    TEXT_PIN_SET = "text_pin_set"
    RESPONSIBLE_CONFIRMED = "responsible_confirmed"  # the out-of-hours contact is monitoring
    # after the visit and before the next
    FAMILY_TOLD = "family_told"  # data: {"how": "call" | "letter"}
    SOCIAL_WORKER_NOT_YET = "social_worker_not_yet"
    SOCIAL_WORKER_INFORMED = "social_worker_informed"
    ATTENDANCE_IMPORTED = "attendance_imported"
    ATTENDANCE_DISMISSED = "attendance_suggestion_dismissed"
    ATTENDANCE_BOOKED = "attendance_suggestion_booked"
    INCIDENT_RECORDED = "incident_recorded"
    INCIDENT_UPDATED = "incident_updated"
    INCIDENT_ACKNOWLEDGED = "incident_acknowledged"
    AGREEMENT_KEPT = "agreement_kept"
    AGREEMENT_BROKEN = "agreement_broken"
    AGREEMENT_WITHDRAWN = "agreement_withdrawn"  # its line was removed from the outcome


LABELS: dict[str, str] = {
    "booked": "Booked",
    "edited": "Edited",
    "moved": "Moved",
    "submitted": "Sent for approval",
    "assessed": "Risk assessed",
    "approved": "Approved",
    "rejected": "Rejected",
    "sent_back_for_approval": "Sent back for approval",
    "cancelled": "Cancelled",
    "departed": "Departed",
    "arrived": "Arrived",
    "checked_in": "Checked in",
    "office_call": "Office call",
    "left_property": "Left the property",
    "returned": "Returned to school",
    "running_late": "Running late",
    "parent_not_present": "Parent not present",
    "duress": "DURESS",
    "alarm_raised": "Alarm raised",
    "alarm_acknowledged": "Alarm acknowledged",
    "escalation_step": "Escalation step",
    "alarm_resolved": "Alarm resolved",
    "outcome_recorded": "Outcome written up",
    "completed": "Completed",
    "printed": "Printed",
    "assessment_draft_saved": "Risk assessment draft saved",
    "lone_working_signed": "Lone working assessment signed",
    "safe_word_revealed": "Safe word revealed",
    "calendar_exported": "Calendar exported (.ics)",
    "message_sent": "Message sent (text or email)",
    "message_failed": "Message failed",
    "test_message_queued": "Test message",
    "contact_saved": "Escalation contact saved",
    "contacts_reordered": "Escalation contacts reordered",
    "notify_settings_changed": "Message channel settings changed",
    "text_received": "Text received",
    "text_pin_set": "Texting PIN set",
    "responsible_confirmed": "Responsible contact confirmed",
    "family_told": "Family told of the cancellation",
    "social_worker_not_yet": "Social worker not yet told",
    "social_worker_informed": "Social worker informed",
    "attendance_imported": "Attendance imported",
    "attendance_suggestion_dismissed": "Attendance visit suggestion dismissed",
    "attendance_suggestion_booked": "Attendance visit booked from a suggestion",
    "incident_recorded": "Incident recorded",
    "incident_updated": "Incident updated",
    "incident_acknowledged": "Incident acknowledged by the head",
    "agreement_kept": "Agreement kept",
    "agreement_broken": "Agreement broken",
    "agreement_withdrawn": "Agreement withdrawn (removed from the outcome)",
}


def label(kind: str) -> str:
    return LABELS.get(kind, kind.replace("_", " ").capitalize())
