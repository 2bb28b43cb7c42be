"""pynn: neural networks from scratch in readable numpy."""

__version__ = "0.1.0"
