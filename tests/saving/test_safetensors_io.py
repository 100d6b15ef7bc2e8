"""Our NumPy safetensors reader/writer against the ``safetensors`` package (an independent
implementation), both ways, and the errors for damaged files."""

from __future__ import annotations

import json
import struct

import ml_dtypes
import numpy as np
import pytest
import safetensors.numpy as reference

from unikeras.saving import safetensors_io


def _tensors(rng):
    return {
        "dense/kernel": rng.standard_normal((3, 4)).astype(np.float32),
        "f64": rng.standard_normal((2,)),
        "f16": rng.standard_normal((2, 2)).astype(np.float16),
        "i64": np.array([-(2**40), 7], dtype=np.int64),
        "i32": np.arange(6, dtype=np.int32).reshape(2, 3),
        "u8": np.array([0, 255], dtype=np.uint8),
        "flags": np.array([True, False]),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def test_our_files_read_by_the_reference_and_back(tmp_path, rng):
    tensors = _tensors(rng)
    path = str(tmp_path / "a.safetensors")
    safetensors_io.save_file(tensors, path, metadata={"format": "x", "note": "é"})
    theirs = reference.load_file(path)
    assert set(theirs) == set(tensors)
    for name, array in tensors.items():
        assert theirs[name].dtype == array.dtype and theirs[name].shape == array.shape
        np.testing.assert_array_equal(theirs[name], array)
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    assert length % 8 == 0 and json.loads(data[8 : 8 + length])["__metadata__"] == {"format": "x", "note": "é"}
    ours, metadata = safetensors_io.load_file(path)
    assert metadata == {"format": "x", "note": "é"}
    for name, array in tensors.items():
        assert ours[name].dtype == array.dtype
        np.testing.assert_array_equal(ours[name], array)
    assert ours["dense/kernel"].flags.writeable


def test_reference_files_read_by_us_including_bfloat16(tmp_path, rng):
    tensors = _tensors(rng)
    bf16 = rng.standard_normal((5,)).astype(ml_dtypes.bfloat16)
    data = reference.save({**tensors, "bf16": bf16}, metadata={"k": "v"})
    ours, metadata = safetensors_io.read_bytes(data)
    assert metadata == {"k": "v"}
    for name, array in tensors.items():
        np.testing.assert_array_equal(ours[name], array)
    assert ours["bf16"].dtype == np.float32  # widened exactly
    np.testing.assert_array_equal(ours["bf16"], bf16.astype(np.float32))
    # and bfloat16 written by us is read by the reference as bfloat16
    path = str(tmp_path / "b.safetensors")
    safetensors_io.save_file({"bf16": bf16}, path)
    np.testing.assert_array_equal(reference.load_file(path)["bf16"].astype(np.float32), bf16.astype(np.float32))


def _file(header: dict, data: bytes = b"", pad: bool = True) -> bytes:
    text = json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"\x01\x02", "too short"),
        (struct.pack("<Q", 10**9) + b"{}", "exceeds the limit"),
        (struct.pack("<Q", 64) + b"{}", "runs past the end"),
        (struct.pack("<Q", 4) + b"\xff\xfe{}", "not UTF-8 JSON"),
        (_file([1, 2]), "not a JSON object"),
        (_file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4), "truncated"),
        (_file({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 12), "4 bytes after"),
        (_file({"a": {"dtype": "Q7", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4), "unknown dtype 'Q7'"),
        (_file({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "negative dimension"),
        (_file({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8), "needs 12 bytes"),
        (_file({"a": {"dtype": "F32", "shape": [1]}}, b"\0" * 4), "exactly 'dtype'"),
        (
            _file(
                {
                    "a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]},
                },
                b"\0" * 12,
            ),
            "overlaps",
        ),
        (_file({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8), "gap at byte 0"),
        (_file({"__metadata__": {"a": 1}}), "must map strings to strings"),
    ],
)
def test_damaged_files_raise_naming_the_file_and_problem(data, problem):
    with pytest.raises(ValueError, match=f"w.safetensors: not a valid safetensors file: .*{problem}"):
        safetensors_io.read_bytes(data, "w.safetensors")


def test_duplicate_header_keys_are_refused():
    entry = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}'
    text = ('{"a":' + entry + ',"a":' + entry + "}").encode()
    with pytest.raises(ValueError, match="duplicate keys in the header: \\['a'\\]"):
        safetensors_io.read_bytes(struct.pack("<Q", len(text)) + text + b"\0" * 4, "d")


def test_unsupported_dtypes_and_metadata_are_refused_when_writing(tmp_path):
    with pytest.raises(TypeError, match="'c': dtype complex64 cannot be stored"):
        safetensors_io.save_file({"c": np.zeros(2, np.complex64)}, str(tmp_path / "c.safetensors"))
    with pytest.raises(TypeError, match="metadata must map str to str"):
        safetensors_io.save_file({}, str(tmp_path / "c.safetensors"), metadata={"a": 1})
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary file left
