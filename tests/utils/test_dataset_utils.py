"""Datasets from folders and arrays (image/text/audio_dataset_from_directory, split_dataset,
timeseries_dataset_from_array) against keras, and training on them with fit on every backend."""

from __future__ import annotations

import os
import wave

import numpy as np
import pytest

import unikeras
from unikeras import layers, utils
from unikeras.utils.dataset_utils import SampleDataset

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
import keras  # noqa: E402


def _keras_batches(dataset) -> list:
    return [
        tuple(np.asarray(part) for part in batch) if isinstance(batch, tuple) else np.asarray(batch)
        for batch in dataset
    ]


@pytest.fixture(scope="module")
def image_dir(tmp_path_factory):
    """Three classes of 8x6 RGB PNGs (2, 3, 2 files), one nested, one non-image file."""
    from PIL import Image

    root = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for cls, count in (("cat", 2), ("dog", 3), ("eel", 2)):
        (root / cls).mkdir()
        for i in range(count):
            folder = root / cls / "sub" if (cls, i) == ("dog", 2) else root / cls
            folder.mkdir(exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (8, 6, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    (root / "cat" / "notes.txt").write_text("not an image")
    return root


def test_image_dataset_matches_keras_without_resize(image_dir):
    ours = utils.image_dataset_from_directory(image_dir, image_size=(8, 6), batch_size=3, shuffle=False, verbose=False)
    theirs = keras.utils.image_dataset_from_directory(
        str(image_dir), image_size=(8, 6), batch_size=3, shuffle=False, verbose=False
    )
    assert ours.class_names == theirs.class_names == ["cat", "dog", "eel"]
    assert ours.file_paths == theirs.file_paths
    assert len(ours) == 3
    for (x, y), (kx, ky) in zip(ours, _keras_batches(theirs), strict=True):
        assert x.dtype == np.float32 and y.dtype == np.int32
        np.testing.assert_array_equal(x, kx)
        np.testing.assert_array_equal(y, ky)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interpolation": "bilinear", "label_mode": "categorical"},
        {"interpolation": "nearest", "crop_to_aspect_ratio": True, "color_mode": "rgba"},
        {"interpolation": "bilinear", "pad_to_aspect_ratio": True, "label_mode": None},
    ],
)
def test_image_dataset_resize_matches_keras(image_dir, kwargs):
    common = {"image_size": (5, 7), "batch_size": 4, "shuffle": False, "verbose": False, **kwargs}
    ours = list(utils.image_dataset_from_directory(image_dir, **common))
    theirs = _keras_batches(keras.utils.image_dataset_from_directory(str(image_dir), **common))
    for a, b in zip(ours, theirs, strict=True):
        for part, kpart in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,), strict=True):
            np.testing.assert_allclose(part, kpart, rtol=1e-4, atol=1e-3)


def test_image_dataset_split_seed_and_channels_first(image_dir):
    common = {"image_size": (8, 6), "batch_size": 2, "seed": 3, "validation_split": 0.3, "verbose": False}
    train, val = utils.image_dataset_from_directory(image_dir, subset="both", data_format="channels_first", **common)
    k_train, k_val = keras.utils.image_dataset_from_directory(str(image_dir), subset="both", **common)
    assert train.file_paths == k_train.file_paths and val.file_paths == k_val.file_paths
    assert not set(train.file_paths) & set(val.file_paths)
    assert next(iter(train))[0].shape == (2, 3, 8, 6)
    # validation is not shuffled: same batches as keras
    for (x, y), (kx, ky) in zip(val, _keras_batches(k_val), strict=True):
        np.testing.assert_array_equal(x.transpose(0, 2, 3, 1), kx)
        np.testing.assert_array_equal(y, ky)
    # shuffled training: every epoch a permutation of the same samples, reproducible from the seed
    first = sorted(int(v) for _, y in train for v in y)
    train.on_epoch_end()
    assert sorted(int(v) for _, y in train for v in y) == first


def test_image_dataset_errors(image_dir):
    with pytest.raises(ValueError, match="seed"):
        utils.image_dataset_from_directory(image_dir, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="exactly 2 classes"):
        utils.image_dataset_from_directory(image_dir, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="class_names"):
        utils.image_dataset_from_directory(image_dir, class_names=["cat", "cow"], verbose=False)
    with pytest.raises(ValueError, match="color_mode"):
        utils.image_dataset_from_directory(image_dir, color_mode="cmyk", verbose=False)


