from .parser import ConfigParser, apply_overrides, load_yaml, parse_override
from .schema import ConfigError, validate

__all__ = [
    "ConfigError",
    "ConfigParser",
    "apply_overrides",
    "load_yaml",
    "parse_override",
    "validate",
]
