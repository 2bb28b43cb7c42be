"""Loading a 60,000-row CSV: a clean file vs the same file with one bad value in its last row.

    python bench/csv_load.py [--rows 60000] [--repeats 3] [--engines pandas numpy]

The file is made in memory in the assignment's format (header, then label + 784 pixels per
line; the pixels are the bundled digits, cycled, so it is about the size of mnist_train.csv).
Per engine, the clean load and each bad load run alternately, so machine noise hits both;
we print the median times and the median of the per-pair ratios bad / clean. Finding the bad
line costs at most about one more read of the file: a ratio of at most ~2 (it was ~30).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time

import pynn
from pynn.data import load_digits_raw

HEADER = "label," + ",".join(f"{r}x{c}" for r in range(1, 29) for c in range(1, 29))
# Bad values for the last row's last pixel (or an extra value after it), as named in the output.
BAD_LAST_VALUES = {"pixel 300": b"300", "text 'abc'": b"abc", "extra value": b"0,0"}


def make_csv(rows: int) -> bytes:
    """A valid CSV of ``rows`` digits: 2,000 distinct rendered lines, repeated."""
    images, labels = load_digits_raw()
    distinct = [",".join(map(str, [label, *image])).encode()
                for label, image in zip(labels[:2000].tolist(), images[:2000].tolist())]
    lines = [HEADER.encode()] + [distinct[i % len(distinct)] for i in range(rows)]
    return b"\n".join(lines) + b"\n"


def with_bad_last_value(data: bytes, value: bytes) -> bytes:
    cut = data.rindex(b",")  # before the last row's last pixel
    return data[:cut + 1] + value + b"\n"


def seconds(engine: str, data: bytes, should_fail: bool) -> float:
    start = time.perf_counter()
    try:
        pynn.load_csv(data, engine=engine)
    except ValueError as error:
        if not should_fail:
            raise
        last_line = data.count(b"\n")  # the file ends with a line end
        assert f"line {last_line}" in str(error), error
    else:
        assert not should_fail, "the bad file was accepted"
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engines", nargs="+", default=["pandas", "numpy"])
    args = parser.parse_args()
    clean = make_csv(args.rows)
    print(f"{args.rows} rows, {len(clean) / 1e6:.0f} MB; median of {args.repeats} repeats")
    for engine in args.engines:
        if engine == "pandas" and importlib.util.find_spec("pandas") is None:
            print("pandas: not installed, skipped")
            continue
        for name, value in BAD_LAST_VALUES.items():
            bad = with_bad_last_value(clean, value)
            pairs = [(seconds(engine, clean, False), seconds(engine, bad, True))
                     for _ in range(args.repeats)]
            good_s, bad_s = (statistics.median(p[i] for p in pairs) for i in (0, 1))
            ratio = statistics.median(b / g for g, b in pairs)
            print(f"{engine:>6}  clean {good_s:5.2f} s   bad last row ({name:<11}) {bad_s:5.2f} s"
                  f"   ratio {ratio:4.2f}")


if __name__ == "__main__":
    main()
