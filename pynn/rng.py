"""Explicit randomness: every random thing in pynn takes a seed or a Generator."""

from __future__ import annotations

import numpy as np

from pynn.checks import check_seed


def as_rng(seed_or_rng=None, name: str = "rng"):
    """Turn ``seed_or_rng`` into something with the ``np.random.Generator`` methods we use
    (``normal``, ``uniform``, ``random``, ``permutation``, ``integers``).

    - a ``np.random.Generator`` is returned as is (shared state, so a run stays reproducible);
    - an int seeds a new ``np.random.default_rng(seed)``;
    - ``None`` gives numpy's global random state, as the assignment uses it, so
      ``np.random.seed(...)`` makes a notebook reproducible.
    """
    if seed_or_rng is None:
        return _GlobalRandom()
    seed_or_rng = check_seed(name, seed_or_rng)
    if isinstance(seed_or_rng, np.random.Generator):
        return seed_or_rng
    return np.random.default_rng(seed_or_rng)


class _GlobalRandom:
    """numpy's legacy global state behind the Generator method names."""

    def normal(self, loc=0.0, scale=1.0, size=None):
        return np.random.normal(loc, scale, size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return np.random.uniform(low, high, size)

    def random(self, size=None):
        return np.random.random_sample(size)

    def permutation(self, x):
        return np.random.permutation(x)

    def integers(self, low, high=None, size=None):
        return np.random.randint(low, high, size)
