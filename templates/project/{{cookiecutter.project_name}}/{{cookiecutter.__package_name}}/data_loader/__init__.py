from .{{ cookiecutter._presets.dataset[cookiecutter.dataset].module }} import {{ cookiecutter._presets.dataset[cookiecutter.dataset].exports }}

__all__ = ["{{ cookiecutter._presets.dataset[cookiecutter.dataset].exports }}"]
