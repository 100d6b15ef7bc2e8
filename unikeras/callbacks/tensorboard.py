"""``TensorBoard``: write training logs as TensorBoard event files, without TensorFlow.

An event file is a sequence of TFRecords (``uint64`` length, masked CRC-32C of the length, the
bytes, masked CRC-32C of the bytes), each holding one ``tensorflow.Event`` protocol buffer. The
first event carries ``file_version = "brain.Event:2"``; the others a ``Summary`` of scalars
(``simple_value``) or histograms (``HistogramProto``). The few protobuf fields needed are
encoded here by hand, so using this callback never imports TensorFlow.
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import time
import warnings
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np

from unikeras.callbacks.callback import Callback
from unikeras.callbacks.learning_rate_scheduler import read_learning_rate

# ---------------------------------------------------------------------- CRC-32C (Castagnoli)


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """The CRC-32C checksum of ``data`` (the one TFRecord uses)."""
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: rotated right by 15 bits plus a constant."""
    crc = crc32c(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data: bytes) -> bytes:
    """``data`` framed as one TFRecord."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


# ---------------------------------------------------------------------- protobuf wire format


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64 values take ten bytes, as protobuf writes them
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_bytes(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _field_double(number: int, value: float) -> bytes:
    return _varint(number << 3 | 1) + struct.pack("<d", value)


def _field_float(number: int, value: float) -> bytes:
    return _varint(number << 3 | 5) + struct.pack("<f", value)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def event(wall_time: float, step: int, *, file_version: str | None = None, summary: bytes | None = None) -> bytes:
    """A serialized ``Event`` (wall_time = 1, step = 2, file_version = 3, summary = 5)."""
    out = _field_double(1, wall_time) + _field_varint(2, step)
    if file_version is not None:
        out += _field_bytes(3, file_version.encode())
    if summary is not None:
        out += _field_bytes(5, summary)
    return out


def scalar_value(tag: str, value: float) -> bytes:
    """A serialized ``Summary.Value`` with ``simple_value`` (tag = 1, simple_value = 2)."""
    return _field_bytes(1, tag.encode()) + _field_float(2, value)


def histogram_value(tag: str, values: np.ndarray, bins: int = 30) -> bytes:
    """A serialized ``Summary.Value`` holding a ``HistogramProto`` of ``values`` (histo = 5)."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size:
        counts, edges = np.histogram(values, bins=bins)
        low, high = float(values.min()), float(values.max())
    else:
        counts, edges, low, high = np.zeros(0), np.zeros(1), 0.0, 0.0
    histo = (
        _field_double(1, low)
        + _field_double(2, high)
        + _field_double(3, float(values.size))
        + _field_double(4, float(values.sum()))
        + _field_double(5, float(np.dot(values, values)))
        + _field_bytes(6, np.asarray(edges[1:], "<f8").tobytes())  # packed repeated double: bucket_limit
        + _field_bytes(7, np.asarray(counts, "<f8").tobytes())  # packed repeated double: bucket
    )
    return _field_bytes(1, tag.encode()) + _field_bytes(5, histo)


def summary(values: list[bytes]) -> bytes:
    """A serialized ``Summary`` from serialized ``Summary.Value``s (value = 1)."""
    return b"".join(_field_bytes(1, v) for v in values)


_file_ids = itertools.count()


class EventFileWriter:
    """Appends events to a new ``events.out.tfevents.*`` file in ``log_dir``."""

    def __init__(self, log_dir: str) -> None:
        os.makedirs(log_dir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}.{next(_file_ids)}.v2"
        self.path = os.path.join(log_dir, name)
        self._file: BinaryIO | None = open(self.path, "wb")  # noqa: SIM115 - closed by close()
        self._write(event(time.time(), 0, file_version="brain.Event:2"))
        self.flush()

    def _write(self, data: bytes) -> None:
        if self._file is None:
            raise ValueError(f"EventFileWriter: {self.path} is closed.")
        self._file.write(tfrecord(data))

    def add_values(self, values: list[bytes], step: int) -> None:
        """One event holding the serialized ``Summary.Value``s at ``step``."""
        if values:
            self._write(event(time.time(), int(step), summary=summary(values)))

    def add_scalars(self, scalars: Mapping[str, float], step: int) -> None:
        self.add_values([scalar_value(tag, float(v)) for tag, v in scalars.items()], step)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


# ---------------------------------------------------------------------- the callback


