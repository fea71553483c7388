"""Gradients through _contrib_MultiProposal, to order 3: the cases of
test_proposal.py (see there why the rois' derivative in the scores is zero) on a
batch of 2."""

from harness import standard_tests
from multibox_cases import proposal_cases

CASES = proposal_cases("MultiProposal", batch=2)

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
