"""The files of the site (dist/) that the studio uses, by their path in dist/.

The worker fetches them when Python asks (``Studio.handle`` answers ``fetch``), so the page
holds no copy of these names. The build (``devtools/dist.py``) makes them: the pretrained
models with ``python -m pynn train`` and the ``train_args`` given here.
"""

from __future__ import annotations

from typing import NamedTuple


class SiteFile(NamedTuple):
    """A file of the site: ``file`` (its path in dist/) and ``what`` (its name in messages)."""

    file: str
    what: str


class Pretrained(NamedTuple):
    """A pretrained model dist ships: ``file``, ``what`` (its name in messages) and the
    ``python -m pynn train`` arguments the build trains it with."""

    file: str
    what: str
    train_args: tuple[str, ...]


DIGITS = SiteFile("data/digits.npz", "the bundled digits")
# The first one is the model the studio starts with.
PRETRAINED = {
    "mlp": Pretrained("models/default.npz", "the pretrained model", ("--seed", "0", "--weights-only")),
    "cnn": Pretrained("models/cnn.npz", "the pretrained CNN",
                      ("--preset", "CNN", "--seed", "0", "--weights-only")),
}


class NeedsFile(Exception):
    """A request needs a file of the site: the worker fetches ``file`` and sends ``install``
    with it as ``data`` (or, when ``install`` is None, the request again with ``data``)."""

    def __init__(self, site_file, install: str | None = None):
        super().__init__(f"{site_file.what} ({site_file.file}) must be fetched first")
        self.file, self.what, self.install = site_file.file, site_file.what, install

    def answer(self) -> dict:
        return {"file": self.file, "what": self.what, "install": self.install}
