"""TensorBoard: event files written without TensorFlow, read back with TensorFlow's own reader
(TFRecord framing, Event / Summary protocol buffers), on every backend; using the callback on
torch does not import TensorFlow."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

from tests.callbacks import helpers
from unikeras import callbacks
from unikeras.callbacks import tensorboard as tb


def _tf():
    import tensorflow as tf

    return tf


def _events(folder):
    """Every event of the event files in ``folder``, oldest file first, read by TensorFlow."""
    tf = _tf()
    files = sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*")), key=lambda p: (os.path.getmtime(p), p))
    assert files, f"no event file in {folder}"
    return [list(tf.compat.v1.train.summary_iterator(path)) for path in files]


def _scalars(events):
    out = {}
    for event in events:
        for value in event.summary.value:
            if value.HasField("simple_value"):
                out.setdefault(value.tag, []).append((event.step, value.simple_value))
    return out


def test_records_and_protos_match_tensorflow_bytes(tmp_path):
    """The hand-written encodings are byte-identical to what TensorFlow and protobuf write."""
    tf = _tf()
    from tensorflow.core.framework import summary_pb2
    from tensorflow.core.util import event_pb2

    assert tb.crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    path = str(tmp_path / "r.tfrecord")
    payloads = [b"", b"x", bytes(range(256)) * 3]
    with tf.io.TFRecordWriter(path) as writer:
        for data in payloads:
            writer.write(data)
    with open(path, "rb") as f:
        assert f.read() == b"".join(tb.tfrecord(data) for data in payloads)

    expected = event_pb2.Event(wall_time=1.5, step=7, file_version="brain.Event:2")
    assert tb.event(1.5, 7, file_version="brain.Event:2") == expected.SerializeToString()
    values = np.array([-1.0, 0.5, 0.5, 2.0, 3.25])
    summary = tb.summary([tb.scalar_value("epoch_loss", 0.25), tb.histogram_value("dense/kernel", values, bins=3)])
    counts, edges = np.histogram(values, bins=3)
    histo = summary_pb2.HistogramProto(
        min=-1.0, max=3.25, num=5, sum=values.sum(), sum_squares=values @ values, bucket_limit=edges[1:], bucket=counts
    )
    expected = event_pb2.Event(
        wall_time=2.0,
        step=-3,
        summary=summary_pb2.Summary(
            value=[
                summary_pb2.Summary.Value(tag="epoch_loss", simple_value=0.25),
                summary_pb2.Summary.Value(tag="dense/kernel", histo=histo),
            ]
        ),
    )
    assert tb.event(2.0, -3, summary=summary) == expected.SerializeToString()


def test_fit_writes_epoch_batch_validation_and_histogram_summaries(backend, rng, tmp_path):
    x, y = helpers.data(rng)
    model = helpers.model()
    log_dir = tmp_path / "logs"
    board = callbacks.TensorBoard(log_dir, histogram_freq=2, update_freq=1, write_steps_per_second=True)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, validation_data=(x, y), callbacks=[board])

    (train,) = _events(log_dir / "train")
    assert train[0].file_version == "brain.Event:2"
    scalars = _scalars(train)
    np.testing.assert_allclose([v for _, v in scalars["epoch_loss"]], history.history["loss"], rtol=1e-6)
    assert [s for s, _ in scalars["epoch_loss"]] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in scalars["epoch_learning_rate"]], [0.05] * 3, rtol=1e-6)
    assert [s for s, _ in scalars["batch_loss"]] == [1, 2, 3, 4, 5, 6]  # the global batch index
    assert len(scalars["batch_steps_per_second"]) == 6 and len(scalars["epoch_steps_per_second"]) == 3
    assert all(v > 0 for _, v in scalars["epoch_steps_per_second"])
    (validation,) = _events(log_dir / "validation")
    val = _scalars(validation)
    np.testing.assert_allclose([v for _, v in val["epoch_loss"]], history.history["val_loss"], rtol=1e-6)
    # As in Keras, validation inside fit also logs evaluation_<name>_vs_iterations at the optimizer step.
    assert set(val) == {"epoch_loss", "evaluation_loss_vs_iterations"}
    assert [s for s, _ in val["evaluation_loss_vs_iterations"]] == [2, 4, 6]
    np.testing.assert_allclose([v for _, v in val["evaluation_loss_vs_iterations"]], history.history["val_loss"])

    histograms = [(e.step, v) for e in train for v in e.summary.value if v.HasField("histo")]
    assert sorted({step for step, _ in histograms}) == [0, 2]  # histogram_freq=2
    last = {v.tag: v.histo for step, v in histograms if step == 2}
    layer = model.layers[0]
    for weight, array in zip(layer.weights, model.get_weights()):
        histo = last[f"{layer.name}/{weight.name}/histogram"]
        assert histo.num == array.size and sum(histo.bucket) == array.size
        np.testing.assert_allclose(
            [histo.min, histo.max, histo.sum], [array.min(), array.max(), array.sum()], rtol=1e-6
        )

    # evaluate() with the callback logs evaluation_<name>_vs_iterations at the optimizer step.
    loss = model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[board])
    evaluation = _scalars(_events(log_dir / "validation")[-1])
    assert evaluation["evaluation_loss_vs_iterations"] == [(6, pytest.approx(loss, rel=1e-6))]


def test_tensorboard_arguments(tmp_path):
    for kwargs, match in [
        ({"update_freq": "sometimes"}, "`update_freq` must be 'epoch', 'batch' or a positive integer"),
        ({"update_freq": 0}, "`update_freq` must be"),
        ({"histogram_freq": -1}, "`histogram_freq` must be a non-negative integer"),
        ({"profile_batch": 2}, "profiling is not supported"),
        ({"embeddings_freq": 1}, "embedding projector is not supported"),
    ]:
        with pytest.raises(ValueError, match=match):
            callbacks.TensorBoard(tmp_path, **kwargs)
    with pytest.warns(UserWarning, match="write_graph is not supported"):
        callbacks.TensorBoard(tmp_path, write_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        board = callbacks.TensorBoard(tmp_path)
    # Only update_freq != "epoch" (or steps per second) adds per-batch hooks, which fit then calls.
    assert not callbacks.CallbackList([board]).wants("on_train_batch_end")
    assert callbacks.CallbackList([callbacks.TensorBoard(tmp_path, update_freq="batch")]).wants("on_train_batch_end")


def test_tensorboard_on_torch_does_not_import_tensorflow(tmp_path):
    script = f"""
import json, sys, numpy, unikeras
model = unikeras.Sequential([unikeras.Input((3,)), unikeras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
board = unikeras.callbacks.TensorBoard({str(tmp_path)!r}, histogram_freq=1, update_freq="batch")
model.fit(numpy.ones((8, 3)), numpy.ones((8, 1)), epochs=2, verbose=0, callbacks=[board])
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {{"tensorflow", "tensorboard", "keras"}})))
"""
    env = dict(os.environ, UNIKERAS_BACKEND="torch")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
    (train,) = _events(tmp_path / "train")
    assert [s for s, _ in _scalars(train)["epoch_loss"]] == [0, 1]
