"""The lab takes the assignment in its own words: layers written the notebook's way (their own
Layer base, self.weights/self.biases, the SGD step inside backward with self.learning_rate)
are recognised and checked as written, pynn's way keeps working, and the assignment's usual
slips are named from the numbers or the error."""

import copy
from pathlib import Path

import numpy as np
import pytest

import pynn
import pynn.lab
from pynn.lab.notebook_layers import construct, recognise

SOLUTIONS = Path(__file__).parent / "lab_solutions"
NOTEBOOK = SOLUTIONS / "notebook"
AS_PUBLISHED = (NOTEBOOK / "as_published.py").read_text()
FIXED = (NOTEBOOK / "fixed.py").read_text()
MY_LAYERS = (SOLUTIONS / "my_layers.py").read_text()
OWN_LAYER_BASE = FIXED[FIXED.index("class Layer:"):FIXED.index("class ReLU(Layer):")]
WITH_PYNNS_LAYER = FIXED.replace(OWN_LAYER_BASE, "").replace("import numpy as np\n",
                                                             "import numpy as np\nfrom pynn import Layer\n")
AVERAGED = ("your weight update is 1/N of what it should be (N = 4, the batch size): grad_output "
            "is already divided by the batch size — the loss gradient does it — so sum over the "
            "batch (input.T @ grad_output, grad_output.sum(axis=0)), don't average")
BIAS_AVERAGED = ("your bias update is 1/N of what it should be (N = 4, the batch size): "
                 "grad_output is already divided by the batch size — the loss gradient does it — "
                 "so sum over the batch (grad_output.sum(axis=0)), don't average (.mean(axis=0))")
MAX_ADVICE = "→ Python's max compares whole arrays; use np.maximum(0, input), elementwise"


def results(report) -> dict:
    return {result.name: result for result in report.results}


def failed(report) -> list[str]:
    return [result.name for result in report.results if not result.passed]


def test_the_notebooks_relu_passes_and_says_which_contract_it_follows():
    report = pynn.lab.check("relu", AS_PUBLISHED)
    assert report.passed, str(report)
    assert results(report)["the contract"].detail == (
        "your ReLU follows the notebook's contract; it has no parameters, so backward only returns grad_input")


def test_the_notebooks_dense_as_published_fails_with_the_one_over_batch_message():
    report = pynn.lab.check("dense", AS_PUBLISHED)
    assert failed(report) == ["the SGD step: self.weights", "the SGD step: self.biases",
                              "agrees with pynn's layer"], str(report)
    assert results(report)["the SGD step: self.weights"].detail == AVERAGED
    assert results(report)["the SGD step: self.biases"].detail == BIAS_AVERAGED
    assert results(report)["gradient check: grad_input"].passed   # with the weights before the step


@pytest.mark.parametrize("code", [FIXED, WITH_PYNNS_LAYER], ids=["own Layer base", "pynn's Layer"])
def test_the_notebooks_dense_fixed_passes_whichever_base_class(code):
    report = pynn.lab.check("dense", code)
    assert report.passed, str(report)
    assert str(results(report)["the contract"]) == (
        "[PASS] the contract: your Dense follows the notebook's contract: backward updates "
        "self.weights and self.biases with self.learning_rate")
    assert results(report)["the SGD step: self.weights"].detail.startswith("new − old = −learning_rate × gradient")


def test_the_notebooks_dense_with_pynns_layer_gets_the_same_message_not_a_key_error():
    code = WITH_PYNNS_LAYER.replace("np.dot(input.T, grad_output)", "np.dot(input.T, grad_output) / input.shape[0]")
    report = pynn.lab.check("dense", code)
    assert results(report)["the SGD step: self.weights"].detail == AVERAGED
    assert "KeyError" not in str(report)


def test_a_notebook_layer_keeps_the_learning_rate_it_was_given():
    code = FIXED.replace("self.learning_rate * grad_weights", "0.1 * grad_weights")
    assert pynn.lab.check("dense", code).passed      # 0.1 is its learning rate: the same step
    layer = construct(pynn.lab.run_code(FIXED)["Dense"], 5, 3, learning_rate=0.5, rng=0)
    assert layer.learning_rate == 0.5


