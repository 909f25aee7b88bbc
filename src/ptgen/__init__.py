"""ptgen: generate PyTorch projects in the victoresque/pytorch-template layout."""

__version__ = "0.2.0"
