"""Every kind of input to fit / evaluate / predict, on every backend: arrays, backend tensors,
lists and dicts (several inputs or outputs), generators, PyDataset, torch DataLoader and
tf.data.Dataset. Fed the same batches in the same order, each must train, evaluate and predict
exactly like the NumPy arrays; batches that do not fit together are clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import unikeras
from tests.utils.py_dataset_helpers import ArrayBatches, make_data
from unikeras import layers

BATCH = 8  # 20 samples: batches of 8, 8 and a smaller last one of 4


def _model():
    unikeras.utils.set_random_seed(7)
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.05), loss="mse")
    return model


def _batches(x, y=None, epochs=1):
    """A generator of the batches ``fit(x, y, batch_size=BATCH, shuffle=False)`` would use."""
    for _ in range(epochs):
        for start in range(0, len(x), BATCH):
            part = slice(start, start + BATCH)
            yield x[part] if y is None else (x[part], y[part])


def _run(model, initial, fit, evaluate, predict):
    """History losses, final weights, evaluate() and predict() of ``model`` reset to ``initial``."""
    model.set_weights(initial)
    fit_args, fit_kwargs = fit
    history = model.fit(*fit_args, epochs=2, verbose=0, **fit_kwargs).history["loss"]
    weights = model.get_weights()
    eval_args, eval_kwargs = evaluate
    loss = model.evaluate(*eval_args, verbose=0, **eval_kwargs)
    pred_args, pred_kwargs = predict
    return history, weights, loss, model.predict(*pred_args, verbose=0, **pred_kwargs)


def _input_kinds(backend, x, y):
    """For each input kind: (fit, evaluate, predict) arguments giving the reference batches."""
    import tensorflow as tf
    import torch

    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    return {
        "backend tensors": (
            ((backend.convert_to_tensor(x), backend.convert_to_tensor(y)), {"batch_size": BATCH, "shuffle": False}),
            ((backend.convert_to_tensor(x), backend.convert_to_tensor(y)), {"batch_size": BATCH}),
            ((backend.convert_to_tensor(x),), {"batch_size": BATCH}),
        ),
        "tf tensors": (
            ((tf.constant(x), tf.constant(y)), {"batch_size": BATCH, "shuffle": False}),
            ((tf.constant(x), tf.constant(y)), {"batch_size": BATCH}),
            ((tf.constant(x),), {"batch_size": BATCH}),
        ),
        "torch tensors": (
            ((tx, ty), {"batch_size": BATCH, "shuffle": False}),
            ((tx, ty), {"batch_size": BATCH}),
            ((tx,), {"batch_size": BATCH}),
        ),
        # A generator is read once: two epochs need steps_per_epoch and batches for both.
        "generator": (
            ((_batches(x, y, epochs=2),), {"steps_per_epoch": 3}),
            ((_batches(x, y),), {}),
            ((_batches(x),), {}),
        ),
        "PyDataset": (
            ((ArrayBatches(x, y, BATCH, workers=2, max_queue_size=2),), {"shuffle": False}),
            ((ArrayBatches(x, y, BATCH),), {}),
            ((ArrayBatches(x, None, BATCH, workers=2),), {}),
        ),
        "torch DataLoader": (
            ((torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx, ty), batch_size=BATCH),), {}),
            ((torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx, ty), batch_size=BATCH),), {}),
            ((torch.utils.data.DataLoader(torch.utils.data.TensorDataset(tx), batch_size=BATCH),), {}),
        ),
        "tf.data.Dataset": (
            ((tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH),), {}),
            ((tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH),), {}),
            ((tf.data.Dataset.from_tensor_slices(x).batch(BATCH),), {}),
        ),
    }


def test_every_input_kind_trains_evaluates_and_predicts_like_the_arrays(backend):
    x, y = make_data(20)
    model = _model()
    initial = model.get_weights()
    reference = _run(
        model,
        initial,
        ((x, y), {"batch_size": BATCH, "shuffle": False}),
        ((x, y), {"batch_size": BATCH}),
        ((x,), {"batch_size": BATCH}),
    )
    assert reference[0][1] < reference[0][0]  # it learns
    for kind, (fit, evaluate, predict) in _input_kinds(backend, x, y).items():
        history, weights, loss, predictions = _run(model, initial, fit, evaluate, predict)
        np.testing.assert_allclose(history, reference[0], rtol=1e-5, err_msg=kind)
        for w, w_ref in zip(weights, reference[1]):
            np.testing.assert_allclose(w, w_ref, rtol=1e-5, atol=1e-7, err_msg=kind)
        np.testing.assert_allclose(loss, reference[2], rtol=1e-5, err_msg=kind)
        assert predictions.shape == (20, 1), kind
        np.testing.assert_allclose(predictions, reference[3], rtol=1e-5, atol=1e-7, err_msg=kind)


def test_batches_may_be_x_alone_a_1_tuple_or_carry_sample_weights(backend):
    x, y = make_data(20)
    weights = np.linspace(0.0, 2.0, 20).astype("float32")
    model = _model()
    expected = model.evaluate(x, y, sample_weight=weights, batch_size=BATCH, verbose=0)
    gen = ((x[i : i + BATCH], y[i : i + BATCH], weights[i : i + BATCH]) for i in range(0, 20, BATCH))
    np.testing.assert_allclose(model.evaluate(gen, verbose=0), expected, rtol=1e-5)
    reference = model.predict(x, verbose=0)
    one_tuples = ((x[i : i + BATCH],) for i in range(0, 20, BATCH))
    np.testing.assert_allclose(model.predict(one_tuples, verbose=0), reference, rtol=1e-6)
    # predict ignores the targets of (x, y) batches; `steps` stops an endless generator.
    endless = (batch for _ in iter(int, 1) for batch in _batches(x, y))
    np.testing.assert_allclose(model.predict(endless, steps=3, verbose=0), reference, rtol=1e-6)


def _two_inputs(as_dict=False):
    unikeras.utils.set_random_seed(3)
    a, c = unikeras.Input((3,), name="a"), unikeras.Input((2,), name="c")
    out = layers.Dense(1, name="out")(layers.Concatenate()([a, c]))
    model = unikeras.Model({"a": a, "c": c} if as_dict else [a, c], out)
    model.compile(optimizer=unikeras.optimizers.SGD(0.05), loss="mse")
    return model


def test_several_inputs_as_lists_dicts_and_generators(backend, rng):
    xa = rng.standard_normal((20, 3)).astype("float32")
    xc = rng.standard_normal((20, 2)).astype("float32")
    y = rng.standard_normal((20, 1)).astype("float32")
    kwargs = {"batch_size": BATCH, "epochs": 2, "shuffle": False, "verbose": 0}
    model = _two_inputs()
    initial = model.get_weights()
    reference = model.fit([xa, xc], y, **kwargs).history["loss"]
    gen = (({"a": xa[i : i + BATCH], "c": xc[i : i + BATCH]}, y[i : i + BATCH]) for _ in range(2) for i in (0, 8, 16))
    variants = {
        "tuple": (((xa, xc), y), kwargs),
        # A dict is matched to the inputs by Input name, whatever its key order.
        "dict": (({"c": xc, "a": xa}, y), kwargs),
        "generator of dicts": ((gen,), {"steps_per_epoch": 3, "epochs": 2, "verbose": 0}),
    }
    for name, (args, fit_kwargs) in variants.items():
        model.set_weights(initial)
        np.testing.assert_allclose(model.fit(*args, **fit_kwargs).history["loss"], reference, rtol=1e-5, err_msg=name)
    dict_model = _two_inputs(as_dict=True)
    np.testing.assert_allclose(dict_model.fit({"c": xc, "a": xa}, y, **kwargs).history["loss"], reference, rtol=1e-5)
    np.testing.assert_allclose(
        dict_model.predict({"a": xa, "c": xc}, verbose=0), dict_model.predict_on_batch({"c": xc, "a": xa}), rtol=1e-6
    )
    with pytest.raises(ValueError, match=r"takes inputs \['a', 'c'\].*lacks \['c'\]"):
        model.fit({"a": xa, "cc": xc}, y, verbose=0)
    with pytest.raises(ValueError, match=r"x\[0\] has 20, x\[1\] has 19"):
        model.fit([xa, xc[:19]], y, verbose=0)


def _two_outputs(as_dict=False):
    unikeras.utils.set_random_seed(5)
    inputs = unikeras.Input((3,), name="x")
    first, second = layers.Dense(1, name="first")(inputs), layers.Dense(2, name="second")(inputs)
    model = unikeras.Model(inputs, {"first": first, "second": second} if as_dict else [first, second])
    model.compile(optimizer=unikeras.optimizers.SGD(0.05), loss=["mse", "mse"] if not as_dict else "mse")
    return model


def test_several_outputs_take_nested_targets_and_sample_weights(backend, rng):
    x = rng.standard_normal((12, 3)).astype("float32")
    y1 = rng.standard_normal((12, 1)).astype("float32")
    y2 = rng.standard_normal((12, 2)).astype("float32")
    w1 = rng.uniform(0.0, 2.0, 12).astype("float32")
    w2 = rng.uniform(0.0, 2.0, 12).astype("float32")
    model = _two_outputs()
    kernel1, bias1, kernel2, bias2 = (w.astype(np.float64) for w in model.get_weights())
    se1 = ((x @ kernel1 + bias1 - y1) ** 2).mean(axis=-1)
    se2 = ((x @ kernel2 + bias2 - y2) ** 2).mean(axis=-1)
    expected = (se1 * w1).mean() + (se2 * w2).mean()  # each output: sum of weighted losses / batch size
    as_list = model.test_on_batch(x, [y1, y2], sample_weight=[w1, w2])
    as_dict = model.test_on_batch(x, {"first": y1, "second": y2}, sample_weight={"second": w2, "first": w1})
    np.testing.assert_allclose(np.ravel(as_list)[0], expected, rtol=1e-5)
    np.testing.assert_allclose(np.ravel(as_dict)[0], expected, rtol=1e-5)
    gen = (
        (x[i : i + 6], {"first": y1[i : i + 6], "second": y2[i : i + 6]}, [w1[i : i + 6], w2[i : i + 6]])
        for i in (0, 6)
    )
    np.testing.assert_allclose(model.evaluate(gen, verbose=0, return_dict=True)["loss"], expected, rtol=1e-5)
    predictions = model.predict(x, batch_size=5, verbose=0)
    assert isinstance(predictions, list) and [p.shape for p in predictions] == [(12, 1), (12, 2)]
    np.testing.assert_allclose(predictions[1], x @ kernel2 + bias2, rtol=1e-4, atol=1e-5)
    dict_model = _two_outputs(as_dict=True)
    predictions = dict_model.predict(x, batch_size=5, verbose=0)
    assert isinstance(predictions, dict) and {k: v.shape for k, v in predictions.items()} == {
        "first": (12, 1),
        "second": (12, 2),
    }
    history = dict_model.fit(x, {"first": y1, "second": y2}, epochs=2, batch_size=6, verbose=0).history
    assert history["loss"][1] < history["loss"][0]


def test_batches_with_inconsistent_shapes_are_named_errors(backend):
    x, y = make_data(24)
    model = _model()

    def feature_change():
        yield x[:8], y[:8]
        yield x[8:16], y[8:16]
        yield np.zeros((8, 4), "float32"), y[16:]

    with pytest.raises(
        ValueError, match=r"Batch 2 from the generator: x has shape \(8, 4\), but batch 0 had shape \(8, 3\)"
    ):
        model.fit(feature_change(), verbose=0)

    def sizes_differ():
        yield x[:8], y[:8]
        yield x[8:16], y[8:15]

    with pytest.raises(ValueError, match=r"Batch 1 from the generator: x has shape \(8, 3\) but y has shape \(7, 1\)"):
        model.fit(sizes_differ(), verbose=0)
    with pytest.raises(ValueError, match=r"Batch 0.*holds 4 items"):
        model.fit(iter([(x, y, y, y)]), verbose=0)
    with pytest.raises(ValueError, match="yielded no batches"):
        model.fit(iter([]), verbose=0)
    with pytest.raises(ValueError, match="yields batches without targets"):
        model.fit(_batches(x), verbose=0)
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, 3\).*`x` has shape \(4, 5\)"):
        model.fit(iter([(np.zeros((4, 5), "float32"), y[:4])]), verbose=0)


def test_axes_the_model_declares_none_may_change_between_batches(backend, rng):
    unikeras.utils.set_random_seed(2)
    model = unikeras.Sequential([unikeras.Input((None, 3)), layers.GlobalAveragePooling1D(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    steps = [
        (rng.standard_normal((4, t, 3)).astype("float32"), rng.standard_normal((4, 1)).astype("float32"))
        for t in (5, 7, 5)
    ]
    history = model.fit(iter(steps), verbose=0).history
    assert np.isfinite(history["loss"][0])
    expected = np.mean([model.evaluate(xb, yb, verbose=0) for xb, yb in steps])
    np.testing.assert_allclose(model.evaluate(iter(steps), verbose=0), expected, rtol=1e-5)


def test_arguments_that_do_not_go_with_a_generator(backend):
    x, y = make_data(16)
    model = _model()
    with pytest.raises(ValueError, match=r"`y` cannot be passed when `x` is a generator"):
        model.fit(_batches(x, y), y, verbose=0)
    with pytest.raises(ValueError, match=r"`sample_weight` cannot be passed when `x` is a PyDataset"):
        model.evaluate(ArrayBatches(x, y, 8), sample_weight=np.ones(16), verbose=0)
    with pytest.raises(
        ValueError, match=r"`validation_split` is only supported for array inputs, received a generator"
    ):
        model.fit(_batches(x, y), validation_split=0.2, verbose=0)


def test_a_used_up_generator_stops_training_with_a_warning(backend):
    x, y = make_data(16)
    model = _model()
    with pytest.warns(UserWarning, match="no data left for epoch 2: training stops"):
        history = model.fit(_batches(x, y), epochs=3, verbose=0)
    assert history.epoch == [0]
    gen = _batches(x, y)
    model.fit(gen, verbose=0)
    with pytest.raises(ValueError, match=r"`x` \(generator\) yielded no batches"):
        model.evaluate(gen, verbose=0)
    # A generator as validation data is used up by the first validation.
    with pytest.raises(ValueError, match=r"`validation_data` \(generator\) yielded no batches to evaluate on"):
        model.fit(x, y, epochs=2, validation_data=_batches(x, y), verbose=0)


def test_fitting_a_generator_and_a_pydataset_loads_no_other_framework():
    """The input kinds are recognised without importing torch or tensorflow (import-cost rule)."""
    code = (
        "import sys, json, numpy as np, unikeras\n"
        "from tests.utils.py_dataset_helpers import ArrayBatches, make_data\n"
        "x, y = make_data(8)\n"
        "m = unikeras.Sequential([unikeras.Input((3,)), unikeras.layers.Dense(1)])\n"
        "m.compile(optimizer='sgd', loss='mse')\n"
        "m.fit(iter([(x, y)]), verbose=0)\n"
        "m.fit(ArrayBatches(x, y, 4, workers=2), verbose=0)\n"
        "m.predict(ArrayBatches(x, None, 4), verbose=0)\n"
        "print(json.dumps(sorted({n.split('.')[0] for n in sys.modules} & {'torch', 'tensorflow', 'keras'})))\n"
    )
    env = dict(os.environ, UNIKERAS_BACKEND="jax")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []


def test_torch_dataloader_and_tf_dataset_on_any_backend_keep_their_structure(backend):
    """Dict features from tf.data and (x, y, sample_weight) from a DataLoader convert batch by batch."""
    import tensorflow as tf
    import torch

    x, y = make_data(12)
    weights = np.linspace(0.5, 1.5, 12).astype("float32")
    unikeras.utils.set_random_seed(4)
    inputs = unikeras.Input((3,), name="features")
    model = unikeras.Model({"features": inputs}, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    expected = model.evaluate({"features": x}, y, sample_weight=weights, batch_size=5, verbose=0)
    dataset = tf.data.Dataset.from_tensor_slices(({"features": x}, y, weights)).batch(5)
    np.testing.assert_allclose(model.evaluate(dataset, verbose=0), expected, rtol=1e-5)

    class Samples(torch.utils.data.Dataset):
        def __len__(self):
            return len(x)

        def __getitem__(self, i):
            return {"features": torch.from_numpy(x[i])}, torch.from_numpy(y[i]), torch.tensor(weights[i])

    loader = torch.utils.data.DataLoader(Samples(), batch_size=5)  # the default collate keeps the dict
    np.testing.assert_allclose(model.evaluate(loader, verbose=0), expected, rtol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a full pass of a finite dataset warns about nothing
        model.fit(dataset, epochs=2, verbose=0)
