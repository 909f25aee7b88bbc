"""Pictures without a plotting library: a PNG written with zlib alone."""

import struct
import zlib
from pathlib import Path


def write_png(path: Path, pixels: list[list[tuple[int, int, int]]]) -> None:
    """Write rows of (r, g, b) pixels as an 8-bit RGB PNG."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\0" + bytes(c for pixel in row for c in pixel) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    Path(path).write_bytes(png)


def write_confusion_png(path: Path, matrix: list[list[int]], cell: int = 24) -> None:
    """A heat map of `matrix` (rows: true class, columns: predicted), each row scaled to its
    own total: dark blue = all of that class predicted there. The numbers are in the CSV."""
    pixels = []
    for row in matrix:
        total = max(sum(row), 1)
        shades = [int(255 * (1 - count / total)) for count in row]
        line = []
        for shade in shades:
            color = (shade, shade, 255) if shade < 255 else (255, 255, 255)
            line += [color] * (cell - 1) + [(200, 200, 200)]  # a grey line between cells
        pixels += [line] * (cell - 1) + [[(200, 200, 200)] * len(line)]
    write_png(path, pixels)
