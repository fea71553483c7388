"""Runs composition sweep cases (names on the command line) in this process and
reports each as it goes, one line each, flushed:
    START <name>
    PASS <name>            or    FAIL <name>\t<message>
so that a parent that sees this process die knows which case killed it
(test_compositions.py). It stops after a failure."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mxnet as mx  # noqa: E402

from composition_cases import build, penalty_weight_grads, tolerance  # noqa: E402
from mxnet_ho.test_utils import check_higher_order_grad  # noqa: E402


def penalty_of(fn, train_mode):
    """||d fn / d x||^2 as users write it (x is the first input)."""

    def penalty(x, *ws):
        if not mx.autograd.is_recording():  # check_higher_order_grad's shape probe
            x = x.copy()
            x.attach_grad()
            with mx.autograd.record(train_mode=train_mode):
                return penalty(x, *ws)
        (g,) = mx.autograd.grad(
            fn(x, *ws), [x], create_graph=True, retain_graph=True, train_mode=train_mode
        )
        return (g * g).sum()

    return penalty


def run(name):
    if name == "selftest>crash":  # the parent's crash protocol, tested
        import signal

        os.kill(os.getpid(), signal.SIGSEGV)
    if name.startswith("penalty32>"):
        # float32 against float64 (whose derivatives the layer>activation case
        # holds against finite differences), in norm
        import numpy as np

        for g32, g64 in zip(
            penalty_weight_grads(name, "float32"), penalty_weight_grads(name, "float64")
        ):
            err = np.linalg.norm(g32 - g64)
            assert err <= 1e-4 * np.linalg.norm(g64) + 1e-4, (
                "float32 penalty gradient off by %.3g (norm %.3g)" % (err, np.linalg.norm(g64))
            )
        return
    fn, inputs, train_mode, has_x = build(name)
    tol = tolerance(name)
    check_higher_order_grad(fn, inputs, order=3, train_mode=train_mode, **tol)
    if has_x:
        check_higher_order_grad(
            penalty_of(fn, train_mode), inputs, order=2, train_mode=train_mode, **tol
        )


def main(names):
    for name in names:
        print("START " + name, flush=True)
        try:
            run(name)
        except Exception as error:  # reported, the sweep goes on
            message = " ".join(str(error).split())[:400]
            print("FAIL %s\t%s: %s" % (name, type(error).__name__, message), flush=True)
            # a failed case may leave MXNet's state broken (an MKL-DNN error leaves
            # its stream unusable): the parent runs the rest in a new worker
            return
        else:
            print("PASS " + name, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
