"""ONNX rules of the colour and mixing augmentation layers: those that only act in training are the
identity at inference (what an exported model runs)."""

from __future__ import annotations

from unikeras.export.onnx_rules import _identity, rule
from unikeras.layers import image_augmix, image_color

rule(
    image_color.RandomContrast,
    image_color.RandomBrightness,
    image_color.RandomGrayscale,
    image_color.RandomInvert,
    image_color.Solarization,
    image_color.RandomColorDegeneration,
    image_color.RandomSaturation,
    image_color.RandomHue,
    image_color.RandomSharpness,
    image_color.RandomPosterization,
    image_color.Equalization,
    image_color.RandomColorJitter,
    image_color.RandomErasing,
    image_color.MixUp,
    image_color.CutMix,
    image_color.MaxNumBoundingBoxes,
    image_color.RandAugment,
    image_augmix.AugMix,
)(_identity)
