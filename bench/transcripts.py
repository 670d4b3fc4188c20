"""Batch official transcripts against a bare ReportLab reference (DESIGN.md §8: at least the
reference's documents per second).

    .venv/bin/python bench/transcripts.py [--docs 200] [--batch 50] [--database-url URL]

Without ``--database-url`` a fresh SQLite file is generated (bench/generate.py, 2,000
students); a PostgreSQL URL must name an empty database. Then, side by side in one run:

- **reference**: the same transcripts' content, already in memory, rendered by ReportLab with
  its own QR widget (``reportlab.graphics.barcode.qr.QrCodeWidget``), nothing else;
- **school**: ``issue_official`` in batches from the database: one read per batch, render
  with the QR code drawn as one path, SHA-256, the transcript and disclosure rows, commit.

Both render the same pages (fonts, tables, watermark-free official layout); the figure is
documents per second over ``--docs`` documents, after one warm-up document each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET_KEY = "bench-generator-secret-key"  # noqa: S105 (a throwaway database)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    os.environ["SCHOOL_ENV"] = "development"
    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"

    from flask_migrate import upgrade
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from sqlalchemy import select

    import bench.generate as generate
    import school.reports.transcript as transcript
    from school import create_app
    from school.cohorts.models import Enrollment
    from school.database import utcnow
    from school.extensions import db
    from school.reports import services

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET_KEY,
            "EXTERNAL_URL": "https://records.example.edu",
        }
    )
    with app.app_context():
        upgrade()
        if db.session.scalar(select(Enrollment.id).limit(1)) is None:
            print("Generating a school (2,000 students):")
            generate.generate(2000, 40, 7, hour_logs=20_000, grades=10_000)
        ids = list(
            db.session.scalars(select(Enrollment.id).order_by(Enrollment.id).limit(args.docs + 1))
        )
        n = len(ids) - 1

        # Reference: content in memory, ReportLab's QR widget.
        data = transcript.transcripts_data(ids, utcnow())

        class WidgetQR(Drawing):
            def __init__(self, value: str, size: float = 72) -> None:
                widget = QrCodeWidget(value)
                x1, y1, x2, y2 = widget.getBounds()
                super().__init__(
                    size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0]
                )
                self.add(widget)

        fast_qr = transcript.pdf.QRCode
        transcript.pdf.QRCode = WidgetQR  # type: ignore[misc,assignment]
        try:

            def reference(eid: int, i: int) -> bytes:
                serial = f"TR-REF{i:03d}"
                official = transcript.Official(
                    serial, "Registrar", "Benchmark", f"https://records.example.edu/verify/{serial}"
                )
                return transcript.render_transcript(data[eid].with_official(official))

            reference(ids[0], 0)  # warm-up
            start = time.perf_counter()
            pages = 0
            for i, eid in enumerate(ids[1:], start=1):
                pages += services.page_count(reference(eid, i))
            ref_seconds = time.perf_counter() - start
        finally:
            transcript.pdf.QRCode = fast_qr  # type: ignore[misc]

        # School: from the database, with hash and rows, committed per batch.
        req = services.Request("Registrar", "Benchmark", "the school")
        warm = db.session.get(Enrollment, ids[0])
        services.issue_official([warm], req, by=None)
        db.session.commit()
        start = time.perf_counter()
        ours_pages = 0
        for k in range(1, len(ids), args.batch):
            chunk = list(
                db.session.scalars(
                    select(Enrollment).where(Enrollment.id.in_(ids[k : k + args.batch]))
                )
            )
            for item in services.issue_official(chunk, req, by=None):
                ours_pages += item.transcript.pages
            db.session.commit()
        ours_seconds = time.perf_counter() - start

    ref_rate, ours_rate = n / ref_seconds, n / ours_seconds
    print(
        f"\n{n} official transcripts ({pages} pages reference, {ours_pages} pages school), "
        f"batch {args.batch}, {url.split(':')[0].split('+')[0]}\n"
    )
    print("| pipeline | seconds | documents/s | ms/document |\n|---|---:|---:|---:|")
    print(
        f"| bare ReportLab, QR widget, from memory | {ref_seconds:.2f} | {ref_rate:.1f} | "
        f"{1000 / ref_rate:.1f} |"
    )
    print(
        f"| school: database → PDF + QR path + SHA-256 + rows | {ours_seconds:.2f} | "
        f"{ours_rate:.1f} | {1000 / ours_rate:.1f} |"
    )
    print(f"\nratio school / reference = {ours_rate / ref_rate:.2f} (target ≥ 1.00)")
    tmp.cleanup()


if __name__ == "__main__":
    main()
