"""Checks a learner can trust: settings text, model files, layer shapes and the gradient
check refuse what they cannot handle, early and in plain words."""

import io
import json
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import pynn
from pynn import Dense, ModelFileError, ReLU, TrainingConfig
from pynn.arch import parse_arch
from pynn.config import FIELD, parse_hidden
from pynn.conv import Conv2D, Flatten, MaxPool2D, Reshape
from pynn.gradcheck import assert_layer_gradients, check_layer_gradients

LONG = 200_000


# -- 1. settings text ---------------------------------------------------------------------
@pytest.mark.parametrize("name, text, message", [
    ("lr", "1" * LONG, "Learning rate is too long (200,000 characters): type a number from 1e-07 to 10000"),
    ("lr", "1" * 12_000 + "x", "Learning rate is too long (12,001 characters)"),
    ("batch_size", "1" * LONG, "Batch size is too long (200,000 characters): type a whole number from 1 to 65536"),
    ("hidden", "1," * (LONG // 2), "Hidden layers is too long (200,000 characters): type sizes"),
    ("arch", "conv1x1 " * (LONG // 8), "Convolutions is too long (200,000 characters): type words like"),
    ("activation", "r" * LONG, "Activation is too long (200,000 characters): choose one of relu"),
])
def test_an_over_long_setting_is_refused_in_the_forms_words(name, text, message):
    assert TrainingConfig.field_errors({name: text})[name].startswith(message)
    with pytest.raises(ValueError) as error:
        TrainingConfig().update({name: text})
    assert str(error.value).startswith(message) and len(str(error.value)) < 300


def test_hidden_and_arch_texts_are_refused_when_too_long_even_when_parsed_directly():
    with pytest.raises(ValueError, match=r"^Hidden layers is too long \(200,001 characters\)"):
        parse_hidden("0" * LONG + "1")
    with pytest.raises(ValueError, match=r"^Convolutions is too long \(200,000 characters\)"):
        parse_arch(" " * LONG)


def test_the_text_patterns_finish_on_pathological_input():
    """Each was matched in quadratic time before (6.4 s for a 12,000-character number);
    linear now, so 20,000 characters take milliseconds."""
    digits = "1" * 20_000
    for text in (digits + "x", digits + "..", "1." + digits + "x", "1e" + digits + "x", "." + digits + "e"):
        assert pynn.config._DECIMAL.fullmatch(text) is None
        assert pynn.config._WHOLE.fullmatch(text) is None
    for text in ("conv" + digits + "x", "conv1x" + digits + "s", "conv1x1s" + digits + "q", "pool" + digits + "x"):
        assert pynn.arch._CONV.fullmatch(text) is None and pynn.arch._POOL.fullmatch(text) is None
    for text in ('"' + "\\" * 20_000, '"' + "\\a" * 10_000, "[" * 20_000, '"' * 20_000):
        assert len(list(pynn.io.JSON_TOKENS.finditer(text))) > 0
    assert FIELD["lr"].check(" 1e-3 ") == 0.001 and FIELD["lr"].check("5.") == 5.0


# -- 2. bombs in model files --------------------------------------------------------------
def small_model() -> bytes:
    return pynn.io.to_bytes(pynn.build_mlp(20, (12,), 4, rng=0, optimizer=pynn.Momentum()))


def replaced(data: bytes, name: str, write) -> bytes:
    """The archive with member ``name`` written anew by ``write(file)``, deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != name:
                new.writestr(info.filename, old.read(info))
        with new.open(name, "w", force_zip64=True) as member:
            write(member)
    return out.getvalue()


def zeros_npy(shape, dtype="<f4"):
    """Write a .npy of zeros of ``shape`` a megabyte at a time (the test never holds it)."""
    def write(file):
        np.lib.format.write_array_header_2_0(file, {"descr": dtype, "fortran_order": False, "shape": shape})
        left = int(np.prod(shape)) * np.dtype(dtype).itemsize
        chunk = bytes(2**20)
        while left:
            file.write(chunk[:min(left, len(chunk))])
            left -= min(left, len(chunk))
    return write


def peak_while_loading(data: bytes, message: str) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=message):
            pynn.load(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("key, message", [
    ("layers.0.W", r"layer 0 \(Dense\) declares W of shape \(20, 12\) but the file holds \(4096, 4096\)"),
    ("optimizer.v.0.W", r"optimizer state v.0.W has shape \(4096, 4096\); its parameter has shape \(20, 12\)"),
    ("optimizer.v.9.W", r"optimizer state v.9.W belongs to no parameter"),
    ("optimizer.steps", r"optimizer steps must be a whole number >= 0, got an array of shape \(4096, 4096\)"),
])
def test_a_small_file_of_compressed_zeros_is_refused_before_its_data_is_read(key, message):
    data = replaced(small_model(), f"{key}.npy", zeros_npy((4096, 4096)))  # 64 MiB of zeros
    assert len(data) < 200_000
    assert peak_while_loading(data, message) < 4 * 2**20


@pytest.mark.parametrize("convert", [np.asfortranarray, lambda w: w.astype(">f8")], ids=["fortran", "big-endian"])
def test_arrays_read_a_chunk_at_a_time_keep_their_values(convert):
    net = pynn.build_mlp(20, (12,), 4, rng=0)
    weights = np.random.default_rng(0).normal(size=(20, 12)).astype(np.float32)
    net.layers[0].weights = weights
    data = pynn.io.to_bytes(net)
    with np.load(io.BytesIO(data)) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["layers.0.W"] = convert(weights)
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    np.testing.assert_array_equal(pynn.load(out.getvalue()).layers[0].weights, weights)


def with_declared_size(data: bytes, name: str, file_size: int) -> bytes:
    """``data`` with the uncompressed size of member ``name`` changed in the central directory."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46:at + 46 + length] == name.encode():
            struct.pack_into("<I", out, at + 24, file_size)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def test_an_entry_declaring_more_values_than_a_model_may_hold_is_refused_naming_it():
    shape = (pynn.io.MAX_ARRAY_ELEMENTS + 1,)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": shape})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("layers.0.W.npy", header.getvalue() + bytes(16))
    data = with_declared_size(out.getvalue(), "layers.0.W.npy", len(header.getvalue()) + shape[0])
    peak = peak_while_loading(data, rf"entry layers.0.W declares uint8 of shape \({shape[0]},\): "
                                    rf"{shape[0]:,} values \({shape[0]:,} bytes\), more than a model file may hold")
    assert peak < 4 * 2**20


def test_an_entry_holding_less_than_its_zip_header_says_is_refused():
    data = small_model()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        size = archive.getinfo("layers.0.b.npy").file_size
    with pytest.raises(ModelFileError, match="entry layers.0.b .* but holds"):
        pynn.load(with_declared_size(data, "layers.0.b.npy", size + 40))


def test_a_huge_config_is_refused_before_it_is_read():
    data = replaced(small_model(), "config.json.npy", zeros_npy((), "<U2000000"))
    peak_while_loading(data, "config.json holds 2,000,000 characters; a model file's config "
                             "may hold at most 1,048,576")


# -- 3. layer settings in model files -----------------------------------------------------
def conv_file(first_conv: dict, reshape=True) -> bytes:
    net = pynn.Network([Reshape((1, 6, 6)), Conv2D(1, 2, 3, rng=0), ReLU(), MaxPool2D(2), Flatten(),
                        Dense(8, 3, rng=0)])
    data = pynn.io.to_bytes(net, include_optimizer=False)
    with np.load(io.BytesIO(data)) as archive:
        arrays = {key: archive[key] for key in archive.files}
    config = json.loads(str(arrays["config.json"]))
    config["layers"][1].update(first_conv)
    if not reshape:  # the convolution first: the image size is unknown until predict
        config["layers"] = config["layers"][1:]
        arrays = {key if not key.startswith("layers.") else
                  f"layers.{int(key.split('.')[1]) - 1}.{key.split('.')[2]}": value
                  for key, value in arrays.items()}
    arrays["config.json"] = np.array(json.dumps(config))
    out = io.BytesIO()
    np.savez(out, **arrays)
    return out.getvalue()


@pytest.mark.parametrize("change, key", [
    ({"padding": 10**9}, "padding"), ({"padding": 65}, "padding"), ({"padding": -1}, "padding"),
    ({"padding": 1.5}, "padding"), ({"padding": True}, "padding"), ({"stride": 0}, "stride"),
    ({"stride": False}, "stride"), ({"stride": 2.0}, "stride"), ({"kernel_size": -1}, "kernel_size"),
    ({"kernel_size": True}, "kernel_size"), ({"init": "zeros"}, "init"),
])
@pytest.mark.parametrize("reshape", [True, False], ids=["after-reshape", "first"])
def test_conv_settings_in_a_model_file_get_the_constructors_checks(change, key, reshape):
    index = 1 if reshape else 0
    with pytest.raises(ModelFileError, match=rf"layer {index} \(Conv2D\) has bad settings: .*{key}"):
        pynn.load(conv_file(change, reshape))


def test_conv2d_padding_is_bounded():
    with pytest.raises(ValueError, match=r"Conv2D padding must be at most 64 .* got 1000000000"):
        Conv2D(1, 2, 3, padding=10**9)
    with pytest.raises(ValueError, match=r"Conv2D padding must be at most 99 .* got 100"):
        Conv2D(1, 1, 100, padding=100)
    assert Conv2D(1, 2, 3, padding=64).output_shape((1, 4, 4)) == (2, 130, 130)
    assert Conv2D(1, 1, 100, padding=99, rng=0).padding == 99


# -- 4. absurd metadata numbers -----------------------------------------------------------
@pytest.mark.parametrize("epochs", [10**400, float("nan"), float("inf"), -1e308])
def test_absurd_metadata_numbers_load_as_they_are(epochs):
    net = pynn.build_mlp(4, (3,), 2, rng=0)
    loaded = pynn.load(pynn.io.to_bytes(net, metadata={"epochs": epochs}))
    assert repr(loaded.metadata["epochs"]) == repr(epochs)


def test_a_number_too_long_to_read_is_refused_in_plain_words():
    net = pynn.build_mlp(4, (3,), 2, rng=0)
    data = pynn.io.to_bytes(net, metadata={"epochs": "E"})
    with np.load(io.BytesIO(data)) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["config.json"] = np.array(str(arrays["config.json"]).replace('"E"', "9" * 5000))
    out = io.BytesIO()
    np.savez(out, **arrays)
    with pytest.raises(ModelFileError, match="config.json holds a whole number of 5,000 digits") as error:
        pynn.load(out.getvalue())
    assert "set_int_max_str_digits" not in str(error.value)


# -- 5. Reshape and Flatten backward ------------------------------------------------------
@pytest.mark.parametrize("layer, x, grad, expected", [
    (Reshape((1, 2, 2)), np.zeros((3, 4)), np.zeros((3, 5)), r"\(3, 1, 2, 2\)"),
    (Reshape((1, 2, 2)), np.zeros((3, 4)), np.zeros((3, 4)), r"\(3, 1, 2, 2\)"),
    (Flatten(), np.zeros((2, 2, 3)), np.zeros((3, 4)), r"\(2, 6\)"),
    (Flatten(), np.zeros((2, 2, 3)), np.zeros((2, 7)), r"\(2, 6\)"),
])
def test_reshape_and_flatten_backward_name_the_shapes(layer, x, grad, expected):
    with pytest.raises(ValueError, match=rf"grad_output must have shape {expected} \(the output's\), "
                                         rf"got \({grad.shape[0]}, {grad.shape[1]}\)"):
        layer.backward(x, grad)


# -- 6. empty networks --------------------------------------------------------------------
def test_a_network_without_layers_is_refused():
    with pytest.raises(ValueError, match=r"a network needs at least one layer, got \[\]"):
        pynn.Network([])
    with pytest.raises(ValueError, match=r"the network has no layers yet"):
        pynn.Network().predict(np.zeros((2, 3)))
    assert repr(pynn.Network().add(Dense(3, 2, rng=0))) == "Network([Dense(3, 2)])"


# -- 7. the gradient check ----------------------------------------------------------------
class Square(pynn.layers.Layer):
    """``x²``: its gradient depends on ``x``, so the check must evaluate it at ``x``."""

    def forward(self, input):
        return input ** 2

    def backward(self, input, grad_output):
        return 2 * input * grad_output


class DividingDense(Dense):
    def backward(self, input, grad_output):
        grad_output /= len(input)
        return super().backward(input, grad_output)


class ZeroingReLU(ReLU):
    def backward(self, input, grad_output):
        grad_output *= 0
        return super().backward(input, grad_output)


class OverwritingSquare(Square):
    def backward(self, input, grad_output):  # right only where x == 1, and makes it so
        input[...] = 1
        return 2 * grad_output


class MutatingSquare(Square):
    def forward(self, input):
        out = input ** 2
        input[...] = 1
        return out

    def backward(self, input, grad_output):
        return 2 * grad_output


def inputs(rng):
    """Values at least 0.1 away from ReLU's kink at 0."""
    x = rng.normal(size=(3, 4))
    return np.sign(x) * (np.abs(x) + 0.1)


@pytest.mark.parametrize("make, message", [
    (lambda: DividingDense(4, 2, rng=0, dtype=np.float64), "relative error"),
    (ZeroingReLU, "backward gave all zeros where the numerical gradient is not"),
    (OverwritingSquare, "backward changed its input in place"),
    (MutatingSquare, "forward changed its input in place"),
], ids=["divides-grad_output", "zeroes-grad_output", "overwrites-input", "forward-mutates-input"])
def test_a_wrong_layer_cannot_fool_the_gradient_check(make, message):
    with pytest.raises(AssertionError, match=message):
        assert_layer_gradients(make(), inputs(np.random.default_rng(0)), rng=0)


def test_in_place_grad_output_changes_no_longer_change_the_expected_answer():
    errors = check_layer_gradients(DividingDense(4, 2, rng=0, dtype=np.float64), inputs(np.random.default_rng(0)), 0)
    assert errors["input"] > 0.1 and errors["W"] > 0.1
    assert check_layer_gradients(ZeroingReLU(), inputs(np.random.default_rng(0)), 0)["input"] == 1.0


@pytest.mark.parametrize("rng", [0, 7, np.random.default_rng(3), None])
def test_correct_layers_pass_with_a_seed_or_a_generator(rng):
    x = inputs(np.random.default_rng(1))
    for layer in (Dense(4, 3, rng=0), ReLU(), Square()):
        assert max(check_layer_gradients(layer, x, rng).values()) < 1e-6
        assert_layer_gradients(layer, x, rng)


@pytest.mark.parametrize("rng", ["0", 1.5, True, [0]])
def test_a_bad_rng_is_refused_naming_rng(rng):
    with pytest.raises(TypeError, match=r"^rng must be a whole number"):
        check_layer_gradients(ReLU(), np.ones((2, 2)), rng)
