"""``clone_model``: a new model with the same architecture and new weights (Keras's ``keras.models.clone_model``)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from unikeras.layers.core import InputLayer


def _default_clone(layer: Any) -> Any:
    return type(layer).from_config(layer.get_config())


class _Prebuilt:
    """Stands in for a layer class in ``from_config``: returns the layer ``clone_function`` made."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer

    def from_config(self, config: dict) -> Any:
        return self.layer


def _wrap(clone_function: Callable | None, recursive: bool) -> Callable[[Any], Any]:
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    user = clone_function or _default_clone

    def clone(layer: Any) -> Any:
        if recursive and isinstance(layer, (Sequential, Functional)):
            return clone_model(layer, clone_function=clone_function, recursive=True)
        return user(layer)

    return clone


def clone_model(
    model: Any,
    input_tensors: Any = None,
    clone_function: Callable | None = None,
    call_function: Callable | None = None,
    recursive: bool = False,
    **kwargs: Any,
) -> Any:
    """A new model with ``model``'s architecture and freshly initialized weights.

    Args:
        model: a Sequential or functional model (a subclassed model is rebuilt with
            ``type(model).from_config(model.get_config())``).
        input_tensors: for a Sequential model, the ``unikeras.Input`` the clone starts from.
        clone_function: ``layer -> new layer`` applied to every layer (default: a new layer from
            ``layer.get_config()``); return the layer itself to share it (and its weights).
        call_function: not supported (Keras uses it on functional models to wrap each call).
        recursive: also clone the layers of nested Sequential and functional models with
            ``clone_function`` (otherwise ``clone_function`` receives the nested model).
    """
    from unikeras.models.functional import Functional
    from unikeras.models.sequential import Sequential

    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models: their layers are not called "
                "at model-construction time. Use `call_function` with Functional models only."
            )
        clone = _wrap(clone_function, recursive)
        new = Sequential(name=model.name, trainable=model.trainable)
        if input_tensors is not None:
            tensors = input_tensors if isinstance(input_tensors, (list, tuple)) else [input_tensors]
            if len(tensors) != 1:
                raise ValueError(f"A Sequential model takes one input tensor. Received: input_tensors={input_tensors}")
            new.add(tensors[0], rebuild=False)
        elif model._input_batch_shape is not None:
            new.add(InputLayer(batch_shape=tuple(model._input_batch_shape)), rebuild=False)
        for layer in model.layers:
            new.add(clone(layer), rebuild=False)
        new._build_if_shape_known()
        return new
    if isinstance(model, Functional):
        if call_function is not None:
            raise ValueError(
                "clone_model(call_function=...) is not supported by unikeras: pass a `clone_function` that returns "
                "a layer wrapping the original (or build the new graph by calling the cloned layers yourself)."
            )
        if input_tensors is not None:
            raise ValueError(
                "clone_model(input_tensors=...) of a functional model is not supported by unikeras: clone it, then "
                "call the clone on your tensors: `unikeras.Model(inputs, clone_model(model)(inputs))`."
            )
        clone = _wrap(clone_function, recursive)
        config = copy.deepcopy(model.get_config())
        custom: dict[str, Any] = {}
        for index, spec in enumerate(config["layers"]):
            if spec["class_name"] == "InputLayer":
                continue
            name = spec.get("name") or spec["config"]["name"]
            token = f"__clone_{index}__"
            custom[token] = _Prebuilt(clone(model.get_layer(name)))
            spec["class_name"] = token
            spec.pop("registered_name", None)
        return type(model).from_config(config, custom_objects=custom)
    if clone_function is not None or input_tensors is not None:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential models or Functional "
            f"models. Received model of type '{type(model).__name__}'."
        )
    return type(model).from_config(model.get_config())


__all__ = ["clone_model"]