@pytest.mark.parametrize("change, check, words", [
    (("grad_biases = grad_output.sum(axis=0)", "grad_biases = grad_output.mean(axis=0)"),
     "the SGD step: self.biases", BIAS_AVERAGED),
    (("        self.weights = self.weights - self.learning_rate * grad_weights\n", ""),
     "the SGD step: self.weights", "backward did not change self.weights"),
    (("self.weights = self.weights - self.learning_rate", "self.weights = self.weights + self.learning_rate"),
     "the SGD step: self.weights", "your weight update goes uphill"),
    (("self.weights - self.learning_rate * grad_weights", "self.weights - grad_weights"),
     "the SGD step: self.weights", "your weight update is the whole gradient: multiply it by self.learning_rate"),
    (("np.dot(input, self.weights) + self.biases", "np.dot(input, weights) + self.biases"),
     "output shape", "→ weights belongs to the layer: write self.weights"),
    (("self.learning_rate = learning_rate\n", "learning_rate = learning_rate\n"),
     "the contract", "has self.weights but no self.learning_rate"),
    (("    def forward(self, input):\n        return np.dot", "    def forward(input):\n        return np.dot"),
     "output shape", "→ a method's first parameter is self: def forward(self, ...)"),
    (("grad_weights = np.dot(input.T, grad_output)", "grad_weights = np.dot(grad_output.T, input)"),
     "backward keeps the contract", "AssertionError"),
    (("grad_input = np.dot(grad_output, self.weights.T)", "grad_input = np.dot(grad_output, self.weights)"),
     "backward keeps the contract", "→ the shapes do not fit: is a product transposed?"),
])
def test_each_slip_of_the_notebooks_dense_is_named(change, check, words):
    code = FIXED.replace(*change)
    assert code != FIXED
    report = pynn.lab.check("dense", code)
    assert check in failed(report), str(report)
    assert words in results(report)[check].detail, str(report)


def test_updating_before_computing_grad_input_is_named():
    code = FIXED.replace("        grad_input = np.dot(grad_output, self.weights.T)\n", "").replace(
        "        return grad_input", "        grad_input = np.dot(grad_output, self.weights.T)\n        return grad_input")
    report = pynn.lab.check("dense", code)
    assert "gradient check: grad_input" in failed(report), str(report)
    assert results(report)["the SGD step: self.weights"].passed    # the step itself is right
    assert results(report)["gradient check: grad_input"].detail.startswith(
        "your grad_input uses the weights after the update")


@pytest.mark.parametrize("code", [AS_PUBLISHED, MY_LAYERS], ids=["notebook's way", "pynn's way"])
def test_pythons_max_in_a_relu_is_explained_for_either_contract(code):
    code = code.replace("np.maximum(0, input)", "max(0, input)")
    report = pynn.lab.check("relu", code)
    assert failed(report) == ["output shape"]
    detail = results(report)["output shape"].detail
    assert "truth value of an array" in detail and detail.splitlines()[-1] == MAX_ADVICE


def test_pynns_way_gets_the_one_over_batch_message_too():
    code = MY_LAYERS.replace('self.grads["W"] = input.T @ grad_output',
                             'self.grads["W"] = input.T @ grad_output / len(input)')
    report = pynn.lab.check("dense", code)
    assert results(report)["gradient check: grads['W']"].detail.startswith(
        "your grads['W'] is 1/N of what it should be (N = 4, the batch size): grad_output is already divided")
    assert results(report)["the contract"].detail == (
        "your Dense follows pynn's contract: backward fills self.grads['W'] and self.grads['b']; "
        "an optimizer updates self.params")


def test_forgetting_super_init_in_pynns_way_is_explained():
    code = MY_LAYERS.replace("        super().__init__()\n        rng = np.random.default_rng(rng)\n        self.learning_rate",
                             "        rng = np.random.default_rng(rng)\n        self.learning_rate")
    detail = pynn.lab.check("dense", code).results[0].detail
    assert "→ call super().__init__() first in __init__" in detail


@pytest.mark.parametrize("exercise, path", [
    ("relu", "my_layers.py"), ("dense", "my_layers.py"), ("softmax", "my_layers.py"),
    ("own_layer", "elu.py"), ("conv2d", "my_conv.py"),
    ("conv2d", "notebook/conv.py"), ("own_layer", "notebook/own_tanh.py"),
])
def test_both_ways_pass_every_layer_exercise(exercise, path):
    report = pynn.lab.check(exercise, (SOLUTIONS / path).read_text())
    assert report.passed, str(report)


