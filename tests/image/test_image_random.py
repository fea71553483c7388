"""Gradients of the ops of MXNet's image_random.cc, to order 3.

_image_normalize ((x - mean_c) / std_c per channel of a (C, H, W) or
(N, C, H, W) image): its backward op divides by std_c, and its gradient divides
the head the same way. Cases: one std for all channels and one per channel,
3-D and 4-D, one and three channels.

The augmentations (random_brightness, random_contrast, random_saturation,
random_hue, random_color_jitter) and adjust_lighting have stock's gradient, a
copy of the head (the random factor and the lighting are not differentiated),
which is differentiable as it is. That gradient is not the derivative of their
output, so their cases check orders 2 and 3 against differences of the order
below (first_order), and each op's output enters linearly, so that those orders
are the derivatives of the order below; the random ops are seeded in the
function, so that every evaluation draws the same factors."""

import mxnet as mx
from harness import Case, standard_tests


def normalized(mean, std, outer=lambda F, v: F.sin(v)):
    def fn(F, data):
        return outer(F, F.image.normalize(data * data, mean=mean, std=std))

    return fn


COPIED = "stock's gradient of the augmentation is a copy of the head, not its output's derivative"


def augmented(op, **attrs):
    """w * op(sin(x) * x) + x^3: op's output enters linearly."""

    def fn(F, data):
        mx.random.seed(7)
        inner = F.sin(data) * data
        return getattr(F.image, op)(inner, **attrs) * 0.5 + data * data * data

    return fn


ENHANCE = {"min_factor": 0.5, "max_factor": 1.5}

CASES = [
    Case("normalize_one_std", normalized(0.25, 2.0), [(1, 4, 5)]),
    Case(
        "normalize_per_channel",
        normalized((0.1, 0.2, 0.3), (0.5, 2.0, 4.0), outer=lambda F, v: F.tanh(v) * v),
        [(3, 2, 4)],
    ),
    Case(
        "normalize_batch",
        normalized((0.5, -0.5, 0.0), (3.0, 0.25, 1.0), outer=lambda F, v: v * v * v),
        [(2, 3, 2, 3)],
    ),
    Case("normalize_batch_one_channel", normalized(0.0, 0.5), [(2, 1, 3, 2)]),
    Case(
        "adjust_lighting",
        augmented("adjust_lighting", alpha=(0.1, 0.2, 0.3)),
        [(3, 4, 3)],
        first_order=COPIED,
    ),
    Case(
        "random_brightness",
        augmented("random_brightness", **ENHANCE),
        [(3, 4, 3)],
        first_order=COPIED,
    ),
    Case(
        "random_contrast", augmented("random_contrast", **ENHANCE), [(4, 2, 3)], first_order=COPIED
    ),
    Case(
        "random_saturation",
        augmented("random_saturation", **ENHANCE),
        [(3, 4, 3)],
        first_order=COPIED,
    ),
    Case(
        "random_hue",
        augmented("random_hue", min_factor=0.1, max_factor=0.3),
        [(3, 4, 3)],
        first_order=COPIED,
    ),
    Case(
        "random_color_jitter",
        augmented("random_color_jitter", brightness=0.3, contrast=0.3, saturation=0.3, hue=0.1),
        [(3, 4, 3)],
        first_order=COPIED,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
