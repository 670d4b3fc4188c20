"""Files split along their topics (issue 15): no Python module in school/ over 450 lines and
no function over 80, so that a module reads as one topic and a function as one step."""

import ast
from pathlib import Path

SCHOOL = Path(__file__).resolve().parent.parent / "school"
MODULE_LINES = 450
FUNCTION_LINES = 80


def test_no_module_is_past_the_split_point():
    sizes = {
        str(path.relative_to(SCHOOL.parent)): len(path.read_text().splitlines())
        for path in SCHOOL.rglob("*.py")
    }
    assert sizes and max(sizes.values()) > 0
    over = {name: lines for name, lines in sizes.items() if lines > MODULE_LINES}
    assert not over, over


def test_no_function_is_past_the_split_point():
    over = []
    for path in sorted(SCHOOL.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES:
                    over.append(
                        f"{path.relative_to(SCHOOL.parent)}:{node.lineno} {node.name} {lines}"
                    )
    assert not over, over