def test_the_own_layer_exercise_checks_the_layer_not_the_files_own_base_class():
    report = pynn.lab.check("own_layer", (NOTEBOOK / "own_tanh.py").read_text())
    assert results(report)["builds"].detail == "Tanh built"
    assert "no layer" in pynn.lab.check("own_layer", "x = 1\n").results[0].detail


def test_a_notebook_layer_is_never_run_backward_twice_as_the_same_object():
    once = FIXED.replace("    def backward(self, input, grad_output):\n",
                         "    def backward(self, input, grad_output):\n"
                         "        assert not getattr(self, 'stepped', False), 'backward ran twice on one layer'\n"
                         "        self.stepped = True\n", 1)
    once = once.replace("class Dense(Layer):", "class Dense(Layer):\n    stepped = False", 1)
    assert "'stepped'" in once
    report = pynn.lab.check("dense", once)
    assert report.passed, str(report)


def test_a_dense_without_weights_the_lab_can_find_is_told_both_ways():
    code = FIXED.replace("self.weights", "self.w").replace("self.biases", "self.b")
    detail = results(pynn.lab.check("dense", code))["the contract"].detail
    assert "keeps no parameters the lab can find" in detail and "self.params['W']" in detail
    renamed = MY_LAYERS.replace('self.params["W"]', 'self.params["weights"]')
    assert "self.params has no 'W'" in results(pynn.lab.check("dense", renamed))["the contract"].detail


def test_recognise_tells_the_two_contracts_apart():
    notebook = pynn.lab.run_code(FIXED)
    assert recognise(construct(notebook["Dense"], 3, 2)).way == "notebook"
    assert recognise(pynn.Dense(3, 2, rng=0), ("W", "b")).names == ("W", "b")
    assert recognise(pynn.ReLU()).way == "pynn" and recognise(notebook["ReLU"]()).way == "notebook"


def test_construct_leaves_numpys_global_random_state_as_it_was():
    dense = pynn.lab.run_code(AS_PUBLISHED)["Dense"]
    state = copy.deepcopy(np.random.get_state())
    first, second = construct(dense, 4, 3, rng=0), construct(dense, 4, 3, rng=0)
    assert np.array_equal(first.weights, second.weights)     # seeded, without an rng argument
    assert all(np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
               for a, b in zip(state, np.random.get_state()))


def test_the_starters_do_not_invite_pythons_max_and_follow_the_notebook():
    relu, dense = pynn.lab.get("relu"), pynn.lab.get("dense")
    assert "max(0, input)" not in relu.starter.replace("np.maximum", "")
    for exercise in (relu, dense):
        assert "class Layer:" in exercise.starter and "class Layer:" in exercise.solution
        assert "The lab accepts the notebook's way" in exercise.statement
        assert "pynn's way" in exercise.statement
    for text in ("self.weights", "self.biases", "learning_rate=0.1", "self.learning_rate * grad_weights"):
        assert text in dense.starter and text in dense.solution
    assert ".mean(" not in dense.solution and "grad_output.sum(axis=0)" in dense.solution


def test_the_exercises_follow_the_notebooks_order():
    orders = {exercise_id: exercise.order for exercise_id, exercise in pynn.lab.all_exercises().items()}
    expected = {"relu": 1, "dense": 2, "softmax": 3, "own_layer": 8, "dropout": 9, "init": 11, "conv2d": 12}
    assert {key: orders[key] for key in expected} == expected


@pytest.mark.parametrize("exercise_id", ["relu", "dense", "own_layer", "conv2d", "dropout", "init"])
def test_my_exercises_solutions_pass_and_starters_fail(exercise_id):
    exercise = pynn.lab.get(exercise_id)
    if exercise.solution is not None:
        report = exercise.check(exercise.solution)
        assert report.passed, str(report)
        assert not exercise.check(exercise.starter).passed
    else:
        assert exercise.check(exercise.starter).results


def test_dropout_from_the_lab_works_in_pynns_network():
    namespace = pynn.lab.run_code(pynn.lab.get("dropout").solution)
    dropout = namespace["Dropout"](0.5, rng=0)
    network = pynn.Network([pynn.Dense(6, 4, rng=0), dropout, pynn.Dense(4, 3, rng=1)])
    x = np.random.default_rng(0).normal(size=(5, 6))
    network.eval()
    assert dropout.training is False
    np.testing.assert_array_equal(network.predict_proba(x), network.predict_proba(x))
    network.train()
    assert dropout.training is True


