"""Read the YAML files plan and doctor are given, strictly: a duplicate key is an error (the
Pulumi CLI's YAML reader refuses one too), and every failure names the file and the line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class YamlFileError(ValueError):
    """A file that isn't the YAML it should be; the message names the file, line and fix."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping instead of keeping the last."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key ([a, b]: …); the constructor reports it below
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                f"key {key!r} first given on line {first + 1}",
                None,
                f"is given again on line {key_node.start_mark.line + 1}: YAML keeps only one of them",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_strict(path: Path) -> Any:
    """The document in `path`; YamlFileError for unreadable files, bad YAML and duplicate keys."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlFileError(f"{path}: can't be read ({exc})") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        where = f", line {exc.problem_mark.line + 1}" if exc.problem_mark is not None else ""
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise YamlFileError(f"{path}{where}: not valid YAML: {what}\n  fix: correct that line") from None
    except yaml.YAMLError as exc:
        raise YamlFileError(f"{path}: not valid YAML: {exc}") from None


def describe_type(value: object) -> str:
    """'a list', 'a number' …: what a value is, in the words of a YAML author."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "empty" if value is None else type(value).__name__
