"""Sequence ops of keras.ops.nn (ctc_loss, ctc_decode, fold, unfold).

``ctc_loss`` runs the CTC forward algorithm in log space with the contract's ops, so it is
differentiable on every backend; ``ctc_decode``'s greedy strategy is tensor ops too, its beam search
runs in NumPy on concrete values (a decoder, never differentiated).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from unikeras import config
from unikeras.ops.dispatch import active
from unikeras.variables import Variable

_FLOATS = ("float16", "bfloat16", "float32", "float64")


def _tensor(b: Any, x: Any, dtype: str | None = None) -> Any:
    if isinstance(x, Variable):
        x = x.value
    if b.is_tensor(x):
        return x if dtype is None or b.dtype_name(x) == dtype else b.cast(x, dtype)
    return b.convert_to_tensor(np.asarray(x), dtype)


def _logits(b: Any, x: Any) -> tuple[Any, str]:
    """``x`` as a float tensor computed in float32 at least, and the dtype to return."""
    x = _tensor(b, x)
    dtype = b.dtype_name(x)
    if dtype not in _FLOATS:
        dtype = config.floatx()
        x = b.cast(x, dtype)
    if dtype in ("float16", "bfloat16"):
        x = b.cast(x, "float32")
    return x, dtype


# ------------------------------------------------------------------------------------------ CTC


def ctc_loss(target: Any, output: Any, target_length: Any, output_length: Any, mask_index: int = 0) -> Any:
    """CTC (Connectionist Temporal Classification) loss per sample.

    Args:
        target: integer labels of shape ``(batch_size, max_label_length)``.
        output: logits of shape ``(batch_size, max_length, num_classes)`` (not softmax-normalized).
        target_length: the true label lengths, shape ``(batch_size,)``.
        output_length: the output lengths, shape ``(batch_size,)``.
        mask_index: the index of the blank (mask) class. Defaults to ``0``.

    Returns:
        The negative log-likelihood of each target, shape ``(batch_size,)`` (``inf`` where the target
        cannot be aligned within the output length).
    """
    b = active()
    output, result_dtype = _logits(b, output)
    target = _tensor(b, target, "int32")
    if len(b.shape(output)) != 3 or len(b.shape(target)) != 2:
        raise ValueError(
            "ctc_loss(): expected `target` of shape (batch_size, max_label_length) and `output` of shape "
            f"(batch_size, max_length, num_classes). Received: target.shape={b.shape(target)}, "
            f"output.shape={b.shape(output)}"
        )
    batch, steps, classes = b.shape(output)
    labels = b.shape(target)[1]
    blank = int(mask_index) % classes
    dtype = b.dtype_name(output)
    very_negative = -1e30
    target_length = _tensor(b, target_length, "int32")
    output_length = _tensor(b, output_length, "int32")

    log_probs = b.log_softmax(output, axis=-1)
    # the label sequence with blanks around and between the labels: (batch, 2 * labels + 1)
    blanks = b.full((batch, labels), blank, "int32")
    extended = b.reshape(b.stack([blanks, target], axis=-1), (batch, 2 * labels))
    extended = b.concatenate([extended, b.full((batch, 1), blank, "int32")], axis=1)
    states = 2 * labels + 1
    # emissions[b, t, s] = log_probs[b, t, extended[b, s]]  (labels out of range emit nothing)
    selector = b.one_hot(extended, classes, dtype)
    emissions = b.matmul(log_probs, b.transpose(selector, (0, 2, 1)))
    # a state may be reached from two states back when it is a label different from the one before
    two_back = b.concatenate([b.full((batch, 2), -1, "int32"), b.slice(extended, (0, 0), (batch, states - 2))], axis=1)
    skip = b.logical_and(b.not_equal(extended, blank), b.not_equal(extended, two_back))

    state_index = np.arange(states)[None, :]
    filler = b.full((batch, states), very_negative, dtype)
    per_step = [b.reshape(e, (batch, states)) for e in b.split(emissions, steps, axis=1)]
    first = per_step[0]
    alpha = b.where(b.convert_to_tensor(state_index < 2), first, filler)
    pad_one = b.full((batch, 1), very_negative, dtype)
    pad_two = b.full((batch, 2), very_negative, dtype)
    # running[t]: (batch, 1), whether step t is within each output length
    times = b.convert_to_tensor(np.arange(steps, dtype="int32")[None, :])
    running = b.split(
        b.expand_dims(b.transpose(b.less(times, b.reshape(output_length, (batch, 1)))), -1), steps, axis=0
    )
    running = [b.reshape(r, (batch, 1)) for r in running]
    for t in range(1, steps):
        from_previous = b.concatenate([pad_one, b.slice(alpha, (0, 0), (batch, states - 1))], axis=1)
        from_two_back = b.concatenate([pad_two, b.slice(alpha, (0, 0), (batch, states - 2))], axis=1)
        from_two_back = b.where(skip, from_two_back, filler)
        step = b.logsumexp(b.stack([alpha, from_previous, from_two_back], axis=-1), axis=-1)
        alpha = b.where(running[t], b.add(step, per_step[t]), alpha)

    # the path ends on the last label or on the blank after it
    last = b.reshape(b.multiply(target_length, 2), (batch, 1))
    states_row = b.convert_to_tensor(state_index.astype("int32"))
    ends = b.logical_or(
        b.equal(states_row, last),
        b.logical_and(b.equal(states_row, b.subtract(last, 1)), b.greater(last, 0)),
    )
    loss = b.negative(b.logsumexp(b.where(ends, alpha, filler), axis=1))
    infinite = b.full(b.shape(loss), np.inf, dtype)
    loss = b.where(b.greater(loss, -0.5 * very_negative), infinite, loss)
    return loss if b.dtype_name(loss) == result_dtype else b.cast(loss, result_dtype)


def _greedy_decode(b: Any, inputs: Any, lengths: Any, merge_repeated: bool, blank: int) -> tuple[Any, Any]:
    batch, steps, _ = b.shape(inputs)
    best = b.argmax(inputs, axis=-1)
    time = b.convert_to_tensor(np.arange(steps, dtype="int32")[None, :])
    valid = b.less(time, b.reshape(lengths, (batch, 1)))
    zeros = b.zeros((batch, steps), b.dtype_name(inputs))
    scores = b.negative(b.sum(b.where(valid, b.max(inputs, axis=-1), zeros), axis=1, keepdims=True))
    keep = b.logical_and(valid, b.not_equal(best, blank))
    if merge_repeated:
        previous = b.concatenate([b.full((batch, 1), -1, "int32"), b.slice(best, (0, 0), (batch, steps - 1))], axis=1)
        keep = b.logical_and(keep, b.not_equal(best, previous))
    kept = b.cast(keep, "float32")
    position = b.subtract(b.cumsum(kept, axis=1), 1.0)  # where each kept label lands
    slots = b.convert_to_tensor(np.arange(steps, dtype="float32")[None, None, :])
    lands = b.multiply(b.cast(b.equal(b.expand_dims(position, -1), slots), "float32"), b.expand_dims(kept, -1))
    values = b.expand_dims(b.add(b.cast(best, "float32"), 1.0), -1)
    decoded = b.subtract(b.sum(b.multiply(lands, values), axis=1), 1.0)  # -1 where nothing landed
    return b.expand_dims(b.cast(b.round(decoded), "int32"), 0), scores


def _beam_search_one(log_probs: np.ndarray, blank: int, beam_width: int, top_paths: int) -> list:
    """CTC prefix beam search over ``(steps, classes)`` log-probabilities: ``[(labels, log_prob), ...]``."""
    classes = log_probs.shape[1]
    others = [c for c in range(classes) if c != blank]
    beams: dict[tuple, tuple[float, float]] = {(): (0.0, -np.inf)}  # prefix -> (ends in blank, ends in label)
    for frame in log_probs:
        following: dict[tuple, list[float]] = {}

        def add(prefix: tuple, which: int, value: float, following: dict = following) -> None:
            entry = following.setdefault(prefix, [-np.inf, -np.inf])
            entry[which] = np.logaddexp(entry[which], value)

        for prefix, (p_blank, p_label) in beams.items():
            total = np.logaddexp(p_blank, p_label)
            add(prefix, 0, total + frame[blank])
            for c in others:
                if prefix and prefix[-1] == c:
                    add(prefix, 1, p_label + frame[c])  # the same label continues
                    add((*prefix, c), 1, p_blank + frame[c])  # a new label after a blank
                else:
                    add((*prefix, c), 1, total + frame[c])
        ranked = sorted(following.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = {prefix: (p[0], p[1]) for prefix, p in ranked[:beam_width]}
    ranked = sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))
    return [(prefix, float(np.logaddexp(*p))) for prefix, p in ranked[:top_paths]]


def ctc_decode(
    inputs: Any,
    sequence_lengths: Any,
    strategy: str = "greedy",
    beam_width: int = 100,
    top_paths: int = 1,
    merge_repeated: bool = True,
    mask_index: int = 0,
) -> tuple[Any, Any]:
    """Decodes the output of a CTC model.

    Args:
        inputs: logits of shape ``(batch_size, max_length, num_classes)`` (not softmax-normalized).
        sequence_lengths: the sequence lengths, shape ``(batch_size,)``.
        strategy: ``"greedy"`` (the best class per step) or ``"beam_search"`` (a CTC prefix beam search
            over the log-softmax of ``inputs``).
        beam_width: the beam width of the beam search. Defaults to 100.
        top_paths: the number of best paths the beam search returns. Defaults to 1.
        merge_repeated: whether the greedy strategy merges repeated labels (the beam search always
            merges repeats not separated by a blank, as CTC defines). Defaults to ``True``.
        mask_index: the index of the blank (mask) class. Defaults to ``0``.

    Returns:
        ``(decoded, scores)``: ``decoded`` int32 of shape ``(top_paths, batch_size, max_length)`` (one
        path for greedy) padded with ``-1``; ``scores`` of shape ``(batch_size, top_paths)``: for greedy
        the negative sum of the best logit of each step, for beam search each path's log-probability.
    """
    b = active()
    inputs, result_dtype = _logits(b, inputs)
    if len(b.shape(inputs)) != 3:
        raise ValueError(
            "ctc_decode(): expected `inputs` of shape (batch_size, max_length, num_classes). "
            f"Received: inputs.shape={b.shape(inputs)}"
        )
    batch, steps, classes = b.shape(inputs)
    lengths = _tensor(b, sequence_lengths, "int32")
    blank = int(mask_index) % classes
    if strategy == "greedy":
        decoded, scores = _greedy_decode(b, inputs, lengths, merge_repeated, blank)
    elif strategy == "beam_search":
        if int(beam_width) < 1 or int(top_paths) < 1 or int(top_paths) > int(beam_width):
            raise ValueError(
                "ctc_decode(): `beam_width` and `top_paths` must be positive, with top_paths <= beam_width. "
                f"Received: beam_width={beam_width}, top_paths={top_paths}"
            )
        values = np.asarray(b.to_numpy(inputs), dtype="float64")
        shifted = values - values.max(axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        sizes = np.asarray(b.to_numpy(lengths)).reshape(-1)
        paths = np.full((int(top_paths), batch, steps), -1, dtype="int32")
        scores_np = np.full((batch, int(top_paths)), -np.inf)
        for i in range(batch):
            found = _beam_search_one(log_probs[i, : int(sizes[i])], blank, int(beam_width), int(top_paths))
            for k, (labels, score) in enumerate(found):
                paths[k, i, : len(labels)] = labels
                scores_np[i, k] = score
        decoded, scores = b.convert_to_tensor(paths, "int32"), b.convert_to_tensor(scores_np, "float32")
    else:
        raise ValueError(f"Invalid strategy {strategy}. Supported values are 'greedy' and 'beam_search'.")
    return decoded, scores if b.dtype_name(scores) == result_dtype else b.cast(scores, result_dtype)


# ---------------------------------------------------------------------------------- fold / unfold


def _pair(value: int | Sequence[int], name: str, op: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) for v in pair):
        raise ValueError(f"{op}(): `{name}` must be an int or a tuple of two ints. Received: {name}={value}")
    return int(pair[0]), int(pair[1])


@functools.cache
def _patch_index(
    height: int, width: int, kernel: tuple[int, int], dilation: tuple[int, int], stride: tuple[int, int]
) -> tuple[np.ndarray, int, int]:
    """Flat indices into a ``(height, width)`` image of each patch element, ``(kh * kw, blocks)``, and
    the number of blocks along each axis."""
    rows = (height - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    cols = (width - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    ki, kj = np.meshgrid(np.arange(kernel[0]), np.arange(kernel[1]), indexing="ij")
    oi, oj = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    y = ki.reshape(-1, 1) * dilation[0] + oi.reshape(1, -1) * stride[0]
    x = kj.reshape(-1, 1) * dilation[1] + oj.reshape(1, -1) * stride[1]
    return y * width + x, rows, cols


def unfold(
    x: Any,
    kernel_size: int | Sequence[int],
    dilation: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    stride: int | Sequence[int] = 1,
) -> Any:
    """Extracts sliding local blocks from a batched image ``(N, C, H, W)`` (channels first), as
    ``(N, C * kH * kW, L)`` with ``L`` the number of blocks (im2col; PyTorch's ``unfold`` layout)."""
    b = active()
    x = _tensor(b, x)
    if len(b.shape(x)) != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={b.shape(x)}")
    kernel = _pair(kernel_size, "kernel_size", "unfold")
    dil, pad, strides = (
        _pair(v, n, "unfold") for v, n in ((dilation, "dilation"), (padding, "padding"), (stride, "stride"))
    )
    n, c, h, w = b.shape(x)
    if pad != (0, 0):
        x = b.pad(x, [(0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])])
    height, width = h + 2 * pad[0], w + 2 * pad[1]
    index, rows, cols = _patch_index(height, width, kernel, dil, strides)
    if rows < 1 or cols < 1:
        raise ValueError(
            f"unfold(): kernel_size={kernel} with dilation={dil} does not fit the padded input of spatial "
            f"shape {(height, width)}."
        )
    flat = b.reshape(x, (n, c, height * width))
    patches = b.take(flat, b.convert_to_tensor(index.reshape(-1).astype("int32")), axis=2)
    return b.reshape(patches, (n, c * kernel[0] * kernel[1], rows * cols))


