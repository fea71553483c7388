"""Gradients through _contrib_MultiProposal, to order 3. Its rois are the anchors
moved by the box predictions, ordered by the object scores and suppressed: in
the scores they are piecewise constant (the order and the suppression change
only at ties), so their derivative in the scores is zero, which is stock's
gradient; its backward op writes zeros and reads nothing (no inputs to
differentiate). The cases differentiate in the scores, the box predictions
fixed, and scale a nonlinear function of the scores by the rois. float32 only
(cast to it and back); not hybridized: a stateful legacy op without a stateless
twin, refused by name there."""

from harness import standard_tests
from multibox_cases import proposal_cases

CASES = proposal_cases("MultiProposal", batch=2)

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
