"""ptgen: generate PyTorch projects in the victoresque/pytorch-template layout."""

__version__ = "0.3.0"
