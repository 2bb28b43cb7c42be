"""The few exceptions pynn raises on purpose (all name the problem in their message)."""


class TrainingDiverged(ArithmeticError):
    """The loss became NaN or infinite. No update was applied with it; when raised by a
    training run, the network's weights were put back to the last good state."""


class ModelFileError(ValueError):
    """A model file is corrupt, from an unknown format version, or does not fit."""
