from .parser import ConfigError, ConfigParser, make_run_dir

__all__ = ["ConfigError", "ConfigParser", "make_run_dir"]
