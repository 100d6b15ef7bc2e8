"""Merging layers: forward against NumPy, symbolic output shapes, config round trip, shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import unikeras
from unikeras import ops
from unikeras.layers import merging
from unikeras.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract

ELEMENTWISE = [
    (Add, lambda xs: xs[0] + xs[1] + xs[2]),
    (Multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (Average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3),
    (Maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (Minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
]


def _symbolic_shape(layer, shapes):
    return layer([unikeras.Input(s[1:], batch_size=s[0]) for s in shapes]).shape


@pytest.mark.parametrize("cls,expected", ELEMENTWISE, ids=lambda v: getattr(v, "__name__", ""))
def test_elementwise_merge_matches_numpy(backend, rng, cls, expected):
    shapes = [(2, 3, 4), (2, 3, 4), (2, 1, 4)]  # the last broadcasts
    xs = [rng.standard_normal(s).astype("float32") for s in shapes]
    out = ops.convert_to_numpy(cls()(xs))
    np.testing.assert_allclose(out, expected(xs), rtol=1e-5, atol=1e-6)
    assert out.shape == _symbolic_shape(cls(), shapes)


def test_subtract_needs_exactly_two_inputs(backend, rng):
    a, b = rng.standard_normal((2, 3, 4)).astype("float32")
    np.testing.assert_allclose(ops.convert_to_numpy(Subtract()([a, b])), a - b, rtol=1e-6)
    with pytest.raises(ValueError, match=r"'sub3'.*exactly 2 inputs, received 3"):
        Subtract(name="sub3")([a, b, a])


def test_elementwise_rejects_incompatible_shapes(backend, rng):
    xs = [rng.standard_normal((2, 3)).astype("float32"), rng.standard_normal((2, 4)).astype("float32")]
    with pytest.raises(ValueError, match=r"Add 'bad'.*incompatible shapes.*\(2, 3\).*\(2, 4\)"):
        Add(name="bad")(xs)
    with pytest.raises(ValueError, match=r"Maximum 'sym'.*incompatible"):
        Maximum(name="sym")([unikeras.Input((3,)), unikeras.Input((4,))])
    with pytest.raises(ValueError, match="at least 2 inputs"):
        Multiply()([xs[0]])


def test_symbolic_merge_with_unknown_batch(backend):
    out = Add()([unikeras.Input((3, 4)), unikeras.Input((1, 4))])
    assert out.shape == (None, 3, 4)


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_concatenate_matches_numpy(backend, rng, axis):
    shapes = {-1: [(2, 3, 4), (2, 3, 1)], 1: [(2, 3, 4), (2, 5, 4)], 0: [(2, 3, 4), (1, 3, 4)]}[axis]
    xs = [rng.standard_normal(s).astype("float32") for s in shapes]
    out = ops.convert_to_numpy(Concatenate(axis=axis)(xs))
    np.testing.assert_array_equal(out, np.concatenate(xs, axis=axis))
    assert out.shape == _symbolic_shape(Concatenate(axis=axis), shapes)


def test_concatenate_rejects_mismatched_axes(backend, rng):
    xs = [rng.standard_normal((2, 3, 4)).astype("float32"), rng.standard_normal((2, 5, 4)).astype("float32")]
    with pytest.raises(ValueError, match=r"Concatenate 'cat'.*\(2, 3, 4\).*\(2, 5, 4\).*axis -1"):
        Concatenate(name="cat")(xs)
    with pytest.raises(ValueError, match="ranks differ"):
        Concatenate()([unikeras.Input((3, 4)), unikeras.Input((4,))])
    assert Concatenate()([unikeras.Input((3, 4)), unikeras.Input((3, 2))]).shape == (None, 3, 6)


def _l2n(x, axis):
    return x / np.sqrt(np.maximum((x**2).sum(axis=axis, keepdims=True), 1e-12))


@pytest.mark.parametrize("normalize", [False, True])
def test_dot_2d(backend, rng, normalize):
    a, b = rng.standard_normal((2, 5, 3)).astype("float32")
    out = ops.convert_to_numpy(Dot(axes=1, normalize=normalize)([a, b]))
    if normalize:
        a, b = _l2n(a, 1), _l2n(b, 1)
    np.testing.assert_allclose(out, (a * b).sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)
    assert out.shape == _symbolic_shape(Dot(axes=1), [(5, 3), (5, 3)]) == (5, 1)


@pytest.mark.parametrize(
    "axes,shapes,expected",
    [
        ((2, 1), [(2, 3, 4), (2, 4, 5)], lambda a, b: np.einsum("bij,bjk->bik", a, b)),
        ((1, 1), [(2, 3, 4), (2, 3, 5)], lambda a, b: np.einsum("bji,bjk->bik", a, b)),
        (2, [(2, 3, 4), (2, 5, 4)], lambda a, b: np.einsum("bij,bkj->bik", a, b)),
        ((2, 1), [(2, 3, 4), (2, 4)], lambda a, b: np.einsum("bij,bj->bi", a, b)),
        ((-1, -1), [(2, 4), (2, 3, 4)], lambda a, b: np.einsum("bj,bkj->bk", a, b)),
    ],
)
def test_dot_3d_batch_dot(backend, rng, axes, shapes, expected):
    a, b = (rng.standard_normal(s).astype("float32") for s in shapes)
    out = ops.convert_to_numpy(Dot(axes=axes)([a, b]))
    np.testing.assert_allclose(out, expected(a, b), rtol=1e-5, atol=1e-5)
    assert out.shape == _symbolic_shape(Dot(axes=axes), shapes)


def test_dot_normalize_3d_is_cosine(backend, rng):
    a, b = rng.standard_normal((2, 2, 3, 4)).astype("float32")
    out = ops.convert_to_numpy(Dot(axes=2, normalize=True)([a, b]))
    np.testing.assert_allclose(out, np.einsum("bij,bkj->bik", _l2n(a, 2), _l2n(b, 2)), rtol=1e-5, atol=1e-6)


def test_dot_errors(backend, rng):
    a = rng.standard_normal((2, 3)).astype("float32")
    b = rng.standard_normal((2, 4)).astype("float32")
    with pytest.raises(ValueError, match=r"Dot 'dd'.*\(2, 3\).*\(2, 4\)"):
        Dot(axes=1, name="dd")([a, b])
    with pytest.raises(ValueError, match="batch axis"):
        Dot(axes=0)([a, a])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        Dot(axes=1)([a, a, a])
    with pytest.raises(ValueError, match="2-d or 3-d"):
        Dot(axes=1)([unikeras.Input((2, 3, 4)), unikeras.Input((2, 3, 4))])
    with pytest.raises(ValueError, match="axes"):
        Dot(axes="x")


@pytest.mark.parametrize(
    "layer",
    [Add(name="a"), Subtract(), Multiply(), Average(), Maximum(), Minimum(), Concatenate(axis=1), Dot((2, 1), True)],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(backend, layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert type(clone) is type(layer)


def test_config_round_trip_after_build(backend, rng):
    layer = Concatenate(axis=1)
    layer([np.zeros((1, 2), "float32"), np.zeros((1, 3), "float32")])
    config = layer.get_config()
    assert config["build_input_shape"] == [(1, 2), (1, 3)]
    assert Concatenate.from_config(config).axis == 1


def test_functional_helpers(backend, rng):
    a, b = rng.standard_normal((2, 3, 4)).astype("float32")
    cases = {
        "add": a + b,
        "subtract": a - b,
        "multiply": a * b,
        "average": (a + b) / 2,
        "maximum": np.maximum(a, b),
        "minimum": np.minimum(a, b),
        "concatenate": np.concatenate([a, b], axis=-1),
        "dot": (a * b).sum(axis=-1, keepdims=True),
    }
    for name, expected in cases.items():
        out = ops.convert_to_numpy(getattr(merging, name)([a, b]))
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6, err_msg=name)
    assert merging.concatenate([a, b], axis=0, name="c0").shape[0] == 6
    sym = merging.dot([unikeras.Input((3, 4)), unikeras.Input((5, 4))], axes=2)
    assert sym.shape == (None, 3, 5)