@pytest.mark.parametrize("code, check, words", [
    ("return rng.normal(size=(input_units, output_units)) * np.sqrt(2 / output_units)",
     "std is He's sqrt(2 / input_units)", "He's divides by input_units"),
    ("return rng.normal(size=(input_units, output_units)) * 0.01",
     "std is He's sqrt(2 / input_units)", "the assignment's 0.01"),
    ("return rng.normal(size=(input_units, output_units)) * np.sqrt(2 / input_units) + 0.05",
     "mean 0", "it must be 0"),
    ("return rng.normal(size=(output_units, input_units)) * np.sqrt(2 / input_units)",
     "shape [input_units, output_units]", "expected (400, 100)"),
])
def test_init_slips_are_named(code, check, words):
    solution = pynn.lab.get("init").solution
    line = "return rng.normal(size=(input_units, output_units)) * np.sqrt(2 / input_units)"
    report = pynn.lab.check("init", solution.replace(line, code))
    assert check in failed(report), str(report)
    assert words in results(report)[check].detail


def test_init_explains_why_he_and_the_signal_keeps_its_size():
    report = pynn.lab.check("init", pynn.lab.get("init").solution)
    assert "ReLU zeroes half of its inputs and halves the variance" in results(report)["std is He's sqrt(2 / input_units)"].detail


# -- training notebook-way layers in pynn's network -----------------------------------------

def notebook_network(code=FIXED, sizes=(6, 5, 3)):
    namespace = pynn.lab.run_code(code)
    return [construct(namespace["Dense"], sizes[0], sizes[1], rng=0), namespace["ReLU"](),
            construct(namespace["Dense"], sizes[1], sizes[2], rng=0)]


def test_notebook_layers_train_in_pynns_network_exactly_as_in_the_notebooks_loop():
    from pynn.lab.notebook_training import as_pynn_layer
    from pynn.losses import grad_softmax_crossentropy_with_logits

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 6)), rng.integers(0, 3, size=8)
    by_hand, wrapped = notebook_network(), notebook_network()
    network = pynn.Network([as_pynn_layer(layer) for layer in wrapped], pynn.SGD(lr=0.1))
    for _ in range(3):
        activations = [x]
        for layer in by_hand:                    # the notebook's train(): each layer steps itself
            activations.append(layer.forward(activations[-1]))
        grad = grad_softmax_crossentropy_with_logits(activations[-1], y)
        for layer, layer_input in zip(reversed(by_hand), reversed(activations[:-1])):
            grad = layer.backward(layer_input, grad)
        network.train_step(x, y)
    for mine, theirs in zip(wrapped, by_hand):
        for name in ("weights", "biases"):
            if hasattr(theirs, name):
                np.testing.assert_allclose(getattr(mine, name), getattr(theirs, name), rtol=1e-4, atol=1e-6)
    assert not np.allclose(by_hand[0].weights, notebook_network()[0].weights)   # it did train


def test_a_pynn_way_layer_is_not_wrapped_and_a_notebook_layer_without_a_learning_rate_is_refused():
    from pynn.lab.notebook_training import as_pynn_layer

    dense = pynn.Dense(3, 2, rng=0)
    assert as_pynn_layer(dense) is dense
    layer = notebook_network()[0]
    del layer.learning_rate
    with pytest.raises(ValueError, match="no self.learning_rate"):
        as_pynn_layer(layer)


def test_train_with_my_layers_takes_the_notebooks_layers(digits):
    from pynn.lab.swap import build_with_learner_layers, learner_layers

    exercises = pynn.lab.all_exercises()
    classes = learner_layers(FIXED, [exercises["relu"], exercises["dense"]])
    config = pynn.TrainingConfig(hidden=(16,), dropout=0.0, optimizer="sgd", lr=0.1, epochs=1)
    mine, theirs = build_with_learner_layers(config, classes), config.build_network()
    for network in (mine, theirs):
        pynn.fit(network, digits.X_train[:320], digits.y_train[:320], epochs=1, batch_size=32, seed=0)
    for (name, a, _), (_, b, _) in zip(mine.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6, err_msg=name)
