"""docs/bce-facts.md and the suite agree: every row names a test that checks it with its marker,
every fact-marked test has its row, and a real run's verdicts land in the "seen" column only."""

from __future__ import annotations

import ast
from pathlib import Path

from . import facts_table


def fact_tests() -> dict[str, str]:
    """fact id -> test function name, from the suite's source."""
    found: dict[str, str] = {}
    for path in Path(__file__).parent.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    if (
                        isinstance(decorator, ast.Call)
                        and isinstance(decorator.func, ast.Attribute)
                        and decorator.func.attr == "fact"
                    ):
                        found[ast.literal_eval(decorator.args[0])] = node.name
    return found


def test_every_fact_has_its_test_and_every_test_its_fact() -> None:
    table = {row["id"]: row["test"] for row in facts_table.rows()}
    assert table and table == fact_tests()


def test_verdicts_are_written_into_the_seen_column_only() -> None:
    text = facts_table.TABLE.read_text()
    first = facts_table.rows(text)[0]
    written = facts_table.with_verdicts(text, {first["id"]: "contradicted: HTTP 400 | x"}, "2026-12-07", "gz")
    row = facts_table.rows(written)[0]
    assert row == {**first, "seen": "2026-12-07 gz: contradicted: HTTP 400 / x"}
    assert facts_table.rows(written)[1:] == facts_table.rows(text)[1:]
    assert written.replace(row["seen"], first["seen"], 1) == text
