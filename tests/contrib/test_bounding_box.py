"""Gradients of box_nms, box_iou and bipartite_matching, to order 3.

box_nms sorts boxes by score and suppresses those overlapping a better one; its
gradient sends each output row's gradient to the input row it came from, and
that backward op's gradient takes the head back from those rows. The boxes are
[score, id, x1, y1, x2, y2] rows (or with the score elsewhere) built with
x2 > x1, y2 > y1 from uniform draws, so that a small step changes no ordering
and no suppression. Cases: batched (3-D and 4-D) and 2-D, topk (rows beyond
it are dropped), valid_thresh (rows below it are dropped), id_index with and
without force_suppress, the alias box_non_maximum_suppression. The stock
backward kernel scatters the gradient unchanged whatever out_format, so only
cases whose in_format and out_format agree are the output's derivative.

box_iou's stock gradient is zero (not the derivative of the overlaps); its case
checks the orders above the first against differences of the order below, the
overlaps entering linearly. bipartite_matching's outputs are row and column
indices, piecewise constant in the scores: their derivative is zero, which is
stock's gradient, and its backward op's gradient is zero too."""

from harness import Case, standard_tests


def boxes(F, d, score_first=True):
    """Rows [score, id, x1, y1, x2, y2] from uniform draws d (..., 6) in (0, 1)."""
    score = F.slice_axis(d, axis=-1, begin=0, end=1)
    ident = F.round(F.slice_axis(d, axis=-1, begin=1, end=2) * 2.0)
    corner = F.slice_axis(d, axis=-1, begin=2, end=4)
    size = F.slice_axis(d, axis=-1, begin=4, end=6) * 0.5 + 0.1
    head = [score, ident] if score_first else [ident, score]
    return F.concat(*head, corner, corner + size, dim=-1)


def nms(outer=lambda F, y: F.sin(y), score_first=True, op="box_nms", **attrs):
    def fn(F, d):
        data = boxes(F, d * d + 0.05 * d, score_first)
        if not score_first:
            attrs.setdefault("score_index", 1)
            attrs.setdefault("id_index", 0)
        else:
            attrs.setdefault("score_index", 0)
        return outer(F, getattr(F.contrib, op)(data, **attrs))

    return fn


ZERO = "stock's gradient of box_iou is zero, not the derivative of the overlaps"


def iou(F, a, b):
    corners = [F.slice_axis(boxes(F, v), axis=-1, begin=2, end=6) for v in (a, b)]
    overlaps = F.contrib.box_iou(*corners, format="corner")
    return F.sum(overlaps) * 0.5 + F.sum(a * a * a) + F.sum(F.sin(b) * b)


def matched(F, x):
    rows, cols = F.contrib.bipartite_matching(x * x, threshold=0.1, is_ascend=False)
    return F.broadcast_mul(F.sin(x), F.expand_dims(rows, axis=1) + 2.0) + F.broadcast_mul(
        x, F.sum(cols)
    )


CASES = [
    Case("nms", nms(overlap_thresh=0.3), [(2, 6, 6)], low=0.0),
    Case("nms_2d", nms(overlap_thresh=0.2, outer=lambda F, y: y * y * y), [(7, 6)], low=0.0),
    Case("nms_4d_topk", nms(overlap_thresh=0.4, topk=3), [(2, 2, 5, 6)], low=0.0, seed=1),
    Case("nms_valid_thresh", nms(overlap_thresh=0.3, valid_thresh=0.3), [(2, 6, 6)], low=0.0),
    Case(
        "nms_by_class",
        nms(overlap_thresh=0.2, score_first=False, outer=lambda F, y: F.tanh(y) * y),
        [(1, 8, 6)],
        low=0.0,
        seed=2,
    ),
    Case(
        "nms_force_suppress",
        nms(overlap_thresh=0.2, score_first=False, force_suppress=True),
        [(1, 8, 6)],
        low=0.0,
        seed=2,
    ),
    Case(
        "non_maximum_suppression_alias",
        nms(op="box_non_maximum_suppression", overlap_thresh=0.3),
        [(6, 6)],
        low=0.0,
        seed=3,
    ),
    Case("iou", iou, [(3, 6), (4, 6)], low=0.0, first_order=ZERO),
    Case("bipartite_matching", matched, [(4, 3)], low=-1.0),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
