"""Gradients of the densities random_pdf_* to order 3, density and log-density
(is_log), the parameters broadcast over one or more trailing sample axes. The
discrete densities' samples are constants (whole numbers): stock's gradient in
them is zero."""

from harness import POS, Case, standard_tests

SIGNED = (-1.0, 1.0)

# The densities with log Gamma of a parameter: the stock first derivative of
# gammaln is psi(x) from cephes with single-precision coefficients (~1e-7
# absolute), so finite differences of it need a wider step and an absolute
# tolerance (as in tests/tensor/test_elemwise_unary_op.py).
PSI_NOISE = dict(eps=3e-3, rtol=2e-4, atol=3e-5)


def with_is_log(fn, is_log):
    """fn(F, is_log, *xs) as a case's fn(F, *xs)."""
    return lambda F, *xs: fn(F, is_log, *xs)


def both(name, fn, shapes, ranges, **kw):
    """The case for the density and for the log-density."""
    low, high = zip(*ranges)
    return [
        Case(
            "%s_%s" % (name, "log" if is_log else "pdf"),
            with_is_log(fn, is_log),
            shapes,
            low,
            high,
            **kw,
        )
        for is_log in (False, True)
    ]


CASES = [
    *both(
        "normal",
        lambda F, is_log, x, mu, sigma: F.random_pdf_normal(x, mu, sigma, is_log=is_log),
        [(2, 3), (2,), (2,)],
        [SIGNED, SIGNED, POS],
    ),
    *both(
        "normal_two_trailing_axes",
        lambda F, is_log, x, mu, sigma: F.sin(F.random_pdf_normal(x, mu, sigma, is_log=is_log)),
        [(2, 2, 3, 2), (2, 2), (2, 2)],
        [SIGNED, SIGNED, POS],
    ),
    *both(
        "uniform",
        lambda F, is_log, x, low, high: F.random_pdf_uniform(x, low, high, is_log=is_log) * x,
        [(2, 3), (2,), (2,)],
        [(0.0, 0.5), (-2.0, -1.0), (1.0, 2.0)],
    ),
    *both(
        "gamma",
        lambda F, is_log, x, a, b: F.random_pdf_gamma(x, a, b, is_log=is_log),
        [(3, 2), (3,), (3,)],
        [POS, POS, POS],
        **PSI_NOISE,
    ),
    *both(
        "exponential",
        lambda F, is_log, x, lam: F.sin(F.random_pdf_exponential(x, lam, is_log=is_log)),
        [(2, 2, 3), (2, 2)],
        [POS, POS],
    ),
    *both(
        "poisson",
        lambda F, is_log, x, lam: F.random_pdf_poisson(x, lam, is_log=is_log),
        [(2, 4), (2,)],
        [(0, 6), POS],
        integers=(0,),
        constants=(0,),
    ),
    *both(
        "negative_binomial",
        lambda F, is_log, x, k, p: F.random_pdf_negative_binomial(x, k, p, is_log=is_log),
        [(2, 3), (2,), (2,)],
        [(0, 6), POS, (0.2, 0.8)],
        integers=(0,),
        constants=(0,),
        **PSI_NOISE,
    ),
    *both(
        "generalized_negative_binomial",
        lambda F, is_log, x, mu, alpha: F.random_pdf_generalized_negative_binomial(
            x, mu, alpha, is_log=is_log
        ),
        [(3, 2), (3,), (3,)],
        [(0, 6), POS, POS],
        integers=(0,),
        constants=(0,),
        **PSI_NOISE,
    ),
    *both(
        "dirichlet",
        lambda F, is_log, x, alpha: F.random_pdf_dirichlet(x, alpha, is_log=is_log),
        [(2, 4, 3), (2, 3)],
        [(0.6, 1.5), POS],
        **PSI_NOISE,
    ),
    *both(
        "dirichlet_one_sample",
        lambda F, is_log, x, alpha: F.sin(F.random_pdf_dirichlet(x, alpha, is_log=is_log)),
        [(3,), (3,)],
        [(0.6, 1.5), POS],
        **PSI_NOISE,
    ),
]


test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
