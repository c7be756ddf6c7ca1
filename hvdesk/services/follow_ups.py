"""What is waiting after the visits, for the Today screen: suggested attendance visits, social
workers not yet told, and incidents the head has not yet seen. One read, plain data back."""

from __future__ import annotations

from dataclasses import dataclass, field

from hvdesk.services.agreements import AgreementRow, AgreementService
from hvdesk.services.attendance import AttendanceService, Suggestion
from hvdesk.services.base import Service
from hvdesk.services.cancellation import CancellationService, FamilyToTell
from hvdesk.services.incidents import IncidentRow, IncidentService
from hvdesk.services.outcomes import OutcomeService, SocialWorkerToTell


@dataclass(frozen=True)
class FollowUps:
    suggestions: list[Suggestion] = field(default_factory=list)
    social_workers: list[SocialWorkerToTell] = field(default_factory=list)
    incidents: list[IncidentRow] = field(default_factory=list)
    agreements: list[AgreementRow] = field(default_factory=list)  # open and past their date
    families: list[FamilyToTell] = field(default_factory=list)  # Hampton: cancelled, not told

    def phrases(self) -> list[tuple[str, str]]:
        """(link key, words) for each thing waiting, in the order the eye should take them."""
        out: list[tuple[str, str]] = []
        if self.incidents:
            n = len(self.incidents)
            out.append(("incidents", f"Incidents: {n} new, not yet seen by the head"))
        if self.social_workers:
            n = len(self.social_workers)
            out.append(("social", f"Social worker not yet told: {n} visit{'s' * (n != 1)}"))
        if self.families:
            n = len(self.families)
            out.append(
                ("family", f"Family not yet told of a cancellation: {n} visit{'s' * (n != 1)}")
            )
        if self.agreements:
            n = len(self.agreements)
            out.append(("agreements", f"Agreements due: {n} (kept or broken?)"))
        if self.suggestions:
            n = len(self.suggestions)
            out.append(("attendance", f"Attendance: {n} visit{'s' * (n != 1)} suggested"))
        return out


class FollowUpService(Service):
    def load(self) -> FollowUps:
        return FollowUps(
            AttendanceService(self.db, self.clock).suggestions(),
            OutcomeService(self.db, self.clock).social_worker_pending(),
            IncidentService(self.db, self.clock).list(unacknowledged=True),
            AgreementService(self.db, self.clock).due(),
            CancellationService(self.db, self.clock).families_to_tell(),
        )
