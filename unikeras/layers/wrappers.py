"""Layer wrappers: TimeDistributed, Bidirectional, the Wrapper base class and SpectralNormalization."""

from __future__ import annotations

from typing import Any

import numpy as np

from unikeras.layers import serialization
from unikeras.layers.layer import Layer
from unikeras.ops.dispatch import active


class Wrapper(Layer):
    """Base class of layers that wrap one other layer (``self.layer``), built with the wrapper.

    Args:
        layer: the Layer to wrap.
    """

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"{type(self).__name__} '{self.name}': `layer` must be a Layer, received {layer!r}.")
        self.layer = layer

    def build(self, input_shape: Any = None) -> None:
        if not self.layer.built:
            self.layer._maybe_build(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialization.serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Wrapper:
        config = dict(config)
        config.pop("build_input_shape", None)
        return cls(serialization.deserialize(config.pop("layer"), custom_objects), **config)


class TimeDistributed(Wrapper):
    """Applies ``layer`` to every time step of inputs shaped ``(batch, time, ...)``; an input mask
    ``(batch, time)`` passes through (and reaches ``layer`` if its ``call`` takes one).

    Args:
        layer: the Layer to apply; its weights are shared across time steps.
    """

    supports_masking = True

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)  # Wrapper: `layer` must be a Layer
        self._expected_min_ndim = 3

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 3:
            raise ValueError(
                f"TimeDistributed '{self.name}': expects inputs of rank >= 3 (batch, time, ...), "
                f"received shape {tuple(input_shape)}."
            )
        self.layer._maybe_build((None,) + tuple(input_shape[2:]))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return tuple(input_shape[:2]) + tuple(inner[1:])

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        b = active()
        shape = b.shape(inputs)
        folded = b.reshape(inputs, (shape[0] * shape[1],) + tuple(shape[2:]))
        kwargs = {}
        if mask is not None and self.layer._call_has_mask:
            kwargs["mask"] = b.reshape(mask, (shape[0] * shape[1],) + tuple(b.shape(mask)[2:]))
        outputs = self.layer(folded, training=training, **kwargs)
        return b.reshape(outputs, (shape[0], shape[1]) + tuple(b.shape(outputs)[1:]))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "layer": serialization.serialize(self.layer),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> TimeDistributed:
        config = dict(config)
        config.pop("build_input_shape", None)
        return cls(serialization.deserialize(config.pop("layer"), custom_objects), **config)


