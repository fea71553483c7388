"""mx.np's x[mask] (_npi_boolean_mask, an alias of boolean_mask) to order 3."""

from harness import NpCase, numpy_mode, standard_tests  # noqa: F401 (fixture)

CASES = [
    NpCase(
        "np_boolean_index",
        lambda np, x, m: (np.sin(x) * x)[m.astype("bool")] ** 3,
        [(5, 2), (5,)],
        (-1, 0),
        (1, 2),
        seed=3,
        integers=(1,),
        constants=(1,),
        hybridize=False,
    ),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
