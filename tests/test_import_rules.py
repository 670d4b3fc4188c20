"""The import rules of docs/architecture.md, read from the source: the domains form a tower
and a package never imports one above it; the foundation imports no domain; config imports
nothing of the school; only reports/ draws PDFs."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SCHOOL = Path(__file__).resolve().parent.parent / "school"

# Bottom to top: each may import the ones before it, never the ones after.
TOWER = ("auth", "cohorts", "internships", "certifications", "outcomes", "reports", "dashboard")
# Below every domain: they may import each other, never a domain (web and links: the user
# and role models of auth only, which every page and emailed link needs).
FOUNDATION = {
    "audit",
    "backup",
    "bulk",
    "csvfile",
    "database",
    "errors",
    "extensions",
    "formats",
    "links",
    "mail",
    "numbers",
    "pagination",
    "web",
}
MAY_USE_AUTH_MODELS = {"web", "links"}
# Wiring: they put the app together and may import anything.
WIRING = {"__init__", "cli", "demo", "models", "mail_cli", "backup_cli"}


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "school":
            yield from (f"school.{alias.name}" for alias in node.names)  # a module of school
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _part(module: str) -> str | None:
    """The top-level part of the school a dotted module belongs to (None: not the school's)."""
    parts = module.split(".")
    if parts[0] != "school":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _sources() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(SCHOOL.rglob("*.py")):
        relative = path.relative_to(SCHOOL)
        found.append((relative.parts[0].removesuffix(".py"), path))
    return found


def _broken_rules() -> list[str]:
    broken = []
    for part, path in _sources():
        where = path.relative_to(SCHOOL.parent)
        for module in _imports(path):
            if module.split(".")[0] == "reportlab" and part != "reports":
                broken.append(f"{where} draws a PDF ({module}): only reports/ does")
            target = _part(module)
            if target is None or target == part or part in WIRING:
                continue
            if part == "config":
                broken.append(f"{where} imports {module}: config imports nothing of the school")
            elif part in FOUNDATION and target in TOWER:
                if not (part in MAY_USE_AUTH_MODELS and module == "school.auth.models"):
                    broken.append(f"{where} imports {module}: the foundation imports no domain")
            elif part in TOWER and target in TOWER and TOWER.index(target) > TOWER.index(part):
                broken.append(f"{where} imports {module}: {part} is below {target}")
            elif part in TOWER and target in WIRING:
                broken.append(f"{where} imports {module}: a domain never imports the wiring")
    return broken


def test_every_part_of_the_school_is_placed_by_the_rules():
    placed = set(TOWER) | FOUNDATION | WIRING | {"config", "static", "templates"}
    assert {part for part, _ in _sources()} <= placed


def test_the_import_rules_hold():
    assert _broken_rules() == []


@pytest.mark.parametrize(
    ("part", "source", "expected"),
    [
        ("cohorts", "from school.internships.models import Placement", "cohorts is below"),
        ("config", "from school.outcomes.rates import RATES", "config imports nothing"),
        ("mail", "from school.cohorts.models import Cohort", "the foundation imports no domain"),
        ("outcomes", "from reportlab.lib import colors", "only reports/ does"),
    ],
)
def test_a_broken_rule_is_found(tmp_path, monkeypatch, part, source, expected):
    # The checker itself: a module that breaks each rule is reported.
    fake = tmp_path / "school"
    (fake / part).mkdir(parents=True)
    (fake / part / "bad.py").write_text(source + "\n")
    monkeypatch.setattr(f"{__name__}.SCHOOL", fake)
    [problem] = _broken_rules()
    assert expected in problem
