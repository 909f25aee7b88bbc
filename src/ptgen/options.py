"""The options table: one source of truth for prompts, validation, `ptgen options`,
the answers file written into the project and the cookiecutter context."""

from __future__ import annotations

import difflib
import keyword
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ptgen import __version__
from ptgen.errors import PtgenError
from ptgen.presets import (
    BACKBONES,
    DATA_DIR_DATASETS,
    DATASETS,
    MODELS,
    REGRESSION_DATASETS,
    TASKS,
    check_combination,
    manifest,
)

TRUE_WORDS = frozenset({"true", "yes", "y", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "off", "0"})
MAX_OPTIONS_FILE_BYTES = 64 * 1024
# Bidirectional overrides and isolates reorder how text is shown ("Trojan Source").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def shorten(value: Any, limit: int = 60) -> str:
    """`repr(value)` cut to about `limit` characters, without building a huge repr first."""
    if isinstance(value, str):
        text = repr(value[: limit + 1])
    elif isinstance(value, (list, tuple, dict, set)):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    else:
        text = repr(value) if isinstance(value, (bool, int, float, type(None))) else "?"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def bad_character(text: str) -> str | None:
    """Describe the first character no option value may hold, or None if all are fine."""
    for c in text:
        category = unicodedata.category(c)
        if c == "\n" or c == "\r":
            return "a line break"
        if category in ("Cc", "Cs", "Zl", "Zp") or c in BIDI_CONTROLS or c in "\ufeff\ufffe\uffff":
            return f"the control character U+{ord(c):04X}"
    return None


@dataclass(frozen=True)
class Option:
    name: str
    kind: str  # "str" | "bool" | "choice"
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    when: tuple[str, tuple[str, ...]] | None = None  # applies if answers[when[0]] in when[1]
    prompt: bool = True
    max_length: int = 200

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.when is None or answers.get(self.when[0]) in self.when[1]

    def describe_when(self) -> str:
        assert self.when is not None
        key, values = self.when
        return f"{key} is {' or '.join(values)}"

    def allowed(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "true or false"
        return f"a non-empty single line of text, at most {self.max_length} characters"

    def convert(self, value: Any, *, from_text: bool = False) -> Any:
        """Return ``value`` as this option's type, or raise PtgenError naming what is allowed."""
        bad = PtgenError(
            f"option '{self.name}': {shorten(value)} is not valid; expected {self.allowed()}"
        )
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str):  # from --set, a prompt, or YAML 1.2's `on`/`yes`
                word = value.strip().lower()
                if word in TRUE_WORDS:
                    return True
                if word in FALSE_WORDS:
                    return False
            raise bad
        if not isinstance(value, str) or not value.strip():
            raise bad
        if self.kind == "choice" and value not in self.choices:
            raise bad
        if len(value) > self.max_length:
            raise PtgenError(
                f"option '{self.name}' is {len(value)} characters long; at most "
                f"{self.max_length} allowed"
            )
        problem = bad_character(value)
        if problem:
            raise PtgenError(
                f"option '{self.name}': {shorten(value)} holds {problem}; expected {self.allowed()}"
            )
        return value


