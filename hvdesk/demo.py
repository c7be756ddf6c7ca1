"""A realistic demo school for first runs, screenshots and benchmarks.

Staff with vehicles and mobiles (Ofcom drama numbers, which ring nobody), 30 households, and a
fortnight of visits around 'now' in every lifecycle state, including some out now and a few overdue.
Everything is written through the same audit trail as real use.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hvdesk.clock import Clock, from_london, london
from hvdesk.db import Database
from hvdesk.events import EventKind
from hvdesk.models import (
    CancelReason,
    Event,
    Household,
    KnownRisk,
    LoneWorkingAssessment,
    Outcome,
    Pupil,
    Purpose,
    RiskAssessment,
    RiskHazard,
    RiskKind,
    Role,
    Staff,
    UserAccount,
    Visit,
    VisitStatus,
)
from hvdesk.policy import PolicySettings, preset
from hvdesk.rules.risk import PERSONAL_SAFETY_CHECKLIST, ST_HUGHS_HAZARDS, WHEN_NOT_TO_VISIT, rate
from hvdesk.services.attendance import AttendanceService
from hvdesk.services.auth import hash_password
from hvdesk.services.base import Actor
from hvdesk.services.settings import SettingsService

DEMO_PASSWORD = "hvdesk-demo"
ASSESSED_KINDS = (
    RiskKind.ANIMALS,
    RiskKind.AGGRESSION,
    RiskKind.INTOXICATION,
    RiskKind.RECENT_VIOLENCE,
    RiskKind.UNEXPECTED_ADULTS,
)

STAFF = [
    # name, title, mobile, description, vehicle (colour, make, model, reg)
    (
        "Jasmin Patel",
        "Attendance Officer",
        "07700 900123",
        "White woman, 40s, 5'6\", dark hair",
        ("Blue", "Ford", "Fiesta", "AB12 CDE"),
    ),
    (
        "Kamran Ahmed",
        "Learning Mentor",
        "07700 900456",
        "Asian man, 30s, 6', short black hair, glasses",
        ("Silver", "Toyota", "Yaris", "BD19 KLM"),
    ),
    (
        "Sarah Mills",
        "Family Support Worker",
        "07700 900234",
        "White woman, 50s, 5'4\", grey bob",
        ("Red", "Vauxhall", "Corsa", "CF68 PQR"),
    ),
    (
        "Tom Lee",
        "Reception Teacher",
        "07700 900345",
        "Chinese man, 20s, 5'10\", slim",
        ("Black", "Volkswagen", "Polo", "DG70 STU"),
    ),
    (
        "Rukhsana Khan",
        "Deputy DSL",
        "07700 900567",
        "Asian woman, 40s, 5'3\", headscarf",
        ("White", "Nissan", "Micra", "EH21 VWX"),
    ),
    (
        "Luke Wood",
        "Teaching Assistant",
        "07700 900678",
        "White man, 30s, 5'11\", beard",
        ("Green", "Skoda", "Fabia", "FJ15 YZA"),
    ),
    (
        "Amara Jones",
        "Reception Teacher",
        "07700 900789",
        "Black woman, 30s, 5'7\", braids",
        ("Grey", "Honda", "Jazz", "GK66 BCD"),
    ),
    (
        "Bethan Smith",
        "Early Years TA",
        "07700 900890",
        "White woman, 20s, 5'5\", red hair",
        ("", "", "", ""),
    ),
    (
        "Zoë Brontë-Núñez",
        "SENCo",
        "07700 900901",
        "Mixed-race woman, 40s, 5'8\", curly hair",
        ("Yellow", "Fiat", "500", "HL17 EFG"),
    ),
]

STREETS = [
    "Hill Street",
    "Oak Road",
    "Elm Close",
    "Park Road",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Harborne Park Road",
    "Lordswood Road",
    "War Lane",
    "Serpentine Road",
    "Gordon Road",
    "Metchley Lane",
    "Court Oak Road",
    "Ravenhurst Road",
]
POSTCODES = ["B17 0AB", "B17 8QE", "B17 9NS", "B32 2SA", "B15 3TR", "B16 9PA", "B17 0PD", "B32 3LD"]
FAMILIES = [
    "Begum",
    "Campbell",
    "Davies",
    "Evans",
    "Fernandes",
    "Green",
    "Hussain",
    "Ibrahim",
    "Jackson",
    "Kowalski",
    "Li",
    "Mahmood",
    "Nowak",
    "O'Connor",
    "Popescu",
    "Quinn",
    "Rahman",
    "Singh",
    "Thompson",
    "Uddin",
    "Walker",
    "Yilmaz",
    "Zhang",
    "Murphy",
    "Ali",
    "Brown",
    "Clarke",
    "Dunne",
    "Edwards",
    "Françoise",
]
FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Grace",
    "Harry",
    "Isla",
    "Jake",
    "Kai",
    "Lily",
    "Musa",
    "Nia",
    "Oscar",
    "Priya",
    "Reuben",
    "Sofia",
    "Theo",
    "Zara",
]
YEARS = ["Nursery", "Reception", "Year 1", "Year 2", "Year 3", "Year 4", "Year 5", "Year 6"]
RISKS = [
    (RiskKind.ANIMALS, "Large dog, kept in the garden when asked"),
    (RiskKind.AGGRESSION, "Mother's partner verbally aggressive to staff (2025)"),
    (RiskKind.OTHER_SERVICES, "Early Help involved; keyworker aware of visits"),
    (RiskKind.UNEXPECTED_ADULTS, "Lodgers in the house; not known to school"),
    (RiskKind.INTOXICATION, "Father found intoxicated at a previous visit"),
]


DEMO_FLAGGED = frozenset({5})  # pupils with a safeguarding flag (by their order in the demo)
DEMO_PUPILS = 40


def demo_upn(number: int) -> str:
    """A UPN-shaped identifier (letter, 11 digits, check letter) for the demo's n-th pupil."""
    return f"H{930_000_000_00 + number:011d}A"


