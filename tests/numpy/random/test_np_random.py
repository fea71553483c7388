"""Gradients of the NumPy interface's samplers (mx.np.random, mx.npx.random) to
order 3 in their array parameters, with the draw held fixed: every evaluation
seeds the generator first (Case reseed), and under a fixed seed each sampler
draws the same numbers whatever its parameters (checked below), so its samples
are a smooth function of them: normal, normal_n, gumbel and logistic y = loc +
scale*E, rayleigh and exponential y = scale*E, pareto y = expm1(E/a), weibull y
= E^(1/a). Each parameter is an array or a number (which changes the backward
op's inputs and outputs), broadcast against the other and against `size`.

These samplers compute in float32 only (their samples and noise are float32
whatever the parameters' dtype; stock's first order fails for float64
parameters), so each case names a reference (Case reference): the same
function in float64 with the sample written as that formula of the parameters
and the standard draw (the sampler at unit parameters, with the same seed, held
constant), checked against finite differences at every order, and the
sampler's float32 derivatives against it.

The discrete samplers (bernoulli, choice, multinomial) are piecewise constant in
their parameters: stock's gradient is zero, the derivative almost everywhere,
held against a product with a smooth function of the same parameters."""

import mxnet as mx
import numpy as onp

from harness import POS, NpCase, imperative, numpy_mode, standard_tests

assert numpy_mode  # the module-scoped autouse fixture: mx.np semantics while testing

SEED = 7


def npx_of(np):
    """mx.npx or mx.sym.npx, beside a case's np."""
    return mx.sym.npx if np is mx.sym.np else mx.npx


def sampler(name):
    """The sampler `name` of np.random (npx.random for normal_n and bernoulli)."""

    def draw(np, *args, **kwargs):
        module = np.random if hasattr(np.random, name) else npx_of(np).random
        return getattr(module, name)(*args, **kwargs)

    return draw


def standard(name, shape):
    """What sampler `name` draws at unit parameters (normal_n: normal's), as a
    float64 constant."""
    with mx.autograd.pause():
        draw = getattr(mx.np.random, "normal" if name == "normal_n" else name)
        if name in ("rayleigh", "exponential", "pareto", "weibull"):
            return draw(1.0, size=shape).astype("float64")
        return draw(0.0, 1.0, size=shape).astype("float64")


def case(name, fn, reference, shapes, low=-1.0, high=1.0, **kwargs):
    return NpCase(name, fn, shapes, low, high, reference=reference, reseed=SEED, **kwargs)


def location_scale(name, size):
    """Cases of a location-scale sampler; `size` its keyword for the shape drawn."""
    draw = sampler(name)
    big = (4, 2, 3)
    return [
        case(
            name + "_both",
            lambda np, loc, scale: np.sin(draw(np, loc, scale)) * scale,
            lambda np, loc, scale: np.sin(loc + scale * standard(name, (2, 3))) * scale,
            [(3,), (2, 1)],
            (-1.0, 0.5),
            (1.0, 2.0),
        ),
        case(
            name + "_loc_number",
            lambda np, scale: np.sin(draw(np, 0.5, scale)),
            lambda np, scale: np.sin(0.5 + scale * standard(name, (2, 3))),
            [(2, 3)],
            *POS,
        ),
        case(
            name + "_scale_number",
            lambda np, loc: np.sin(draw(np, loc, 1.5)) * loc,
            lambda np, loc: np.sin(loc + 1.5 * standard(name, (3,))) * loc,
            [(3,)],
        ),
        case(
            name + "_size",
            lambda np, loc, scale: np.tanh(draw(np, loc, scale, **size)),
            lambda np, loc, scale: np.tanh(loc + scale * standard(name, big)),
            [(2, 1), (3,)],
            (-1.0, 0.5),
            (1.0, 2.0),
        ),
    ]


def one_parameter(name, sample):
    """Cases of a one-parameter sampler, `sample(p, E)` its formula."""
    draw = sampler(name)
    return [
        case(
            name,
            lambda np, p: np.sin(draw(np, p)) * p,
            lambda np, p: np.sin(sample(np, p, standard(name, (2, 3)))) * p,
            [(2, 3)],
            *POS,
        ),
        case(
            name + "_size",
            lambda np, p: np.sin(draw(np, p, size=(4, 3))),
            lambda np, p: np.sin(sample(np, p, standard(name, (4, 3)))),
            [(3,)],
            *POS,
        ),
    ]


def scaled(np, scale, unit):
    return scale * unit


def pareto(np, a, unit):  # unit = expm1(E)
    return np.expm1(np.log1p(unit) / a)


def weibull(np, a, unit):  # unit = E
    return np.power(unit, 1.0 / a)


def discrete(np, draw, p):
    """A discrete sampler's draw at p, a constant (its derivative is zero)."""
    with mx.autograd.pause():
        return draw(np, p.astype("float32")).astype("float64")


def bernoulli(np, p):
    return npx_of(np).random.bernoulli(prob=p)


def bernoulli_logit(np, x):
    return npx_of(np).random.bernoulli(logit=x, size=(4, 2, 3))


def choice(np, w):
    return np.random.choice(3, size=(5,), p=w / np.sum(w)).astype("float32")


def multinomial(np, w):
    return np.random.multinomial(10, w / np.sum(w), size=(2,)).astype("float32")


CASES = [
    *location_scale("normal", {"size": (4, 2, 3)}),
    *location_scale("normal_n", {"batch_shape": (4,)}),
    *location_scale("gumbel", {"size": (4, 2, 3)}),
    *location_scale("logistic", {"size": (4, 2, 3)}),
    *one_parameter("rayleigh", scaled),
    *one_parameter("exponential", scaled),
    *one_parameter("pareto", pareto),
    *one_parameter("weibull", weibull),
    case(
        "bernoulli_prob",
        lambda np, p: bernoulli(np, p) * np.sin(p),
        lambda np, p: discrete(np, bernoulli, p) * np.sin(p),
        [(2, 3)],
        0.1,
        0.9,
    ),
    case(
        "bernoulli_logit",
        lambda np, x: bernoulli_logit(np, x) * np.exp(x),
        lambda np, x: discrete(np, bernoulli_logit, x) * np.exp(x),
        [(2, 3)],
    ),
    case(
        "choice_weighted",
        lambda np, w: np.sum(choice(np, w)) * np.sin(w),
        lambda np, w: np.sum(discrete(np, choice, w)) * np.sin(w),
        [(3,)],
        *POS,
    ),
    case(
        "multinomial",
        lambda np, w: multinomial(np, w) * np.cos(w),
        lambda np, w: discrete(np, multinomial, w) * np.cos(w),
        [(3,)],
        *POS,
        hybridize=False,  # mx.sym.np.random has no multinomial
    ),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)


def test_draw_does_not_depend_on_the_parameters():
    """Under a fixed seed, each case's sampler at its parameters and its
    reference (the formula at the standard draw) agree to float32 rounding."""
    for c in CASES:
        arrays, fn = imperative(c, "float32")
        _, reference = imperative(c.as_reference())
        got = fn(*[mx.np.array(a, dtype="float32") for a in arrays]).asnumpy()
        want = reference(*[mx.np.array(a, dtype="float64") for a in arrays]).asnumpy()
        onp.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=c.name)
