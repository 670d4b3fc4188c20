"""The demo school's tables: accounts, programs, sites, names, grades, jobs and results.

Data only (and :func:`demo_email`, which the tables use); the loaders of this package read
them in order, so that every ``flask demo`` builds the same school.
"""

from __future__ import annotations

import unicodedata

from school.auth.models import Role
from school.cohorts.services import ProgramData
from school.internships.models import SettingType

DEMO_PASSWORD = "coding-demo-2026"  # noqa: S105 (published demo login)

DEMO_USERS = [
    (Role.ADMIN, "Dana Whitfield", "registrar@demo.school"),
    (Role.ADMIN, "Marcus Bell", "careers@demo.school"),
    (Role.INSTRUCTOR, "Priya Raman, CPC, CRC", "p.raman@demo.school"),
    (Role.INSTRUCTOR, "Tom Okafor, CCS, RHIT", "t.okafor@demo.school"),
    (Role.STUDENT, "Alicia Moreno", "alicia.moreno@demo.school"),
    (Role.STUDENT, "Ben Carter", "ben.carter@demo.school"),
    (Role.STUDENT, "Chloe Nguyen", "chloe.nguyen@demo.school"),
    (Role.STUDENT, "Darnell Price", "darnell.price@demo.school"),
    (Role.EMPLOYER, "Grace Liu", "g.liu@mercy-general.demo.school"),
    (Role.EMPLOYER, "Omar Haddad", "o.haddad@lakeside-clinic.demo.school"),
]


def demo_email(first: str, last: str) -> str:
    """A demo student's address from their name, accents transliterated the way people
    write them in an address: María José Gómez -> maria.jose.gomez@demo.school."""
    name = unicodedata.normalize("NFKD", f"{first} {last}")
    name = "".join(c for c in name if not unicodedata.combining(c))
    local = ".".join(name.lower().replace("'", "").split())
    return local.encode("ascii", "ignore").decode() + "@demo.school"


# Students who came in by roster import and were given the demo password too, so that each
# state of a student's own pages can be tried: a graduate with a job, a CPC-A and an official
# transcript; a graduate whose copy sent to the wrong office was revoked; a student who
# withdrew; one who withdrew and came back (two enrollments).
DEMO_IMPORTED_LOGINS = [
    (Role.STUDENT, "Angela Martínez", demo_email("Angela", "Martínez")),
    (Role.STUDENT, "Eun-ji Park", demo_email("Eun-ji", "Park")),
    (Role.STUDENT, "Destiny Jackson", demo_email("Destiny", "Jackson")),
    (Role.STUDENT, "Leticia Ortiz", demo_email("Leticia", "Ortiz")),
]

# Every demo account that signs in with DEMO_PASSWORD.
DEMO_LOGINS = DEMO_USERS + DEMO_IMPORTED_LOGINS


DEMO_PROGRAMS = [
    (
        ProgramData(
            code="MBC-DIP",
            name="Medical Billing and Coding Diploma",
            target_credential="CPC",
            clock_hours=720,
            externship_hours=160,
        ),
        [
            ("MT101", "Medical Terminology", "3", 45),
            ("AP101", "Anatomy and Physiology", "4", 60),
            ("PATH110", "Pathophysiology", "3", 45),
            ("ICD201", "ICD-10-CM Diagnosis Coding", "4", 60),
            ("PCS202", "ICD-10-PCS Procedure Coding", "3", 45),
            ("CPT203", "CPT Procedure Coding", "4", 60),
            ("HCP204", "HCPCS Level II", "2", 30),
            ("REI210", "Reimbursement Methodologies", "3", 45),
            ("CMP220", "Compliance, HIPAA and Ethics", "2", 30),
            ("EHR120", "EHR and Computer Skills", "2", 30),
            ("CPC290", "CPC Exam Review", "3", 45),
        ],
    ),
    (
        ProgramData(
            code="CPC-PREP",
            name="CPC Exam Preparation Certificate",
            target_credential="CPC",
            clock_hours=180,
        ),
        [
            ("GDL101", "Coding Guidelines Review", "2", 40),
            ("ICD110", "ICD-10-CM Review", "2", 40),
            ("CPT120", "Advanced CPT Case Practice", "2", 50),
            ("MOCK190", "Timed Mock Exams", "1", 50),
        ],
    ),
]


DEMO_PLAN = [
    ("task", "Coding guidelines review (ICD-10-CM Section I)", True),
    ("task", "CPC exam registered with AAPC", True),
    ("practice_exam", "Practice exam: 50 questions", False),
    ("mock_exam", "Timed mock exam 1 (100 questions, 4 hours)", True),
    ("mock_exam", "Timed mock exam 2", True),
    ("mock_exam", "Timed mock exam 3", True),
]


