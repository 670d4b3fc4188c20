"""The demo school of ``flask demo`` (school/cli.py): a small believable school.

- data.py: the tables (accounts, programs, sites, names, jobs, results) and ``demo_email``
- load.py: ``load_demo``, the steps in order
- people.py: accounts, the running cohort's roster and invitations, imported logins
- cohorts.py: programs, the running and upcoming cohorts, grades, the past cohort
- externships.py: sites, agreements and the running cohort's placements
- exams.py: the exam-prep plan and CPC sittings of the running cohort
- graduation.py: the past cohort's externships and graduations
- outcomes.py: the graduates' jobs, CPC results and official transcripts
"""