def demo_attendance_csv(today: date, weeks: int = 14) -> str:
    """Marks up to yesterday as a MIS would export them, with the patterns the triggers look for:
    a third day of unexplained absence (pupil 1), a first day for a pupil with a safeguarding flag
    (5), a second day that is not yet a trigger (9), and low attendance (every 7th from 3)."""
    rng = random.Random(12)
    start = today - timedelta(weeks=weeks)
    half_term = {start + timedelta(weeks=6, days=d) for d in range(5)}
    days = [
        start + timedelta(days=n)
        for n in range((today - start).days)
        if (start + timedelta(days=n)).weekday() < 5 and start + timedelta(days=n) not in half_term
    ]
    endings = {1: 3, 5: 1, 9: 2}
    lines = ["UPN,Admission number,Date,Session,Mark"]
    for number in range(DEMO_PUPILS):
        for index, day in enumerate(days):
            left = len(days) - index
            if left <= endings.get(number, 0):
                am = pm = "N"
            elif number % 7 == 3 and rng.random() < 0.18:
                am = pm = rng.choice(["I", "O", "N", "G"])
            elif rng.random() < 0.03:
                am = pm = rng.choice(["I", "M"])
            else:
                am, pm = ("L" if rng.random() < 0.05 else "/"), "\\"
            for session, mark in (("AM", am), ("PM", pm)):
                lines.append(
                    f"{demo_upn(number)},{1001 + number},{day.isoformat()},{session},{mark}"
                )
    return "\n".join(lines) + "\n"


def demo_loaded(db: Database) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(func.count(Staff.id))))


SAFE_WORDS = ["bluebell", "marmalade", "lighthouse", "tangerine", "snowdrop", "kestrel", "harbour"]
NOTES_BEFORE = [
    "",
    "Family expecting us; younger sibling at home",
    "Park on the main road; gate sticks",
    "Interpreter not needed; Mum prefers texts",
]
CANCEL_NOTES = {
    CancelReason.SAFETY_CONCERN: "Unknown adults at the door, appeared intoxicated",
    CancelReason.PARENT_NOT_PRESENT: "Waited 20 minutes; nobody came",
    CancelReason.STAFF_UNAVAILABLE: "Lead member of staff off sick",
    CancelReason.OTHER: "Pupil back in school before the visit",
}
Pair = tuple[int, int | None]
PAIR_CYCLE: list[Pair] = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 2), (3, 6), (1, 4), (5, 0)]
LAPSED = 7  # the member of staff whose DBS has lapsed (see _DemoSchool.add_staff)


