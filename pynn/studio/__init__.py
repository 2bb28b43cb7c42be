"""The web studio's logic, in plain Python: what ``pynn.bridge.Studio`` dispatches to.

- ``session.py``: ``Session``: the settings, the network, the data, the epochs the network has
  trained, applying settings, loading and saving models and data files. Every change is
  prepared first and swapped in last, so a request that fails changes nothing.
- ``run.py``: ``TrainingRun``: one training run over ``pynn.train_steps`` and all its state
  (running / paused / idle, stepping, progress, examples/s, time left, finished, diverged),
  as the page-ready events it emits.
- ``report.py``: the test-split report (accuracy, confusion, mistakes, weight pictures).

Nothing here knows about JavaScript or the page's widgets; ``pynn.bridge`` turns requests
into calls and answers into plain values.
"""

from pynn.studio.run import NetworkLog, TrainingRun
from pynn.studio.session import DIGITS_NAME, Session

__all__ = ["DIGITS_NAME", "NetworkLog", "Session", "TrainingRun"]