DEMO_SITES = [
    # name, setting, address, contact, supervisor email, agreement signed / expires (days)
    ("Mercy General Hospital HIM", SettingType.HOSPITAL, "400 Mercy Way, Springfield",
     "Grace Liu", "g.liu@mercy-general.demo.school", -400, 330),
    ("Lakeside Family Practice", SettingType.PHYSICIAN_OFFICE, "12 Shore Rd, Lakeside",
     "Omar Haddad", "o.haddad@lakeside-clinic.demo.school", -300, 20),
    ("CodeRight Remote Coding", SettingType.CODING_COMPANY, "Remote", "Ines Park", None, -200, 500),
    ("Riverside Nursing Center", SettingType.NURSING, "8 Elm St, Riverside", "Al Moore", None,
     -800, -35),
]  # fmt: skip


DEMO_ROSTER_NAMES = [
    ("Fatima", "Al-Sayed"), ("Jamal", "Brooks"), ("Siobhán", "O'Connor"), ("Minh", "Tran"),
    ("Rosa", "Delgado"), ("Kevin", "Walsh"), ("Aisha", "Bello"), ("Lukas", "Schmidt"),
    ("Priscilla", "Owusu"), ("Hiroshi", "Tanaka"), ("Maria José", "Gómez"), ("Tyler", "Reed"),
    ("Nadia", "Petrova"), ("Samuel", "Adeyemi"), ("Emily", "Chen"), ("José", "Ramírez"),
]  # fmt: skip


# Three assessments per course, as most of the demo school's instructors set them up.
DEMO_ASSESSMENTS = (("Quizzes", "20", "50"), ("Assignments", "30", "100"), ("Exams", "50", "100"))


# The diploma's previous start, which graduated in the last completed reporting year: the
# figures of /admin/outcomes and the follow-up list of /admin/graduates.
DEMO_PAST_NAMES = [
    ("Angela", "Martínez"), ("Brian", "Kowalski"), ("Destiny", "Jackson"), ("Eun-ji", "Park"),
    ("Francisco", "Silva"), ("Gabrielle", "Dubois"), ("Hassan", "Rahimi"), ("Ivy", "Thompson"),
    ("Jerome", "Washington"), ("Kateryna", "Bondarenko"), ("Leticia", "Ortiz"), ("Connor", "Lee"),
    ("Naomi", "Goldberg"), ("Oluwaseun", "Adebayo"),
]  # fmt: skip

# Who left: student (index above), weeks after the start, reason, re-entered the running
# cohort. Destiny left before the reporting year, Leticia during it.
DEMO_PAST_WITHDRAWALS = [
    (2, 12, "Financial hardship: lost her childcare arrangement", False),
    (10, 30, "Family caregiving (a parent's illness); plans to return next year", True),
]

# Externships of the graduates, the last six weeks of the cohort: site, days late in starting
# (Ivy and Naomi finished their hours after the others and graduated later).
DEMO_PAST_EXTERNSHIPS = {
    0: ("Mercy General Hospital HIM", 0), 1: ("Lakeside Family Practice", 0),
    3: ("Lakeside Family Practice", 0), 4: ("Mercy General Hospital HIM", 0),
    5: ("Lakeside Family Practice", 0), 6: ("Mercy General Hospital HIM", 0),
    7: ("Lakeside Family Practice", 21), 8: ("Lakeside Family Practice", 0),
    9: ("Mercy General Hospital HIM", 0), 11: ("Mercy General Hospital HIM", 0),
    12: ("Lakeside Family Practice", 35), 13: ("Mercy General Hospital HIM", 0),
}  # fmt: skip

