{%- if cookiecutter.preset == "digits" -%}
from .digits import DigitsDataLoader

__all__ = ["DigitsDataLoader"]
{%- else -%}
from .mnist import MnistDataLoader

__all__ = ["MnistDataLoader"]
{%- endif %}