class TensorBoard(Callback):
    """Write the training logs for TensorBoard (``tensorboard --logdir=log_dir``).

    Epoch logs go to ``log_dir/train`` (as ``epoch_loss``, ``epoch_accuracy``,
    ``epoch_learning_rate``, ...) and their ``val_`` entries to ``log_dir/validation`` (as
    ``epoch_loss``, ...), with the epoch index as step, as in Keras.

    Args:
        log_dir: folder of the log files.
        histogram_freq: frequency in epochs at which to write histograms of the layers'
            weights (0: never).
        write_graph: not supported (no framework graph exists to write): warns when ``True``.
        write_images: not supported (weights as images): warns when ``True``.
        write_steps_per_second: also log the training speed in steps per second.
        update_freq: ``"epoch"``, ``"batch"`` or an integer: with ``"batch"`` or ``N``, the batch
            logs are also written (as ``batch_loss``, ...) every ``N`` batches, the global batch
            index as step.
        profile_batch: must be 0 (profiling is not supported).
        embeddings_freq: must be 0 (the embedding projector is not supported).
        embeddings_metadata: unused.
    """

    #: Under a distribution, only the chief process (rank 0) runs it: it writes files.
    chief_only = True

    def __init__(
        self,
        log_dir: str | os.PathLike = "logs",
        histogram_freq: int = 0,
        write_graph: bool = False,
        write_images: bool = False,
        write_steps_per_second: bool = False,
        update_freq: str | int = "epoch",
        profile_batch: int = 0,
        embeddings_freq: int = 0,
        embeddings_metadata: Any = None,
    ) -> None:
        super().__init__()
        if not isinstance(histogram_freq, int) or isinstance(histogram_freq, bool) or histogram_freq < 0:
            raise ValueError(
                f"TensorBoard: `histogram_freq` must be a non-negative integer, received {histogram_freq!r}."
            )
        if update_freq not in ("epoch", "batch") and (
            not isinstance(update_freq, int) or isinstance(update_freq, bool) or update_freq < 1
        ):
            raise ValueError(
                f"TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive integer, received {update_freq!r}."
            )
        if profile_batch not in (0, None):
            raise ValueError(
                f"TensorBoard: profiling is not supported. Received: profile_batch={profile_batch} (must be 0)"
            )
        if embeddings_freq:
            raise ValueError(
                f"TensorBoard: the embedding projector is not supported. Received: embeddings_freq={embeddings_freq} "
                "(must be 0)"
            )
        if write_graph:
            warnings.warn("TensorBoard: write_graph is not supported; no graph is written.", stacklevel=2)
        if write_images:
            warnings.warn("TensorBoard: write_images is not supported; no weight images are written.", stacklevel=2)
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers: dict[str, EventFileWriter] = {}
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_batches = 0
        self._training = False
        if self.update_freq != "epoch" or write_steps_per_second:
            # Per-batch hooks only when needed: fit skips the hooks no callback defines.
            self.on_train_batch_begin = self._on_train_batch_begin
            self.on_train_batch_end = self._on_train_batch_end

    def _writer(self, kind: str) -> EventFileWriter:
        writer = self._writers.get(kind)
        if writer is None:
            writer = self._writers[kind] = EventFileWriter(self._train_dir if kind == "train" else self._val_dir)
        return writer

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._global_train_batch = 0
        self._training = True

    def on_train_end(self, logs: Mapping | None = None) -> None:
        self._training = False
        self._close_writers()

    def on_epoch_begin(self, epoch: int, logs: Mapping | None = None) -> None:
        self._epoch_start_time = time.time()
        self._epoch_batches = 0

    def _on_train_batch_begin(self, batch: int, logs: Mapping | None = None) -> None:
        self._global_train_batch += 1
        self._epoch_batches += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def _on_train_batch_end(self, batch: int, logs: Mapping | None = None) -> None:
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        scalars = {f"batch_{name}": value for name, value in (logs or {}).items()}
        if self.write_steps_per_second:
            scalars["batch_steps_per_second"] = 1.0 / max(time.time() - self._batch_start_time, 1e-9)
        self._writer("train").add_scalars(scalars, self._global_train_batch)

    def on_epoch_end(self, epoch: int, logs: Mapping | None = None) -> None:
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if getattr(self.model, "optimizer", None) is not None:
            train["learning_rate"] = read_learning_rate(self.model)
        if self.write_steps_per_second:
            train["steps_per_second"] = self._epoch_batches / max(time.time() - self._epoch_start_time, 1e-9)
        if logs:
            self._writer("train").add_scalars({f"epoch_{k}": v for k, v in train.items()}, epoch)
        if val:
            self._writer("val").add_scalars({f"epoch_{k}": v for k, v in val.items()}, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs: Mapping | None = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        iterations = getattr(optimizer, "iterations", None) if optimizer is not None else None
        if iterations is None or not logs:
            return
        step = int(np.asarray(iterations.numpy()))
        writer = self._writer("val")
        writer.add_scalars({f"evaluation_{name}_vs_iterations": value for name, value in logs.items()}, step)
        writer.flush()
        if not self._training:  # a standalone evaluate(): nothing else will close the file
            self._close_writers()

    def _log_weights(self, epoch: int) -> None:
        values = []
        for layer in getattr(self.model, "layers", []):
            for weight in layer.weights:
                tag = f"{layer.name}/{weight.name}".replace(":", "_")
                values.append(histogram_value(f"{tag}/histogram", weight.numpy()))
        self._writer("train").add_values(values, epoch)
