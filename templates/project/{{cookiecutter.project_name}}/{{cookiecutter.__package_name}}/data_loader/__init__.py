from .{{ cookiecutter.dataset }} import {{ cookiecutter._presets.dataset[cookiecutter.dataset].exports }}

__all__ = ["{{ cookiecutter._presets.dataset[cookiecutter.dataset].exports }}"]