@dataclass(frozen=True)
class Schema:
    options: tuple[Option, ...]
    by_name: dict[str, Option] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {o.name: o for o in self.options})

    def get(self, name: str) -> Option:
        try:
            return self.by_name[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.by_name, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            valid = ", ".join(self.by_name)
            raise PtgenError(f"unknown option '{name}'{hint}; valid options: {valid}") from None


SCHEMA = Schema(
    (
        Option(
            "project_name",
            "str",
            "my-project",
            "Project name: the folder, the distribution name and (with - or . as _) the package.",
            prompt=False,
        ),
        Option(
            "description", "str", "A PyTorch project.", "One-line description for README/pyproject."
        ),
        Option("author", "str", "Your Name", "Author written into pyproject.toml.", max_length=100),
        Option(
            "dataset",
            "choice",
            DATASETS[0].name,
            "The data: " + "; ".join(f"{p.name}: {p.help}" for p in DATASETS) + ".",
            choices=tuple(p.name for p in DATASETS),
        ),
        Option(
            "task",
            "choice",
            TASKS[0],
            "classification (a class per sample) or regression (a number per sample).",
            choices=TASKS,
            when=("dataset", REGRESSION_DATASETS),
        ),
        Option(
            "model",
            "choice",
            MODELS[0].name,
            "The model: " + "; ".join(f"{p.name}: {p.help}" for p in MODELS) + ".",
            choices=tuple(p.name for p in MODELS),
        ),
        Option(
            "backbone",
            "choice",
            "resnet18",
            "The torchvision model (its head is replaced for your classes).",
            choices=BACKBONES,
            when=("model", ("backbone",)),
        ),
        Option(
            "data_dir",
            "str",
            "data/",
            "Where the dataset is stored or downloaded to.",
            when=("dataset", DATA_DIR_DATASETS),
        ),
        Option("tensorboard", "bool", False, "Also log metrics to TensorBoard."),
        Option(
            "wandb",
            "bool",
            False,
            "Also track runs with Weights & Biases (offline unless WANDB_API_KEY is set).",
        ),
        Option(
            "mlflow",
            "bool",
            False,
            "Also track runs with MLflow (a local SQLite store unless MLFLOW_TRACKING_URI).",
        ),
        Option(
            "github_actions", "bool", True, "Add a GitHub Actions workflow running lint + tests."
        ),
    )
)

# The project's own top-level names; what its environment installs is in reserved_names.txt
# (kept in step with the real environment by tools/reserved_names.py and a test).
PROJECT_MODULES = frozenset({"train", "test", "tests", "conftest", "predict"})
# Device names Windows reserves, with or without an extension (CON, nul.txt, COM1, ...).
WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in "123456789"}
)
MAX_NAME_LENGTH = 40  # keeps generated import lines within the line length
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9._-]*")


@cache
def environment_modules() -> frozenset[str]:
    """Top-level modules importable in a generated project's environment."""
    text = resources.files("ptgen").joinpath("reserved_names.txt").read_text(encoding="utf-8")
    return frozenset(text.split())


def import_name(project_name: str) -> str:
    return project_name.lower().replace("-", "_").replace(".", "_")


def dist_name(project_name: str) -> str:
    return project_name.lower().replace("_", "-").replace(".", "-")