def _pair_without_lapsed(pair: Pair) -> Pair:
    """The member of staff whose DBS has lapsed is never sent: 6 leads instead, 3 goes with."""
    if LAPSED in pair:
        return (pair[0] if pair[0] != LAPSED else 6, 3)
    return pair


class _DemoSchool:
    """The demo school written in one transaction: its staff and accounts, the families, and a
    fortnight of visits told through the same events as real use. One object, because every
    step shares the session, the seeded random numbers (drawn in one fixed order: the same seed
    gives the same school) and 'now'."""

    head: UserAccount  # the headteacher's account: she approves the visits

    def __init__(
        self, s: Session, rng: random.Random, now: datetime, policy: PolicySettings
    ) -> None:
        self.s, self.rng, self.now, self.policy = s, rng, now, policy
        self.today = london(now).date()
        self.staff: list[Staff] = []
        self.households: list[Household] = []
        self.pupils: dict[int, list[Pupil]] = {}
        self.known_kinds: dict[int, tuple[RiskKind, str]] = {}
        self.assessments: dict[int, RiskAssessment] = {}
        self.visits: list[Visit] = []
        self.purposes = [p for p in Purpose if p is not Purpose.OTHER]

    def load(self) -> None:
        head_staff = self.add_staff()
        self.add_lone_working()
        self.head = self.add_users(head_staff)
        self.add_households()
        self.add_pupils_and_risks()
        hidx = self.past_week()
        self.out_now()
        self.coming_week(hidx)
        self.requests_to_weigh()

    def ev(
        self,
        kind: str,
        at: datetime,
        who: str,
        visit: Visit | None = None,
        note: str = "",
        **data: object,
    ) -> None:
        """One audit event, as the services would have recorded it."""
        self.s.add(
            Event(
                at=at,
                kind=kind,
                user_name=who,
                visit_id=visit.id if visit else None,
                note=note,
                data=data,
            )
        )

    # --- people ---------------------------------------------------------------------------------
    def add_staff(self) -> Staff:
        """The visiting staff, one whose DBS has lapsed, one who has left, and the headteacher
        (returned: her mobile is step 3 of the escalation ladder)."""
        s, rng, now = self.s, self.rng, self.now
        for name, title, mobile, desc, (colour, make, model, reg) in STAFF:
            st = Staff(
                name=name,
                job_title=title,
                mobile="+44" + mobile.replace(" ", "")[1:],
                email=name.split()[0].lower() + "@school.example",
                description=desc,
                dbs_type="Enhanced with barred list",
                dbs_date=(now - timedelta(days=rng.randint(60, 900))).date(),
                lone_working_training_date=(now - timedelta(days=rng.randint(30, 300))).date(),
                vehicle_make=make,
                vehicle_model=model,
                vehicle_registration=reg,
                vehicle_colour=colour,
                business_insurance=bool(make),
                active=True,
                created_at=now - timedelta(days=400),
            )
            s.add(st)
            self.staff.append(st)
        self.staff[LAPSED].dbs_date = (now - timedelta(days=365 * 4)).date()
        leaver = Staff(
            name="Gareth Price",
            job_title="Attendance Officer (left)",
            mobile="+447700900111",
            created_at=now - timedelta(days=800),
            active=False,
        )
        s.add(leaver)
        head_staff = Staff(
            name="Linda Francis",
            job_title="Headteacher",
            mobile="+447700900999",
            email="head@school.example",
            description="White woman, 50s, 5'6\", short grey hair",
            dbs_type="Enhanced with barred list",
            dbs_date=(now - timedelta(days=200)).date(),
            created_at=now - timedelta(days=900),
            active=True,
        )
        s.add(head_staff)
        s.flush()
        self.ev("demo_loaded", now, "Demo loader", note=f"{len(self.staff) + 2} staff")
        return head_staff

    def add_lone_working(self) -> None:
        """Signed lone working assessments (with safe words) for the first seven staff."""
        for st in self.staff[:7]:
            self.s.add(
                LoneWorkingAssessment(
                    staff_id=st.id,
                    mobile=st.mobile,
                    safe_word=self.rng.choice(SAFE_WORDS),
                    signed_on=(self.now - timedelta(days=self.rng.randint(10, 200))).date(),
                    hazards=ST_HUGHS_HAZARDS,
                    created_at=self.now - timedelta(days=10),
                    created_by="Linda Francis",
                )
            )

    def add_users(self, head_staff: Staff) -> UserAccount:
        """One account per role, all with the demo password; the headteacher's is returned (she
        approves the visits)."""
        users = [
            ("office", "Sam Office", Role.OFFICE, None, ""),
            ("head", "Linda Francis", Role.APPROVER, head_staff.id, "Headteacher"),
            ("jpatel", "Jasmin Patel", Role.VISITOR, self.staff[0].id, ""),
            ("admin", "IT Admin", Role.ADMIN, None, ""),
        ]
        pw = hash_password(DEMO_PASSWORD)
        user_rows = {}
        for username, display, role, staff_id, title in users:
            u = UserAccount(
                username=username,
                display_name=display,
                role=role.value,
                password_hash=pw,
                staff_id=staff_id,
                approver_title=title,
                created_at=self.now - timedelta(days=400),
            )
            self.s.add(u)
            user_rows[username] = u
        self.s.flush()
        return user_rows["head"]

    # --- families -------------------------------------------------------------------------------
    def add_households(self) -> None:
        """Thirty families around Harborne; every sixth has a social worker, the last has left."""
        rng = self.rng
        for i, family in enumerate(FAMILIES):
            number = rng.randint(1, 180)
            flat = f"Flat {rng.randint(1, 12)}, " if i % 7 == 3 else ""
            h = Household(
                name=f"{family} family",
                address=f"{flat}{number} {STREETS[i % len(STREETS)]}\nHarborne\nBirmingham",
                postcode=POSTCODES[i % len(POSTCODES)],
                phone=f"+44121496{i:04d}",
                parents_carers=f"{rng.choice(['Mrs', 'Mr', 'Ms'])} {family} (parent)",
                social_worker_name="Dana Whitfield" if i % 6 == 0 else "",
                social_worker_phone="+441214960999" if i % 6 == 0 else "",
                notes="Prefers morning visits" if i % 5 == 0 else "",
                active=i != 29,
                created_at=self.now - timedelta(days=300),
            )
            self.s.add(h)
            self.households.append(h)
        self.s.flush()

    def add_pupils_and_risks(self) -> None:
        """One pupil a family (two in every third), with UPNs the demo attendance file uses, and
        a known risk recorded for every fourth family."""
        for i, h in enumerate(self.households):
            kids = []
            for k in range(1 + (i % 3 == 0)):
                number = sum(len(ks) for ks in self.pupils.values()) + k
                p = Pupil(
                    household_id=h.id,
                    name=f"{FIRST[(i * 3 + k) % len(FIRST)]} {FAMILIES[i]}",
                    year_group=YEARS[(i + k * 2) % len(YEARS)],
                    upn=demo_upn(number),
                    admission_number=str(1001 + number),
                    safeguarding_flag=number in DEMO_FLAGGED,
                )
                self.s.add(p)
                kids.append(p)
            self.pupils[h.id] = kids
            if i % 4 == 0:
                kind, text = RISKS[(i // 4) % len(RISKS)]
                self.known_kinds[h.id] = (kind, text)
                self.s.add(
                    KnownRisk(
                        household_id=h.id,
                        kind=kind.value,
                        description=text,
                        recorded_at=self.now - timedelta(days=100 - i),
                        recorded_by="Rukhsana Khan",
                    )
                )
        self.s.flush()

    def assessment_for(self, h: Household, at: datetime) -> RiskAssessment:
        """The family's one complete risk assessment, made the first time a visit needs it."""
        if h.id in self.assessments:
            return self.assessments[h.id]
        known = self.known_kinds.get(h.id)
        services = bool(h.social_worker_name) or (
            known is not None and known[0] is RiskKind.OTHER_SERVICES
        )
        raising = known is not None and known[0] in (RiskKind.AGGRESSION, RiskKind.INTOXICATION)
        answers = {
            k.value: {
                "present": bool(known and known[0] is k),
                "note": known[1] if known and known[0] is k else "",
                "new": False,
            }
            for k in ASSESSED_KINDS
        }
        other = known[1] if known and known[0] is RiskKind.OTHER_SERVICES else ""
        ra = RiskAssessment(
            household_id=h.id,
            status="complete",
            information={
                "cpoms_checked": True,
                "mis_checked": True,
                "other_services": services,
                "other_services_contacted": services,
                "social_worker": bool(h.social_worker_name),
                "social_worker_contacted": bool(h.social_worker_name),
                "notes": "",
            },
            known_risks={**answers, "_other": other},
            when_not_to_visit={k: False for k in WHEN_NOT_TO_VISIT},
            checklist={k: True for k in PERSONAL_SAFETY_CHECKLIST},
            overall_level="medium" if raising else "low",
            assessor_name="Jasmin Patel",
            assessed_at=at,
            created_at=at,
        )
        ra.hazards.extend(_hazards())
        self.s.add(ra)
        self.s.flush()
        self.assessments[h.id] = ra
        return ra

    # --- visits ---------------------------------------------------------------------------------
    def book(
        self, day: date, hh: int, mm: int, status: VisitStatus, pair: Pair, hidx: int
    ) -> Visit:
        """A visit at a London wall-clock time to the hidx-th family (the one who left skipped)."""
        start = from_london(datetime.combine(day, time(hh, mm)))
        return self.book_at(start, status, pair, self.households[hidx % 29])

    def book_at(self, start: datetime, status: VisitStatus, pair: Pair, h: Household) -> Visit:
        """Booked three days before, then taken through its lifecycle up to `status`."""
        v = self._new_visit(start, status, pair, h)
        booked = min(start - timedelta(days=3), self.now - timedelta(minutes=30))
        self.ev(EventKind.BOOKED, booked, "Sam Office", v)
        if status is VisitStatus.DRAFT:
            return v
        v.risk_assessment_id = self.assessment_for(h, booked).id
        self.ev(EventKind.SUBMITTED, booked + timedelta(minutes=5), "Sam Office", v)
        if status is VisitStatus.AWAITING_APPROVAL:
            return v
        decided = booked + timedelta(hours=2)
        if status is VisitStatus.REJECTED:
            v.approval_note = "Not necessary: family attending a meeting in school on Friday"
            self.ev(EventKind.REJECTED, decided, self.head.display_name, v, v.approval_note)
            return v
        v.approved_by_id, v.approved_at = self.head.id, decided
        v.approval_note = "Approved"
        self.ev(EventKind.APPROVED, decided, self.head.display_name, v, "Approved")
        if status is VisitStatus.CANCELLED:
            self._cancel(v, start)
        return v

    def _new_visit(self, start: datetime, status: VisitStatus, pair: Pair, h: Household) -> Visit:
        """The visit row as the booking dialog would save it (policy duration and travel)."""
        policy = self.policy
        lead = self.staff[pair[0]]
        comp = self.staff[pair[1]] if pair[1] is not None else None
        end = start + timedelta(minutes=policy.default_duration_min)
        purpose = self.purposes[len(self.visits) % len(self.purposes)]
        if comp is not None and "Reception" in comp.job_title:
            purpose = Purpose.INDUCTION
        v = Visit(
            household_id=h.id,
            pupil_id=self.pupils[h.id][0].id,
            purpose=purpose.value,
            announced=len(self.visits) % 5 != 0,
            planned_departure=start - timedelta(minutes=policy.default_travel_min),
            start=start,
            end=end,
            expected_return=end + timedelta(minutes=policy.default_travel_min),
            lead_staff_id=lead.id,
            companion_staff_id=comp.id if comp else None,
            vehicle_staff_id=lead.id if lead.vehicle_registration else (comp.id if comp else None),
            office_contact="Sam Office",
            status=status.value,
            pre_visit_notes=self.rng.choice(NOTES_BEFORE),
            created_at=start - timedelta(days=3),
            updated_at=start - timedelta(days=3),
        )
        if comp is None:
            v.lone_visit_reason = "Drop-off of work only; doorstep, no entry"
        self.s.add(v)
        self.s.flush()
        self.visits.append(v)
        return v

    def _cancel(self, v: Visit, start: datetime) -> None:
        """Cancelled after approval, for a reason drawn at random, with its note."""
        reason = self.rng.choice(list(CancelReason))
        v.cancel_reason = reason.value
        v.cancel_note = CANCEL_NOTES.get(reason, "Family asked to rearrange")
        v.cancelled_at = min(start, self.now)
        self.ev(
            EventKind.CANCELLED, v.cancelled_at, "Sam Office", v, v.cancel_note, reason=reason.value
        )

    def go_out(
        self,
        v: Visit,
        departed: datetime,
        *,
        arrived: bool,
        checkins: list[datetime],
        left: datetime | None = None,
        returned: datetime | None = None,
    ) -> None:
        """The tracker's events of a visit out: departed, arrived, check-ins, left, returned."""
        v.departed_at = departed
        self.ev(EventKind.DEPARTED, departed, "Sam Office", v)
        if arrived:
            v.arrived_at = departed + timedelta(minutes=12)
            self.ev(EventKind.ARRIVED, v.arrived_at, "Sam Office", v, "Phoned on arrival")
        for c in checkins:
            self.ev(EventKind.CHECKED_IN, c, "Sam Office", v, "All fine")
        if left:
            v.left_at = left
            self.ev(EventKind.LEFT_PROPERTY, left, "Sam Office", v, "Leaving now")
        if returned:
            v.returned_at = returned
            self.ev(EventKind.RETURNED, returned, "Sam Office", v)

    def past_week(self) -> int:
        """The past week and this morning: completed, cancelled, rejected, and the last school
        day's afternoon awaiting its write-up. Returns how many families were visited."""
        hidx = 0
        last_weekday = self.today - timedelta(days=1)
        while last_weekday.weekday() >= 5:
            last_weekday -= timedelta(days=1)
        for back in range(9, 0, -1):
            day = self.today - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            for slot, (hh, mm) in enumerate([(9, 15), (10, 30), (13, 30), (14, 45)]):
                hidx += 1
                pair = PAIR_CYCLE[(hidx + slot) % len(PAIR_CYCLE)]
                pair = _pair_without_lapsed(pair)
                roll = hidx % 10
                status = {
                    2: VisitStatus.CANCELLED,
                    6: VisitStatus.REJECTED,
                    8: VisitStatus.CANCELLED,
                }.get(roll, VisitStatus.COMPLETED)
                v = self.book(day, hh, mm, status, pair, hidx)
                if status is VisitStatus.COMPLETED:
                    self._visited(v)
                    if day == last_weekday and slot >= 2:
                        v.status = VisitStatus.RETURNED.value  # outcome still to write up
                        continue
                    self._written_up(v, day, pair, nobody=roll == 5)
        return hidx

    def _visited(self, v: Visit) -> None:
        """A past visit that went to plan: out on time, one check-in, home three minutes early."""
        self.go_out(
            v,
            v.planned_departure,
            arrived=True,
            checkins=[v.start + timedelta(minutes=10)],
            left=v.end,
            returned=v.expected_return - timedelta(minutes=3),
        )

    def _written_up(self, v: Visit, day: date, pair: Pair, *, nobody: bool) -> None:
        """The outcome recorded half an hour after return, and the visit completed."""
        lead = self.staff[pair[0]].name
        self.s.add(
            Outcome(
                visit_id=v.id,
                nobody_home=nobody,
                slip_left=nobody,
                summary="Nobody home; 'sorry you weren't in' slip left"
                if nobody
                else "Met parent; discussed attendance and morning routine",
                agreements="" if nobody else "Pupil to arrive by 8:45; alarm clock provided",
                follow_up_date=day + timedelta(days=14) if not nobody else None,
                recorded_by=(v.lead_staff_id and lead) or "",
                recorded_at=v.expected_return + timedelta(minutes=30),
            )
        )
        self.ev(EventKind.OUTCOME_RECORDED, v.expected_return + timedelta(minutes=30), lead, v)
        self.ev(EventKind.COMPLETED, v.expected_return + timedelta(minutes=31), "Sam Office", v)

    def out_visit(
        self,
        pair: Pair,
        hi: int,
        started_ago: int,
        status: VisitStatus,
        checkin_ago: list[int],
        left_ago: int | None = None,
    ) -> Visit:
        """A visit out now, its times relative to 'now' (minutes ago)."""
        now = self.now
        start = now - timedelta(minutes=started_ago)
        v = self.book_at(
            start.replace(second=0, microsecond=0),
            VisitStatus.APPROVED,
            pair,
            self.households[hi],
        )
        v.status = status.value
        self.go_out(
            v,
            v.planned_departure,
            arrived=status is not VisitStatus.OUT,
            checkins=[now - timedelta(minutes=m) for m in checkin_ago],
            left=now - timedelta(minutes=left_ago) if left_ago is not None else None,
        )
        return v

    def out_now(self) -> None:
        """Out now, relative to the real time, so the tracker has something live to show."""
        self.out_visit((2, 3), 4, 10, VisitStatus.ON_SITE, [5])  # all fine, on site
        self.out_visit((4, 5), 8, -10, VisitStatus.OUT, [])  # just left school
        self.out_visit((6, 1), 12, 50, VisitStatus.LEFT_PROPERTY, [20], left_ago=4)  # coming back
        v = self.out_visit((0, 8), 0, 150, VisitStatus.ON_SITE, [135])  # check-in lapsed (60 min)
        v.end = v.start + timedelta(minutes=180)
        v.expected_return = v.end + timedelta(minutes=15)
        self.out_visit((5, 2), 16, 85, VisitStatus.LEFT_PROPERTY, [60], left_ago=40)  # overdue

    def coming_week(self, hidx: int) -> None:
        """Later today and the coming week: approved, awaiting approval, drafts."""
        for ahead in range(0, 8):
            day = self.today + timedelta(days=ahead)
            if day.weekday() >= 5:
                continue
            for slot, (hh, mm) in enumerate([(9, 30), (11, 0), (13, 45), (15, 0)]):
                start = from_london(datetime.combine(day, time(hh, mm)))
                if start <= self.now + timedelta(minutes=30):
                    continue
                hidx += 1
                roll = hidx % 6
                status = {
                    0: VisitStatus.AWAITING_APPROVAL,
                    1: VisitStatus.DRAFT,
                    5: VisitStatus.AWAITING_APPROVAL,
                }.get(roll, VisitStatus.APPROVED)
                pair = PAIR_CYCLE[(hidx + slot) % len(PAIR_CYCLE)]
                pair = _pair_without_lapsed(pair)
                self.book(day, hh, mm, status, pair, hidx)

    def requests_to_weigh(self) -> None:
        """An evening visit request and a lone visit request for the approver to weigh."""
        v = self.book(
            self.today + timedelta(days=2), 18, 30, VisitStatus.AWAITING_APPROVAL, (2, 4), 21
        )
        v.out_of_hours_reason = "Father works days; only evening contact possible"
        v.responsible_contact = "Linda Francis 07700 900999"
        self.book(
            self.today + timedelta(days=3), 12, 0, VisitStatus.AWAITING_APPROVAL, (0, None), 22
        )


def _hazards() -> list[RiskHazard]:
    """St Hugh's hazard table, rated, as every demo assessment carries it."""
    rows = []
    for pos, hz in enumerate(ST_HUGHS_HAZARDS):
        sev, lik = int(hz["severity"]), int(hz["likelihood"])  # type: ignore[call-overload]
        rows.append(
            RiskHazard(
                position=pos,
                hazard=str(hz["hazard"]),
                people=str(hz["people"]),
                severity=sev,
                likelihood=lik,
                level=rate(sev, lik).value,
                severity_text=str(hz["severity_text"]),
                controls=str(hz["controls"]),
            )
        )
    return rows


def load_demo(
    db: Database, clock: Clock, *, seed: int = 7, preset_name: str = "harborne"
) -> dict[str, int]:
    """Fill an empty database with the demo school. Refuses a database that already has staff."""
    if demo_loaded(db):
        raise RuntimeError(
            "This database already has staff; the demo only loads into an empty one."
        )
    rng = random.Random(seed)
    now = clock.now()
    actor = Actor(None, "Demo loader", Role.ADMIN.value)
    settings = SettingsService(db, clock)
    settings.save_policy(actor, preset(preset_name))
    settings.save_school(
        actor,
        {
            "phone": "+441214960123",
            "address": "Harborne Park Road, Birmingham B17 0BS",
            "logo_path": "",
        },
    )
    with db.transaction() as s:
        _DemoSchool(s, rng, now, preset(preset_name)).load()
    AttendanceService(db, clock).import_text(
        actor, demo_attendance_csv(london(now).date()), "demo attendance.csv"
    )
    with db.read() as s2:
        return {
            "staff": s2.scalar(select(func.count(Staff.id))) or 0,
            "households": s2.scalar(select(func.count(Household.id))) or 0,
            "visits": s2.scalar(select(func.count(Visit.id))) or 0,
        }