# Jobs: graduate, first day (days after graduating), then as JobData: employer, title, setting,
# classification, hours, remote, yearly salary, employer's email, how the school knows.
# Francisco holds two; Hassan works in a related field, Ivy outside the field.
DEMO_JOBS = [
    (0, 24, "Mercy General Hospital", "Medical Coder I", "hospital_him", "in_field", "full",
     False, "46,500", "hr@mercy-general.demo.school", "documents"),
    (1, 38, "Lakeside Family Practice", "Billing and Coding Specialist", "physician_office",
     "in_field", "full", False, "41,000", "office@lakeside-clinic.demo.school", "self_report"),
    (3, 52, "CodeRight Remote Coding", "Coding Specialist", "coding_company", "in_field", "full",
     True, "49,000", "people@coderight.demo.school", "documents"),
    (4, 31, "St. Anne's Hospital", "Outpatient Coder", "hospital_him", "in_field", "full", False,
     "43,000", "", "documents"),
    (4, 80, "CodeRight Remote Coding", "Coding Specialist (weekends)", "coding_company",
     "in_field", "part", True, "", "people@coderight.demo.school", "self_report"),
    (5, 45, "Valley Orthopedic Associates", "Coding Specialist", "physician_office", "in_field",
     "full", False, "42,500", "", "self_report"),
    (6, 30, "Mercy General Hospital", "Patient Access Representative", "hospital_him",
     "related_field", "full", False, "38,500", "hr@mercy-general.demo.school", "documents"),
    (7, 12, "Springfield Public Library", "Customer Service Clerk", "government_agency",
     "unrelated", "part", False, "", "", "self_report"),
]  # fmt: skip

# Documented unavailable for employment: graduate, reason, document dated (days after
# graduating), what documents it.
DEMO_UNAVAILABLE = [
    (8, "military", 58,
     "Enlisted in the U.S. Army, basic training from January; enlistment contract seen by "
     "M. Bell"),
    (9, "continuing_education", 75,
     "Full-time student in the HIT associate degree (RHIT track) at Springfield Community "
     "College; enrollment verification letter on file"),
]  # fmt: skip

# CPC sittings after graduating: graduate, [(days after graduating, result, score)]. Brian
# failed, then passed; Hassan failed and has not sat again; Naomi, Ivy and Jerome have not sat.
DEMO_PAST_ATTEMPTS = [
    (0, [(26, "passed", "81")]),
    (1, [(21, "failed", "66"), (84, "passed", "74")]),
    (3, [(35, "passed", "88")]),
    (4, [(42, "passed", "77")]),
    (5, [(28, "passed", "79")]),
    (6, [(49, "failed", "63")]),
    (9, [(56, "passed", "85")]),
    (11, [(70, "passed", "72")]),
    (13, [(63, "passed", "80")]),
]


DEMO_OFFICIAL = [
    (0, "Mercy General Hospital, Human Resources", "Employment verification"),
    (3, "Lakeside Family Practice", "Employment verification"),
    (3, "Lakeside Family Practice, Billing Office", "Employment verification"),
]


# Gabrielle coded for two years in a billing office before the program: her CPC came without
# the apprentice designation. Every other graduate who passed is a CPC-A.
DEMO_EXPERIENCED = {5}

# The two cohorts of the diploma and the certificate: code prefix, program, weeks from today
# to the start (the diploma ten weeks in, the certificate six weeks away), length in weeks,
# instructor.
DEMO_COHORTS = [
    ("MBC", "01", "MBC-DIP", -10, 40, "p.raman@demo.school"),
    ("CPC", "02", "CPC-PREP", 6, 12, "t.okafor@demo.school"),
]

# Exam-prep steps done by the running cohort's first students (index in the running cohort):
# (step of DEMO_PLAN, days ago, score).
DEMO_PREP_PROGRESS = {
    0: [(0, 30, ""), (1, 20, ""), (2, 18, "64"), (3, 14, "74"), (4, 7, "81")],
    1: [(0, 28, ""), (2, 20, "55"), (3, 12, "71"), (4, 5, "66")],
    2: [(0, 25, ""), (1, 15, "")],
}

# The running cohort's placements: student (index in the running cohort; 3 is Rosa Delgado,
# who came by the roster), site, supervisor, days logged so far.
DEMO_PLACEMENTS = [
    (0, "Mercy General Hospital HIM", "g.liu@mercy-general.demo.school", 12),
    (1, "Lakeside Family Practice", "o.haddad@lakeside-clinic.demo.school", 5),
    (2, "Mercy General Hospital HIM", "g.liu@mercy-general.demo.school", 0),
    (3, "Lakeside Family Practice", "o.haddad@lakeside-clinic.demo.school", 14),
]

# What the running cohort's externs logged, day after day in turn.
DEMO_LOG_WORK = [
    "Coded emergency department charts (ICD-10-CM, E/M levels)",
    "Abstracted inpatient records; reviewed PCS procedure codes",
    "Worked the claim denial queue with the billing team",
    "Audited outpatient surgery charts against op notes",
]

# What the past cohort's externs logged, day after day in turn.
DEMO_PAST_LOG_WORK = [
    "Coded outpatient visits (E/M levels, ICD-10-CM)",
    "Abstracted inpatient charts; assigned PCS codes for review",
    "Charge entry and claim scrubber edits with the billing team",
    "Worked denials: corrected modifiers and resubmitted claims",
]
