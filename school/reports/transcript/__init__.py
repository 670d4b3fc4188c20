"""Progress transcripts in two steps: :mod:`.data` reads a whole batch of enrollments into
frozen :class:`TranscriptData` in a fixed number of statements; :mod:`.pdf` renders one to
PDF bytes, a pure function of it (DESIGN.md §3 rule 5).

The names below are re-exported for importers outside ``school/reports/`` (the official
copies' migration test, ``bench/transcripts.py``); code inside the package imports from the
submodule that owns the name."""

from school.reports.transcript.data import (
    Official,
    TranscriptData,
    transcript_stem,
    transcripts_data,
)
from school.reports.transcript.pdf import render_transcript

__all__ = [
    "Official",
    "TranscriptData",
    "render_transcript",
    "transcript_stem",
    "transcripts_data",
]
