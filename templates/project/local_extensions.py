"""Jinja extension for this template: option values are data, never template code.

Cookiecutter renders every context value with Jinja before use, so a value such as
``{{ 7*7 }}`` or ``{{ cycler.__init__.__globals__.os.popen('id').read() }}`` would run. The
``LiteralValues`` extension keeps the Jinja markup that this template itself wrote (in its
file and folder names, cookiecutter.json and hooks) and turns any other markup into plain
text before Jinja parses it. It also adds one escaping filter per output format, so that each
value reaches every generated file as the exact text the user typed.

Used both by ptgen and by plain ``cookiecutter templates/project``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension

HERE = Path(__file__).resolve().parent
MARKUP = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _template_markup() -> tuple[frozenset[str], frozenset[str]]:
    """(markup fragments the template wrote, whole hook scripts)."""
    sources = _strings(json.loads((HERE / "cookiecutter.json").read_text(encoding="utf-8")))
    sources += [path.relative_to(HERE).as_posix() for path in HERE.rglob("*{*")]
    fragments = frozenset(m.group() for s in sources for m in MARKUP.finditer(s))
    hooks = frozenset(p.read_text(encoding="utf-8") for p in (HERE / "hooks").glob("*.py"))
    return fragments, hooks


TRUSTED_FRAGMENTS, HOOK_SOURCES = _template_markup()


def as_jinja_literal(text: str) -> str:
    """A Jinja expression whose output is exactly `text` (every other character escaped)."""
    if not text:
        return ""
    body = "".join(c if c.isascii() and c.isalnum() else f"\\U{ord(c):08x}" for c in text)
    return "{{ '" + body + "' }}"


def neutralize(source: str) -> str:
    """Keep the template's own markup; make everything else literal text."""
    out, last = [], 0
    for match in MARKUP.finditer(source):
        if match.group() in TRUSTED_FRAGMENTS:
            out += [as_jinja_literal(source[last : match.start()]), match.group()]
            last = match.end()
    out.append(as_jinja_literal(source[last:]))
    return "".join(out)


# -- one escaping filter per target format ----------------------------------------------------


def _printable(c: str) -> bool:
    """Characters written as they are; every other one is escaped by the filters."""
    category = unicodedata.category(c)
    return not (category in ("Cc", "Cs", "Zl", "Zp") or c in "\ufeff\ufffe\uffff")


def _escape(c: str) -> str:
    code = ord(c) if unicodedata.category(c) != "Cs" else 0xFFFD
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def toml_str(value: object) -> str:
    """A TOML basic string ("..."), Unicode kept readable."""
    text = str(value)
    body = "".join(
        {"\\": "\\\\", '"': '\\"'}.get(c, c) if _printable(c) and c != "\x7f" else _escape(c)
        for c in text
    )
    return f'"{body}"'


def yaml_str(value: object) -> str:
    """A YAML double-quoted scalar: never read as a number, boolean, null, alias or tag."""
    body = "".join(
        {"\\": "\\\\", '"': '\\"'}.get(c, c)
        if _printable(c) and c not in "\x7f\x85"
        else _escape(c)
        for c in str(value)
    )
    return f'"{body}"'


def py_docstring(value: object, width: int = 92) -> str:
    """A module docstring holding `value` (wrapped to `width`, quotes and backslashes
    escaped, so that no value ends the string early)."""
    import textwrap

    text = "".join(
        {"\\": "\\\\", '"': '\\"'}.get(c, c) if _printable(c) else _escape(c) for c in str(value)
    )
    lines = textwrap.wrap(
        text.strip(), width=width, break_on_hyphens=False, break_long_words=False
    ) or ["."]
    if len(lines) == 1:
        return f'"""{lines[0]}"""'
    return '"""' + "\n".join(lines) + '\n"""'


_MD_INLINE = set("\\`*_[]<>|&~")


def md_text(value: object) -> str:
    """Markdown text that shows `value` as written: inline markup characters escaped, and a
    leading character that would start a heading, list or quote."""
    text = "".join(c for c in " ".join(str(value).split()) if _printable(c))
    out = "".join("\\" + c if c in _MD_INLINE else c for c in text)
    if re.match(r"[#+=-]|\d+[.)]", out):
        out = re.sub(r"^(\d*)(.)", r"\1\\\2", out)
    return out


def md_code(value: object) -> str:
    """An inline Markdown code span holding `value` (fenced by more backticks than it has)."""
    text = "".join(c for c in " ".join(str(value).split()) if _printable(c))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def gitignore_path(value: object) -> str:
    """A .gitignore line matching exactly the folder `value` (relative to the project), or
    an empty string when the folder is outside the project (nothing to ignore)."""
    path = str(value).replace("\\", "/").strip()
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if path.startswith("/") or ":" in path or not parts or ".." in parts:
        return ""
    escaped = "/".join(re.sub(r"([*?\[\]\\!#])", r"\\\1", p) for p in parts)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return f"/{escaped}/"


class LiteralValues(Extension):
    """Option values are text: Jinja markup in them is never evaluated."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            toml_str=toml_str,
            yaml_str=yaml_str,
            py_docstring=py_docstring,
            md_text=md_text,
            md_code=md_code,
            gitignore_path=gitignore_path,
        )

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        # Files of the template are loaded by name; values and paths come as strings.
        if name is not None or source in HOOK_SOURCES:
            return source
        return neutralize(source)
