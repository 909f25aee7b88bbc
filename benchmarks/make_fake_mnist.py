"""Write MNIST-format idx files (random digits-like images) for offline benchmarks.

    python benchmarks/make_fake_mnist.py DATA_DIR [--train 60000] [--test 10000]

torchvision's MNIST reads them from DATA_DIR/MNIST/raw/ with download=False.
"""

import argparse
from pathlib import Path

import numpy as np


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--train", type=int, default=60000)
    parser.add_argument("--test", type=int, default=10000)
    args = parser.parse_args()
    raw = args.data_dir / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", args.train), ("t10k", args.test)):
        labels = rng.integers(0, 10, n)
        images = rng.integers(0, 60, (n, 28, 28))
        for k in range(10):  # a learnable pattern: a bright bar whose row encodes the label
            images[labels == k, 2 + 2 * k : 6 + 2 * k, 4:24] = 255
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels)
    print(raw)


if __name__ == "__main__":
    main()
