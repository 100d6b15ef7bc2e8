"""Text classification with an Embedding on integer token sequences generated here.

Teaches the usual text pipeline on made-up "reviews": token ids padded with 0 to one length,
``Embedding(mask_zero=True)`` so the padding is masked, then either a masked average
(``GlobalAveragePooling1D``) or an ``LSTM``, and a sigmoid for a binary label. The rule to learn:
a review is positive when it holds more "positive" tokens than "negative" ones. The script then
shows what the mask does: the same review padded to two different lengths gets the same prediction.

    python examples/text_classification.py                  # the configured backend, pooling model
    python examples/text_classification.py --model lstm --backend mxnet
    python examples/text_classification.py --quick          # less data, 2 epochs (seconds), as CI runs it

Prints the test accuracy and the prediction for one review padded two ways.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import unikeras as keras
from unikeras import layers

VOCAB_SIZE = 60  # id 0 is padding
POSITIVE = np.arange(1, 11)  # ids 1..10 are "positive" words
NEGATIVE = np.arange(11, 21)  # ids 11..20 are "negative" words, 21..59 neutral
MAX_LENGTH = 40


def make_reviews(n: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` reviews of 5 to MAX_LENGTH token ids, and labels 1 (more positive than negative tokens) or 0.

    Reviews with as many positive as negative tokens are redrawn, so every label is well defined.
    """
    rng = np.random.default_rng(seed)
    reviews, labels = [], []
    while len(reviews) < n:
        tokens = rng.integers(1, VOCAB_SIZE, size=rng.integers(5, MAX_LENGTH + 1))
        balance = np.isin(tokens, POSITIVE).sum() - np.isin(tokens, NEGATIVE).sum()
        if balance != 0:
            reviews.append(tokens)
            labels.append(int(balance > 0))
    return reviews, np.array(labels, dtype="float32")


def pad(reviews: list[np.ndarray], length: int) -> np.ndarray:
    """Pad with 0 after the tokens (or cut) to ``length``, as Keras's ``pad_sequences(..., padding="post")``."""
    out = np.zeros((len(reviews), length), dtype="int32")
    for i, tokens in enumerate(reviews):
        out[i, : min(len(tokens), length)] = tokens[:length]
    return out


def build_model(kind: str) -> keras.Sequential:
    body = (
        [layers.GlobalAveragePooling1D()]  # the mean over the real tokens only: the mask drops the padding
        if kind == "pool"
        else [layers.LSTM(32)]  # at padded steps the LSTM keeps its state: the mask skips them
    )
    return keras.Sequential(
        [
            keras.Input((None,), dtype="int32"),  # any length
            layers.Embedding(VOCAB_SIZE, 16, mask_zero=True),  # id 0 -> masked
            *body,
            layers.Dense(1, activation="sigmoid"),
        ],
        name=f"text_{kind}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=keras.config.backend(), help="default: the configured backend")
    parser.add_argument("--model", choices=["pool", "lstm"], default="pool")
    parser.add_argument("--epochs", type=int, help="default: 15 (2 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("UNIKERAS_EXAMPLES_QUICK", "") not in ("", "0"),
        help="less data and 2 epochs, a few seconds (also UNIKERAS_EXAMPLES_QUICK=1)",
    )
    args = parser.parse_args()
    epochs = args.epochs or (2 if args.quick else 15)

    keras.config.set_backend(args.backend)
    keras.utils.set_random_seed(args.seed)
    train_reviews, y_train = make_reviews(300 if args.quick else 5000, seed=args.seed)
    test_reviews, y_test = make_reviews(1000, seed=args.seed + 1)
    x_train, x_test = pad(train_reviews, MAX_LENGTH), pad(test_reviews, MAX_LENGTH)

    model = build_model(args.model)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.1, verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)

    # The mask at work: the Embedding marks the padding, and the layers after it ignore those steps,
    # so padding the same review to 40 or to 60 tokens gives the same prediction.
    review = test_reviews[0]
    short, long = pad([review], MAX_LENGTH), pad([review], MAX_LENGTH + 20)
    mask = keras.ops.convert_to_numpy(model.layers[0].compute_mask(short))
    p_short, p_long = float(model.predict(short, verbose=0)[0, 0]), float(model.predict(long, verbose=0)[0, 0])
    print(f"review {review.tolist()}: label {int(y_test[0])}")
    print(f"mask of the padded review: {mask.sum()} of {mask.size} steps kept")
    print(f"P(positive) padded to {MAX_LENGTH}: {p_short:.6f}, padded to {MAX_LENGTH + 20}: {p_long:.6f}")
    print(
        f"text classification ({args.model}, {args.backend}, {epochs} epochs): test accuracy {accuracy:.4f}; "
        f"padding changes the prediction by {abs(p_short - p_long):.1e}"
    )


if __name__ == "__main__":
    main()
