"""The default recipe's promise: ≥97% test accuracy on the bundled digits (asserted ≥96.5%)."""

import pytest

import pynn


@pytest.mark.native_only(reason="20 epochs: ~10 s natively, minutes in WebAssembly")
def test_default_recipe_reaches_the_accuracy_bar(digits):
    config = pynn.TrainingConfig()
    assert config.epochs <= 25
    network = config.build_network()
    history = pynn.fit(network, digits.X_train, digits.y_train, epochs=config.epochs,
                       batch_size=config.batch_size, validation_data=(digits.X_val, digits.y_val),
                       shift=config.shift, seed=config.seed)
    _, test_accuracy = network.evaluate(digits.X_test, digits.y_test)
    assert test_accuracy >= 0.965, f"test accuracy {test_accuracy:.2%}"
    assert history.history["val_accuracy"][-1] >= 0.96
