"""Gradients of boolean_mask (and mx.np's x[mask], the same op), to order 3:
masks that keep some, one and all rows. Stock 1.9.1 supports axis 0 only and
no hybridized boolean_mask at all (its first-order gradient fails in a
hybridized block: the op's output shape is known only once it has run), so the
cases run imperatively; hybridized, a higher order is refused by name."""

import os
import subprocess
import sys

from harness import Case, standard_tests

MASK = dict(integers=(1,), constants=(1,), hybridize=False)


def masked(F, x, m):
    return F.contrib.boolean_mask(F.sin(x) * x, m) ** 3


CASES = [
    Case("boolean_mask_some", masked, [(5, 3), (5,)], (-1, 0), (1, 2), seed=1, **MASK),
    Case("boolean_mask_rows_of_3d", masked, [(4, 2, 3), (4,)], (-1, 0), (1, 2), seed=3, **MASK),
    Case("boolean_mask_one_kept", masked, [(5, 3), (5,)], (-1, 0), (1, 2), seed=5, **MASK),
    Case("boolean_mask_all_kept", masked, [(3, 2), (3,)], (-1, 1), (1, 2), **MASK),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


HYBRIDIZED = r"""
import mxnet as mx
from mxnet import autograd, gluon, nd

class Masked(gluon.HybridBlock):
    def hybrid_forward(self, F, x, m):
        return F.contrib.boolean_mask(x * x, m) ** 3

block = Masked()
block.hybridize()
x = nd.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype="float64")
x.attach_grad()
try:
    with autograd.record():
        (g,) = autograd.grad(block(x, nd.array([1, 0, 1])).sum(), [x], create_graph=True)
    g.sum().backward()
    mx.nd.waitall()
except mx.base.MXNetError as error:
    print(str(error).splitlines()[-1])
"""


def test_hybridized_higher_order_refused_by_name():
    """It crashed the interpreter before (a recorded gradient graph with an op
    whose output shape is not known until it runs)."""
    env = dict(os.environ)
    env.pop("MXNET_HO_DISABLE", None)
    result = subprocess.run(
        [sys.executable, "-c", HYBRIDIZED],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        universal_newlines=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "cannot pass _contrib_boolean_mask" in result.stdout, result.stdout
    assert "known only once it has run" in result.stdout
