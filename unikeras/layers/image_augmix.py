"""AugMix (Hendrycks et al., 2020): chains of augmentations mixed with the original image.

Every candidate augmentation of every chain slot is computed and the drawn one selected with ``where``,
as RandAugment does, so the layer has no data-dependent Python branch and runs inside compiled steps.
"""

from __future__ import annotations

from typing import Any

from unikeras import random
from unikeras.layers.image_color import (
    _add_augmentations,
    _batch_size,
    _factor_pair,
    _ImageLayer,
    _images_of,
    _value_range,
)
from unikeras.ops.dispatch import active
from unikeras.random_distributions import beta, gamma

__all__ = ["AugMix"]

_GEOMETRIC_AND_TONAL = (
    "random_shear",
    "random_translation",
    "random_rotation",
    "random_posterization",
    "solarization",
    "auto_contrast",
    "equalization",
)
_COLOR = ("random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness")


def _check_int(layer: _ImageLayer, name: str, value: Any, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"AugMix '{layer.name}': `{name}` must be an int >= {minimum}. Received: {name}={value!r}")
    return value


class AugMix(_ImageLayer):
    """AugMix: ``num_chains`` chains, each of up to ``chain_depth`` augmentations drawn at random (each slot
    holds one of the augmentations or nothing), applied to the batch; the chains' results are mixed with
    Dirichlet(``alpha``) weights, and that mix with the input with a Beta(``alpha``, ``alpha``) weight ``w``:
    ``clip(w * x + (1 - w) * sum_i m_i * chain_i(x), value_range)``. The whole batch takes the same draws.
    The identity unless ``training``.

    Args:
        value_range: the ``[low, high]`` range of the images' values.
        num_chains: the number of chains mixed (>= 1).
        chain_depth: the number of slots per chain (>= 0); each slot applies an augmentation or nothing.
        factor: a number ``f`` in [0, 1] (meaning ``(0, f)``) or a pair: the strength of every augmentation.
        alpha: the concentration of the Dirichlet and Beta draws (> 0).
        all_ops: whether brightness, colour degeneration, contrast and sharpness are candidates too
            (eleven augmentations, else seven).
        interpolation: ``"bilinear"`` or ``"nearest"`` (the geometric augmentations).
        seed: optional int seed of this layer's random stream.
        data_format: ``"channels_last"`` or ``"channels_first"``.
    """

    def __init__(
        self,
        value_range: Any = (0, 255),
        num_chains: int = 3,
        chain_depth: int = 3,
        factor: Any = 0.3,
        alpha: float = 1.0,
        all_ops: bool = True,
        interpolation: str = "bilinear",
        seed: int | None = None,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = _value_range(self, value_range)
        self.num_chains = _check_int(self, "num_chains", num_chains, 1)
        self.chain_depth = _check_int(self, "chain_depth", chain_depth, 0)
        self.factor = _factor_pair(self, factor, (0, 1))
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
            raise ValueError(f"AugMix '{self.name}': `alpha` must be a number > 0. Received: alpha={alpha!r}")
        self.alpha = float(alpha)
        self.all_ops = bool(all_ops)
        self.interpolation = interpolation
        self._augment_layers = _GEOMETRIC_AND_TONAL + (_COLOR if self.all_ops else ())
        _add_augmentations(self, self._augment_layers, value_range, seed)

    def get_random_transformation(self, data: Any, training: bool = True, seed: Any = None) -> Any:
        """The draws of one call: ``chain_mixing_weights`` (``num_chains``, summing to 1), ``weight_sample``
        (a scalar in [0, 1]), ``layer_idxes`` (``(num_chains, chain_depth)`` indices into the candidate
        augmentations, ``len(candidates)`` meaning nothing) and ``chain_transforms`` (per chain and slot,
        every candidate's own transformation)."""
        if not training:
            return None
        _batch_size(self, _images_of(data))
        seed = self._seed(seed)
        b = active()
        draws = gamma((self.num_chains,), self.alpha, seed=seed)
        weights = b.divide(draws, b.sum(draws, axis=-1, keepdims=True))
        weight_sample = beta((), self.alpha, self.alpha, seed=seed)
        choices = random.randint((self.num_chains, self.chain_depth), 0, len(self._augment_layers) + 1, "int32", seed)
        chain_transforms = [
            [
                {
                    name: getattr(self, name).get_random_transformation(data, training=True, seed=seed)
                    for name in self._augment_layers
                }
                for _ in range(self.chain_depth)
            ]
            for _ in range(self.num_chains)
        ]
        return {
            "chain_mixing_weights": weights,
            "weight_sample": weight_sample,
            "layer_idxes": choices,
            "chain_transforms": chain_transforms,
        }

    def _chain(self, images: Any, chosen: Any, slots: list) -> Any:
        """``images`` through one chain: slot ``d`` applies candidate ``chosen[d]`` (or nothing)."""
        b = active()
        for depth, transforms in enumerate(slots):
            index = b.reshape(b.slice(chosen, (depth,), (1,)), ())
            applied = images
            for candidate, name in enumerate(self._augment_layers):
                augmented = self._float(getattr(self, name).transform_images(images, transforms[name]))
                applied = b.where(b.equal(index, candidate), augmented, applied)
            images = applied
        return images

    def transform_images(self, images: Any, transformation: Any, training: bool = True) -> Any:
        images = self._float(images)
        if not training or transformation is None:
            return images
        b = active()
        dtype = self.compute_dtype
        weights = b.cast(transformation["chain_mixing_weights"], dtype)
        weight_sample = b.cast(transformation["weight_sample"], dtype)
        choices = b.cast(transformation["layer_idxes"], "int32")
        mixed = b.zeros_like(images)
        for chain, slots in enumerate(transformation["chain_transforms"]):
            chosen = b.reshape(b.slice(choices, (chain, 0), (1, self.chain_depth)), (self.chain_depth,))
            weight = b.reshape(b.slice(weights, (chain,), (1,)), ())
            mixed = b.add(mixed, b.multiply(self._chain(images, chosen, slots), weight))
        out = b.add(b.multiply(weight_sample, images), b.multiply(b.subtract(1.0, weight_sample), mixed))
        return b.clip(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "value_range": self.value_range,
            "num_chains": self.num_chains,
            "chain_depth": self.chain_depth,
            "factor": self.factor,
            "alpha": self.alpha,
            "all_ops": self.all_ops,
            "interpolation": self.interpolation,
        }