def test_text_dataset_matches_keras(tmp_path):
    for cls, texts in (("neg", ["bad", "awful film"]), ("pos", ["good", "great", "fine movie"])):
        (tmp_path / cls).mkdir()
        for i, text in enumerate(texts):
            (tmp_path / cls / f"{i}.txt").write_text(text)
    common = {"batch_size": 2, "shuffle": False, "max_length": 4, "verbose": False}
    ours = utils.text_dataset_from_directory(tmp_path, label_mode="binary", **common)
    theirs = keras.utils.text_dataset_from_directory(str(tmp_path), label_mode="binary", **common)
    assert ours.class_names == theirs.class_names == ["neg", "pos"]
    for (x, y), (kx, ky) in zip(ours, _keras_batches(theirs), strict=True):
        assert x.tolist() == [t.decode() for t in kx.tolist()]
        np.testing.assert_array_equal(y, ky)
        assert y.shape == (len(x), 1) and y.dtype == np.float32
    # shuffle: the files in Keras's seeded order (numpy RandomState over the sorted paths)
    shuffled = utils.text_dataset_from_directory(tmp_path, shuffle=True, seed=7, verbose=False)
    expected = sorted(str(p) for p in tmp_path.glob("*/*.txt"))
    np.random.RandomState(7).shuffle(expected)
    assert shuffled.file_paths == expected


def _write_wav(path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(samples.astype("<i2").tobytes())


def test_audio_dataset_matches_keras(tmp_path):
    rng = np.random.default_rng(1)
    for cls, lengths in (("no", [5, 9]), ("yes", [7])):
        (tmp_path / cls).mkdir()
        for i, length in enumerate(lengths):
            _write_wav(tmp_path / cls / f"{i}.wav", rng.integers(-30000, 30000, length), 8000)
    for kwargs in ({"output_sequence_length": 6}, {}):
        common = {"batch_size": 2, "shuffle": False, "verbose": False, **kwargs}
        ours = list(utils.audio_dataset_from_directory(tmp_path, **common))
        theirs = _keras_batches(keras.utils.audio_dataset_from_directory(str(tmp_path), **common))
        for (x, y), (kx, ky) in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(x, kx, rtol=1e-6, atol=1e-7)
            np.testing.assert_array_equal(y, ky)
    with pytest.raises(ValueError, match="ragged"):
        utils.audio_dataset_from_directory(tmp_path, ragged=True)


def test_timeseries_matches_keras():
    data = np.arange(40, dtype="float32").reshape(20, 2)
    targets = np.arange(20) * 10
    for kwargs in (
        {"sequence_length": 4, "sequence_stride": 3, "sampling_rate": 2, "batch_size": 3},
        {"sequence_length": 3, "start_index": 2, "end_index": 15, "batch_size": 4, "shuffle": True, "seed": 5},
    ):
        ours = list(utils.timeseries_dataset_from_array(data, targets, **kwargs))
        theirs = _keras_batches(keras.utils.timeseries_dataset_from_array(data, targets, **kwargs))
        if kwargs.get("shuffle"):  # keras reshuffles within a buffer too: compare the sets of windows
            ours = [np.concatenate([x.reshape(len(x), -1) for x, _ in ours])]
            theirs = [np.concatenate([x.reshape(len(x), -1) for x, _ in theirs])]
            assert sorted(map(tuple, ours[0].tolist())) == sorted(map(tuple, theirs[0].tolist()))
            continue
        for (x, y), (kx, ky) in zip(ours, theirs, strict=True):
            np.testing.assert_array_equal(x, kx)
            np.testing.assert_array_equal(y, ky)
    windows = list(utils.timeseries_dataset_from_array(data, None, sequence_length=5, batch_size=None))
    assert len(windows) == 16 and windows[3].shape == (5, 2)
    with pytest.raises(ValueError, match="sampling_rate"):
        utils.timeseries_dataset_from_array(data, None, 3, sampling_rate=0)


def test_split_dataset_matches_keras():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    for kwargs in (
        {"left_size": 0.7},
        {"right_size": 3, "shuffle": True, "seed": 4},
        {"left_size": 2, "right_size": 5},
    ):
        left, right = utils.split_dataset((x, y), **kwargs)
        k_left, k_right = keras.utils.split_dataset((x, y), **kwargs)
        for ours, theirs in ((left, k_left), (right, k_right)):
            got = [tuple(np.asarray(v) for v in element) for element in ours]
            want = [tuple(np.asarray(v) for v in element) for element in theirs]
            assert len(got) == len(want)
            for (a, b), (c, d) in zip(got, want, strict=True):
                np.testing.assert_array_equal(a, c)
                np.testing.assert_array_equal(b, d)
    left, right = utils.split_dataset(np.arange(5.0), left_size=0.4)
    assert [float(v) for v in left] == [0.0, 1.0] and len(right) == 3
    assert [b.tolist() for b in right.batch(2)] == [[2.0, 3.0], [4.0]]
    with pytest.raises(ValueError, match="at least one"):
        utils.split_dataset(x)
    with pytest.raises(ValueError, match="left_size"):
        utils.split_dataset(x, left_size=1.5)
    with pytest.raises(TypeError, match="right_size"):
        utils.split_dataset(x, right_size="half")


def test_sample_dataset_trains_with_fit(backend):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]
    train, _ = utils.split_dataset((x, y), left_size=24, shuffle=True, seed=0)
    dataset = train.batch(8)
    assert isinstance(dataset, SampleDataset) and len(dataset) == 3
    assert isinstance(dataset, utils.Sequence)  # Keras's older name of PyDataset
    model = unikeras.Sequential([unikeras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=unikeras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(dataset, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(dataset, verbose=0).shape == (24, 1)
