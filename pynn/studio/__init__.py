"""The web studio in plain Python: ``bridge.Studio`` answers the studio's worker, and the rest
is the logic it dispatches to.

- ``bridge.py``: ``Studio``: the requests (methods marked ``@request``), their arguments'
  checks and plain-value answers; the one module the studio's worker calls.
- ``protocol.py``: ``@request`` and the written description of the workers' protocols made
  from the code (``python -m pynn.studio.protocol``; docs/PROTOCOL.md).
- ``session.py``: ``Session``: the settings, the network, the data, the epochs the network has
  trained, applying settings, loading and saving models and data files. Every change is
  prepared first and swapped in last, so a request that fails changes nothing.
- ``run.py``: ``TrainingRun``: one training run over ``pynn.train_steps`` and all its state
  (running / paused / idle, stepping, progress, examples/s, time left, finished, diverged),
  as the page-ready events it emits (``EVENTS`` declares their fields).
- ``report.py``: the test-split report (accuracy, confusion, mistakes, weight pictures).
- ``inside.py``: inside the network: a drawing read layer by layer (each layer's
  activations) and loss/accuracy measured a piece at a time (the run's measurements).
- ``limits.py``: the size limit, and the budgets of the worker's slices and pieces.
- ``files.py``: the site's files the studio uses (the digits, the pretrained models).

Nothing here knows about JavaScript or the page's widgets. (``bridge`` is not imported here:
``pynn.lab.bridge`` uses ``protocol`` without loading the studio's bridge.)
"""

from pynn.studio.run import NetworkLog, TrainingRun
from pynn.studio.session import DIGITS_NAME, Session

__all__ = ["DIGITS_NAME", "NetworkLog", "Session", "TrainingRun"]