def check_project_name(name: str) -> None:
    """Refuse names that are not a valid distribution name or give an unusable import name."""
    if not _NAME_RE.fullmatch(name) or name[-1] in "._-":
        raise PtgenError(
            f"project name {shorten(name)} is not valid: use letters, digits, '-', '_' or '.', "
            "starting with a letter and ending with a letter or digit"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise PtgenError(
            f"project name {shorten(name)} is too long: at most {MAX_NAME_LENGTH} characters"
        )
    if name.split(".")[0].lower() in WINDOWS_RESERVED:
        raise PtgenError(f"project name {name!r} is a device name reserved on Windows")
    module = import_name(name)
    if keyword.iskeyword(module) or keyword.issoftkeyword(module):
        raise PtgenError(f"project name {name!r} gives package '{module}', a Python keyword")
    if module in sys.stdlib_module_names or module in sys.builtin_module_names:
        raise PtgenError(
            f"project name {name!r} gives package '{module}', which would shadow the standard "
            "library module of that name"
        )
    if module in PROJECT_MODULES:
        raise PtgenError(
            f"project name {name!r} gives package '{module}', which would shadow the "
            f"project's own {module}.py or {module}/"
        )
    if module in environment_modules():
        raise PtgenError(
            f"project name {name!r} gives package '{module}', which would shadow the "
            f"'{module}' module installed with the project's dependencies"
        )


def load_options_file(path: Path) -> dict[str, Any]:
    """Read an options YAML file: a mapping of option names to values.

    Read as YAML 1.2 reads it (`off` and `no` stay text), without aliases, duplicate keys
    or more than 64 KiB.
    """
    from ptgen.yamlsafe import YamlError, load

    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_OPTIONS_FILE_BYTES + 1)
    except OSError as exc:
        raise PtgenError(f"cannot read options file '{path}': {exc.strerror or exc}") from None
    if len(raw) > MAX_OPTIONS_FILE_BYTES:
        raise PtgenError(
            f"options file '{path}' is larger than {MAX_OPTIONS_FILE_BYTES // 1024} KiB"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PtgenError(
            f"options file '{path}' is not UTF-8 text (byte {exc.start + 1}); "
            "expected a YAML mapping of option: value"
        ) from None
    try:
        data = load(text)
    except YamlError as exc:
        raise PtgenError(f"options file '{path}'{exc.where}: {exc.problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PtgenError(
            f"options file '{path}' must be a mapping of option: value, not {type(data).__name__}"
        )
    # A project's .ptgen.yaml also records which template rendered it: not options.
    return {str(k): v for k, v in data.items() if str(k) not in RECORD_KEYS}


RECORD_KEYS = ("ptgen_version", "template_digest", "added")


def parse_sets(pairs: list[str]) -> dict[str, str]:
    """Parse repeated ``--set KEY=VALUE`` into a dict (values stay text until validated)."""
    result: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise PtgenError(f"--set expects KEY=VALUE, got {shorten(pair)}")
        result[key.strip()] = value
    return result


Prompter = Callable[[Option, Any], Any]
# Options renamed since an earlier release: their old names are still read.
RENAMED = {"preset": "dataset"}


def resolve(
    name: str,
    from_file: Mapping[str, Any],
    from_cli: Mapping[str, str],
    prompter: Prompter | None = None,
    schema: Schema = SCHEMA,
) -> dict[str, Any]:
    """Merge defaults < options file < --set < prompts into validated answers (table order)."""
    check_project_name(name)
    given: dict[str, tuple[Any, bool]] = {}
    for source, from_text in ((from_file, False), (from_cli, True)):
        for key, value in source.items():
            given[schema.get(RENAMED.get(key, key)).name] = (value, from_text)

    if "project_name" in given and given["project_name"][0] != name:
        raise PtgenError(
            f"option 'project_name' is {shorten(given['project_name'][0])} but the NAME "
            f"argument is {name!r}; drop one of them"
        )
    answers: dict[str, Any] = {"project_name": name}
    for option in schema.options[1:]:
        if not option.applies(answers):
            # The default is accepted, so that a project's answers file can be given back.
            if option.name in given and given[option.name][0] != option.default:
                key = option.when[0]  # type: ignore[index]
                raise PtgenError(
                    f"option '{option.name}' applies only when {option.describe_when()} "
                    f"(here {key} is '{answers[key]}')"
                )
            answers[option.name] = option.default
            continue
        if option.name in given:
            value, from_text = given[option.name]
            answers[option.name] = option.convert(value, from_text=from_text)
        elif prompter is not None and option.prompt:
            answers[option.name] = prompter(option, option.default)
        else:
            answers[option.name] = option.default
    problem = check_combination(answers)
    if problem:
        raise PtgenError(problem)
    return answers


def cookiecutter_context(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The extra_context handed to cookiecutter: the answers plus the names derived from them."""
    name = answers["project_name"]
    return {**answers, "__package_name": import_name(name), "__dist_name": dist_name(name)}


def cookiecutter_json() -> dict[str, Any]:
    """The template's cookiecutter.json, made from the options table and the presets
    (written by tools/write_cookiecutter_json.py; a test keeps the file in step)."""
    spec: dict[str, Any] = {}
    for option in SCHEMA.options:
        if option.kind == "choice":  # cookiecutter's default is the first choice
            spec[option.name] = [
                option.default,
                *(c for c in option.choices if c != option.default),
            ]
        else:
            spec[option.name] = option.default
    spec["_ptgen_version"] = __version__  # recorded in the project's .ptgen.yaml
    spec["__package_name"] = (
        "{{ cookiecutter.project_name|lower|replace('-', '_')|replace('.', '_') }}"
    )
    spec["__dist_name"] = (
        "{{ cookiecutter.project_name|lower|replace('_', '-')|replace('.', '-') }}"
    )
    spec["_presets"] = manifest()
    spec["_extensions"] = ["local_extensions.LiteralValues"]
    return spec