@functools.cache
def _fold_index(
    height: int, width: int, kernel: tuple[int, int], dilation: tuple[int, int], stride: tuple[int, int]
) -> tuple[np.ndarray, int]:
    """For each pixel of the padded ``(height, width)`` image, the flat ``(kh * kw * blocks)`` indices
    of the patch elements landing on it, padded with the index one past the last; and the block count."""
    index, rows, cols = _patch_index(height, width, kernel, dilation, stride)
    flat = index.reshape(-1)
    per_pixel = np.bincount(flat, minlength=height * width)
    depth = max(int(per_pixel.max()), 1)
    table = np.full((height * width, depth), flat.size, dtype=np.int64)
    filled = np.zeros(height * width, dtype=np.int64)
    for source, pixel in enumerate(flat):
        table[pixel, filled[pixel]] = source
        filled[pixel] += 1
    return table, rows * cols


def fold(
    x: Any,
    output_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    dilation: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    stride: int | Sequence[int] = 1,
) -> Any:
    """Sums sliding local blocks ``(N, C * kH * kW, L)`` back into an image ``(N, C, oH, oW)`` (col2im,
    the adjoint of ``unfold``: overlapping entries add up)."""
    b = active()
    x = _tensor(b, x)
    if len(b.shape(x)) != 3:
        raise ValueError(f"Input must be a 3D tensor. Received: input.shape={b.shape(x)}")
    size = _pair(output_size, "output_size", "fold")
    kernel = _pair(kernel_size, "kernel_size", "fold")
    dil, pad, strides = (
        _pair(v, n, "fold") for v, n in ((dilation, "dilation"), (padding, "padding"), (stride, "stride"))
    )
    n, depth, blocks = b.shape(x)
    area = kernel[0] * kernel[1]
    if depth % area:
        raise ValueError(
            f"The second dimension of the input ({depth}) must be divisible by kernel_size product ({area})."
        )
    height, width = size[0] + 2 * pad[0], size[1] + 2 * pad[1]
    table, expected = _fold_index(height, width, kernel, dil, strides)
    if blocks != expected:
        raise ValueError(
            f"fold(): output_size={size}, kernel_size={kernel}, dilation={dil}, padding={pad} and stride={strides} "
            f"give {expected} blocks, but the input has {blocks} (its last axis)."
        )
    channels = depth // area
    flat = b.pad(b.reshape(x, (n, channels, area * blocks)), [(0, 0), (0, 0), (0, 1)])
    gathered = b.take(flat, b.convert_to_tensor(table.astype("int32")), axis=2)
    image = b.reshape(b.sum(gathered, axis=-1), (n, channels, height, width))
    if pad != (0, 0):
        image = b.slice(image, (0, 0, pad[0], pad[1]), (n, channels, size[0], size[1]))
    return image


__all__ = ["ctc_loss", "ctc_decode", "fold", "unfold"]
