"""The models config.yaml can name in `arch.type`."""

from .{{ cookiecutter._presets.model[cookiecutter.model].module }} import {{ cookiecutter._presets.model[cookiecutter.model].exports }}

__all__ = ["{{ cookiecutter._presets.model[cookiecutter.model].exports }}"]
