"""YAML read as people mean it: YAML 1.2 scalars, no aliases, no duplicate keys.

PyYAML implements YAML 1.1, where `off`/`no`/`y` are booleans and `1e-4` is a string. This
loader resolves plain scalars by YAML 1.2's core schema instead, refuses aliases (a few hundred
bytes of nested aliases expand to gigabytes) and refuses a key given twice in one mapping.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml


class YamlError(Exception):
    """A YAML problem: `where` (" line L, column C" or "") and `problem`."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where, self.problem = where, problem


class _Loader(yaml.SafeLoader):
    # Start from no implicit resolvers (YAML 1.1's); the 1.2 ones are added below.
    yaml_implicit_resolvers: ClassVar[dict[str | None, list[tuple[str, re.Pattern[str]]]]] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed here", problem_mark=event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.MarkedYAMLError(
                    problem="a key must be a plain value", problem_mark=key_node.start_mark
                )
            if key in seen:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {str(key)[:40]!r}", problem_mark=key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution)
for tag, pattern, first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("null", r"~|null|Null|NULL|", "~nN"),
    ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        "float",
        r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN",
        "-+.0123456789",
    ),
):
    _Loader.add_implicit_resolver(
        f"tag:yaml.org,2002:{tag}", re.compile(f"^(?:{pattern})$"), list(first)
    )
_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile("^$"), [""])


def _int(loader: _Loader, node: Any) -> int:
    text = loader.construct_scalar(node)
    return int(text, 0) if text[:2] in ("0o", "0x") else int(text, 10)


_Loader.add_constructor("tag:yaml.org,2002:int", _int)


def load(text: str) -> Any:
    """Parse `text`; raise YamlError naming the line and column of a problem."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise YamlError(where, str(exc.problem or exc.context or "invalid YAML")) from None
    except yaml.YAMLError as exc:  # reader errors: characters YAML does not allow
        raise YamlError("", str(exc).splitlines()[0][:200]) from None