_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _copy_of(layer: Layer, name: str, **changes: Any) -> Layer:
    """A new, unbuilt layer from ``layer``'s config, renamed ``name``, with ``changes`` applied."""
    config = layer.get_config()
    config.pop("build_input_shape", None)
    config.update(name=name, **changes)
    return type(layer).from_config(config)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards over the sequence and merges the
    two outputs.

    The forward layer is a fresh copy of ``layer`` named ``forward_<name>``; the backward one is built
    from the same config with ``go_backwards`` flipped, named ``backward_<name>`` (or is
    ``backward_layer``). Weights: the forward layer's, then the backward layer's. With
    ``return_sequences`` the backward outputs are reversed back to input order before merging, and
    both layers output zeros at masked timesteps (``zero_output_for_mask``), as in Keras.

    Args:
        layer: a recurrent layer instance (``LSTM``, ``GRU``, ``SimpleRNN``, or a layer with
            ``go_backwards``, ``return_sequences`` and ``return_state`` attributes and a config).
        merge_mode: how outputs combine: ``"concat"``, ``"sum"``, ``"mul"``, ``"ave"``, or ``None``
            for a list ``[forward, backward]``.
        weights: optional list of initial weights (forward layer's, then backward layer's), loaded
            when the layer is built.
        backward_layer: optional layer for the backward direction; must differ from ``layer`` in
            ``go_backwards`` and match it in ``return_sequences``, ``return_state`` and ``stateful``.

    Call arguments: ``inputs``; ``initial_state``: list of states, the forward layer's first half
    then the backward layer's; ``mask``: ``(batch, time)`` booleans; ``training``.
    With ``return_state`` the outputs are the merged output(s), then the forward states, then the
    backward states.
    """

    supports_masking = True

    def __init__(
        self,
        layer: Layer,
        merge_mode: str | None = "concat",
        weights: list | None = None,
        backward_layer: Layer | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._expected_ndim = 3
        if not isinstance(layer, Layer):
            raise ValueError(f"Bidirectional '{self.name}': `layer` must be a Layer instance, received {layer!r}.")
        for attr in ("go_backwards", "return_sequences", "return_state"):
            if not hasattr(layer, attr):
                raise ValueError(
                    f"Bidirectional '{self.name}': `layer` must be a recurrent layer (with a `{attr}` attribute), "
                    f"received {type(layer).__name__} '{layer.name}'."
                )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"Bidirectional '{self.name}': `backward_layer` must be a Layer instance, received {backward_layer!r}."
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Bidirectional '{self.name}': `merge_mode` must be one of {list(_MERGE_MODES)}, "
                f"received {merge_mode!r}."
            )
        name = layer.name
        self.forward_layer = _copy_of(layer, "forward_" + name.removeprefix("forward_"))
        if backward_layer is None:
            backward_layer = _copy_of(
                layer, "backward_" + name.removeprefix("backward_"), go_backwards=not layer.go_backwards
            )
        self.backward_layer = backward_layer
        self._check_pair()
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = getattr(layer, "stateful", False)
        self._initial_weights = [np.asarray(w) for w in weights] if weights else None

    def _check_pair(self) -> None:
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"Bidirectional '{self.name}': the forward and backward layers must differ in `go_backwards`, "
                f"received {forward.go_backwards} for both."
            )
        for attr in ("return_sequences", "return_state", "stateful"):
            ours, theirs = getattr(forward, attr, False), getattr(backward, attr, False)
            if ours != theirs:
                raise ValueError(
                    f"Bidirectional '{self.name}': the forward and backward layers must agree on `{attr}`, "
                    f"received {ours} (forward) and {theirs} (backward)."
                )

    def build(self, input_shape: tuple) -> None:
        self.forward_layer._maybe_build(tuple(input_shape))
        self.backward_layer._maybe_build(tuple(input_shape))
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def compute_output_shape(self, input_shape: tuple) -> Any:
        shape = self.forward_layer.compute_output_shape(tuple(input_shape))
        states: list = []
        if self.return_state:
            shape, states = tuple(shape[0]), [tuple(s) for s in shape[1:]]
        shape = tuple(shape)
        if self.merge_mode == "concat":
            outputs = [shape[:-1] + (None if shape[-1] is None else 2 * shape[-1],)]
        elif self.merge_mode is None:
            outputs = [shape, shape]
        else:
            outputs = [shape]
        if self.return_state or self.merge_mode is None:
            return outputs + states + states
        return outputs[0]

    def call(self, inputs: Any, initial_state: Any = None, mask: Any = None, training: bool | None = None) -> Any:
        b = active()
        forward_state = backward_state = None
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple)) or len(initial_state) % 2:
                count = len(initial_state) if isinstance(initial_state, (list, tuple)) else 1
                raise ValueError(
                    f"Bidirectional '{self.name}': `initial_state` must be a list of an even number of tensors "
                    f"(forward states then backward states), received {count}."
                )
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self._run(self.forward_layer, inputs, forward_state, mask, training)
        y_rev = self._run(self.backward_layer, inputs, backward_state, mask, training)
        states: list = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = b.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output: Any = [b.concatenate([y, y_rev], axis=-1)]
        elif self.merge_mode == "sum":
            output = [b.add(y, y_rev)]
        elif self.merge_mode == "ave":
            output = [b.multiply(b.add(y, y_rev), 0.5)]
        elif self.merge_mode == "mul":
            output = [b.multiply(y, y_rev)]
        else:
            output = [y, y_rev]
        if self.return_state or self.merge_mode is None:
            return output + states
        return output[0]

    @staticmethod
    def _run(layer: Layer, inputs: Any, initial_state: Any, mask: Any, training: bool | None) -> Any:
        kwargs: dict = {"initial_state": initial_state}
        if layer._call_has_mask:
            kwargs["mask"] = mask
        return layer(inputs, training=training, **kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The input mask for each sequence output (``return_sequences``), ``None`` otherwise."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0] if mask else None
        output_mask = mask if self.return_sequences else None
        masks = [output_mask] if self.merge_mode is not None else [output_mask, output_mask]
        if self.return_state:
            masks += [None] * (2 * getattr(self.forward_layer, "_num_states", 1))
        return masks if len(masks) > 1 else masks[0]

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialization.serialize(self.forward_layer),
            "backward_layer": serialization.serialize(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None) -> Bidirectional:
        config = dict(config)
        config.pop("build_input_shape", None)
        layer = serialization.deserialize(config.pop("layer"), custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            backward = serialization.deserialize(backward, custom_objects)
        return cls(layer, backward_layer=backward, **config)


class SpectralNormalization(Wrapper):
    """Divides the kernel (or embeddings) of the wrapped layer by its spectral norm (largest singular
    value), estimated by power iteration, on every training call (Miyato et al., 2018).

    On a training call the kernel ``W``, viewed as a ``(-1, W.shape[-1])`` matrix, and the non-trainable
    vector ``u`` are updated ``power_iterations`` times by ``v = normalize(u W^T)``, ``u = normalize(v W)``;
    then ``W`` is replaced by ``W / (v W u^T)`` and ``u`` kept for the next call (an all-zero ``W`` is left
    alone). The gradient reaching ``W`` is that of the normalized kernel, as in Keras. At inference the
    wrapped layer runs on the kernel as it is.

    Args:
        layer: a layer with a ``kernel`` or ``embeddings`` weight (``Dense``, ``Conv2D``, ``Embedding``, ...).
        power_iterations: positive int, power-iteration steps per training call.
    """

    def __init__(self, layer: Layer, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        if not isinstance(power_iterations, int) or isinstance(power_iterations, bool) or power_iterations <= 0:
            raise ValueError(
                f"SpectralNormalization '{self.name}': `power_iterations` must be a positive int, "
                f"received {power_iterations!r}."
            )
        self.power_iterations = power_iterations

    def build(self, input_shape: tuple) -> None:
        super().build(input_shape)
        self._expected_min_ndim = 1
        self._expected_axes = {-1: input_shape[-1]}
        if hasattr(self.layer, "kernel"):
            self.kernel = self.layer.kernel
        elif hasattr(self.layer, "embeddings"):
            self.kernel = self.layer.embeddings
        else:
            raise ValueError(
                f"SpectralNormalization '{self.name}': the wrapped {type(self.layer).__name__} has no `kernel` nor "
                "`embeddings` weight."
            )
        from unikeras import initializers

        self.vector_u = self.add_weight(
            (1, self.kernel.shape[-1]),
            initializers.TruncatedNormal(stddev=0.02),
            trainable=False,
            name="vector_u",
            dtype=self.kernel.dtype,
        )

    @property
    def weights(self) -> list:
        """Keras's order: the normalized kernel, ``vector_u``, then the wrapped layer's other weights."""
        if "kernel" not in self.__dict__:
            return super().weights
        kernel = self.kernel
        return [kernel, *self._own_weights, *(w for w in self.layer.weights if w is not kernel)]

    def normalized_weights(self) -> tuple[Any, Any]:
        """``(new u, normalized kernel)`` from the current kernel and ``u`` (what a training call assigns)."""
        b = active()
        kernel = self.kernel.value
        shape = b.shape(kernel)
        matrix = b.reshape(kernel, (-1, shape[-1]))
        u = self.vector_u.value
        dtype = b.dtype_name(kernel)
        tiny = b.convert_to_tensor(1e-24, dtype)  # normalize: x / max(norm(x), 1e-12), as Keras's epsilon

        def normalize(x: Any) -> Any:
            return b.multiply(x, b.rsqrt(b.maximum(b.sum(b.square(x)), tiny)))

        for _ in range(self.power_iterations):
            v = normalize(b.matmul(u, b.transpose(matrix, (1, 0))))
            u = normalize(b.matmul(v, matrix))
        u, v = b.stop_gradient(u), b.stop_gradient(v)
        sigma = b.reshape(b.matmul(b.matmul(v, matrix), b.transpose(u, (1, 0))), ())
        zero = b.all(b.equal(kernel, b.zeros_like(kernel)))
        one = b.ones((), dtype)
        normalized = b.divide(kernel, b.where(zero, one, sigma))
        return b.where(zero, self.vector_u.value, u), normalized

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training:
            b = active()
            new_u, normalized = self.normalized_weights()
            kernel = self.kernel.value
            self.vector_u.assign(new_u)
            # the kernel takes the normalized value; the gradient reaching it is the normalized kernel's
            self.kernel.assign(b.add(kernel, b.stop_gradient(b.subtract(normalized, kernel))))
        return self.layer(inputs)

    def compute_output_shape(self, input_shape: tuple) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "power_iterations": self.power_iterations}
