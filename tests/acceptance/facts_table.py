"""docs/bce-facts.md's table of facts: read by the suite (which test checks which fact) and
rewritten by a real run (the "seen" column: date, region, verdict)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

TABLE = Path(__file__).resolve().parents[2] / "docs" / "bce-facts.md"
START = "<!-- facts-table"
END = "<!-- end of facts-table -->"
COLUMNS = ("id", "fact", "status", "source", "test", "seen")


def _split(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def rows(text: str | None = None) -> list[dict[str, str]]:
    text = TABLE.read_text() if text is None else text
    body = text.split(START, 1)[1].split(END, 1)[0].splitlines()[1:]
    lines = [line for line in body if line.startswith("|")]
    assert tuple(_split(lines[0])) == COLUMNS, lines[0]
    return [dict(zip(COLUMNS, _split(line), strict=True)) for line in lines[2:]]


def with_verdicts(text: str, verdicts: Mapping[str, str], date: str, region: str) -> str:
    """The document with each fact's "seen" cell set to `<date> <region>: <verdict>`."""
    head, rest = text.split(START, 1)
    table, tail = rest.split(END, 1)
    out = []
    for line in table.splitlines(keepends=True):
        cells = _split(line) if line.startswith("|") else []
        if len(cells) == len(COLUMNS) and cells[0] in verdicts:
            verdict = verdicts[cells[0]].replace("|", "/").replace("\n", " ")
            cells[-1] = f"{date} {region}: {verdict}"
            line = "| " + " | ".join(cells) + " |\n"
        out.append(line)
    return head + START + "".join(out) + END + tail
