"""pynn's tables, gathered: every layer type, activation, initializer and optimizer by name.

Each table is declared once, beside what it names, and holds everything about a row:

- ``pynn.layers.ACTIVATIONS``: name → ``Activation(layer class, default initializer, label)``;
- ``pynn.initializers.INITIALIZERS``: name → ``Initializer(label, draw)``;
- ``pynn.optim.OPTIMIZERS``: name → class (its ``label`` a class attribute);
- the layer types: each layer module's ``LAYER_CLASSES`` (``pynn.layers``, ``pynn.conv``).

This module imports those modules by name, so ``LAYER_TYPES`` is complete whatever was
imported first (no module adds itself to another's table). Who reads the tables: the settings
table (``pynn.config.FIELDS``: the form's and the CLI's choices and labels), model files
(``pynn.io``) and the tests, which loop over them so that a new row is tested for free.
"""

from __future__ import annotations

from pynn import conv, layers
from pynn.initializers import INITIALIZERS
from pynn.layers import ACTIVATIONS
from pynn.optim import OPTIMIZERS

LAYER_TYPES: dict[str, type[layers.Layer]] = {
    cls.__name__: cls for module in (layers, conv) for cls in module.LAYER_CLASSES}


def labels(table: dict) -> dict[str, str]:
    """``{name: label}`` of a table whose rows (or classes) have a ``label``: what the page
    shows for each choice."""
    return {name: row.label for name, row in table.items()}


__all__ = ["ACTIVATIONS", "INITIALIZERS", "LAYER_TYPES", "OPTIMIZERS", "labels"]
