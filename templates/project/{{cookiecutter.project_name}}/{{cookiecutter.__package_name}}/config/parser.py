"""YAML configuration: loading, command-line overrides, `init_obj` and run folders."""

import contextlib
import inspect
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import yaml

from ..utils.run_folder import copy_history, open_run_folder
from .schema import ConfigError, _unknown, shorten, validate


class YamlLoader(yaml.SafeLoader):
    """YAML read as people mean it: `off`/`yes` stay text and `1e-4` is a number (YAML 1.2
    rules, where PyYAML follows YAML 1.1); a key given twice or an alias is an error."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}  # YAML 1.2 ones added below

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed", problem_mark=self.peek_event().start_mark
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=True) for key, _ in node.value]
        for i, key in enumerate(keys):
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise yaml.MarkedYAMLError(
                    problem="a key must be a plain value", problem_mark=node.value[i][0].start_mark
                )
            if key in keys[:i]:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {shorten(key)}",
                    problem_mark=node.value[i][0].start_mark,
                )
        return super().construct_mapping(node, deep)


YamlLoader.add_constructor("tag:yaml.org,2002:map", YamlLoader.construct_mapping)
for _tag, _pattern, _first in (
    ("bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("int", r"[-+]?[0-9]+", "-+0123456789"),
    ("float", r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?", "-+.0123456789"),
    ("float", r"[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN", "-+."),
):
    YamlLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(f"^(?:{_pattern})$"), list(_first)
    )
YamlLoader.add_constructor(
    "tag:yaml.org,2002:int", lambda loader, node: int(loader.construct_scalar(node), 10)
)


def parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=YamlLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{source}{where}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: {str(exc).splitlines()[0][:200]}") from None


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ConfigError(f"cannot read config '{path}': {reason}") from None
    return validate(parse_yaml(text, f"config '{path}'"), str(path))


def parse_override(pair: str) -> tuple[str, Any]:
    """`a.b=value` from `--set`, the value read as YAML (`0.01`, `off`, `[1, 2]`, `null`)."""
    key, sep, value = pair.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects KEY=VALUE, got {shorten(pair)}")
    return key.strip(), parse_yaml(value, f"--set {key.strip()}")


def apply_overrides(config: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set dotted keys such as `optimizer.args.lr`; return the validated result. The key must
    exist, except new keyword arguments directly under an `args` mapping (checked when the
    object is built)."""
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node: Any = config
        for i, part in enumerate(parents):
            if not isinstance(node, dict) or part not in node:
                raise _unknown(".".join(parents[: i + 1]), node if isinstance(node, dict) else {})
            if part == "args" and node[part] is None:  # `args:` left empty in the YAML
                node[part] = {}
            node = node[part]
        if not isinstance(node, dict):
            raise ConfigError(f"cannot set '{dotted}': '{'.'.join(parents)}' is not a mapping")
        if leaf not in node and (not parents or parents[-1] != "args"):
            raise _unknown(dotted, node)
        node[leaf] = value
    return validate(config)


class ConfigParser:
    """The resolved configuration of one run and the folder that run writes to."""

    def __init__(self, config: dict[str, Any], run_dir: Path | None = None) -> None:
        self.config = config
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.run_id: str | None = None

    def start_run(self, resume_in: Path | None = None, history: Path | None = None) -> Path:
        """Reopen `resume_in` (continuing a run in place) or make a new run folder, holding the
        metrics history of `history` if given."""
        self.run_dir, self.run_id = open_run_folder(
            Path(self["trainer"]["save_dir"]), str(self["name"]), resume_in
        )
        if resume_in is None and history is not None:
            copy_history(history, self.run_dir)
        return self.run_dir

    def save(self) -> None:
        """Write the resolved config into the run folder (atomically)."""
        assert self.run_dir is not None, "start_run() first"
        tmp = self.run_dir / ".config.yaml.tmp"
        try:
            tmp.write_text(yaml.safe_dump(self.config, sort_keys=False), encoding="utf-8")
            os.replace(tmp, self.run_dir / "config.yaml")
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def __getitem__(self, name: str) -> Any:
        return self.config[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.config.get(name, default)

    def lookup(self, name: str, module: ModuleType) -> Any:
        """The function named by `config[name]` (a string) or by each item of it (a list)."""
        value = self.config[name]
        names = value if isinstance(value, list) else [value]
        missing = [n for n in names if not callable(getattr(module, str(n), None))]
        if missing:
            listed = ", ".join(map(str, missing))
            raise ConfigError(f"{name}: {listed} not found in {module.__name__}")
        found = [getattr(module, n) for n in names]
        return found if isinstance(value, list) else found[0]

    def init_obj(self, name: str, module: ModuleType | Any, *args: Any, **kwargs: Any) -> Any:
        """Build `module.<config[name].type>(*args, **config[name].args, **kwargs)`.

        Keyword arguments given here may not be overridden from the config. Arguments that do
        not fit the signature are the config's fault (ConfigError); anything the constructor
        raises is its own.
        """
        spec = self.config[name]
        cls_name = spec["type"]
        config_args = dict(spec.get("args") or {})
        clash = set(config_args) & set(kwargs)
        if clash:
            names = ", ".join(sorted(clash))
            raise ConfigError(f"{name}.args may not set {names}: the code sets them")
        cls = getattr(module, cls_name, None)
        if not callable(cls) or cls_name.startswith("_"):
            raise ConfigError(f"{name}.type '{cls_name}' not found in {module.__name__}")
        try:
            inspect.signature(cls).bind(*args, **config_args, **kwargs)
        except TypeError as exc:
            raise ConfigError(f"{name}: cannot build {cls_name}: {exc}") from None
        except ValueError:  # no signature available (some builtins): let the call decide
            pass
        return cls(*args, **config_args, **kwargs)
