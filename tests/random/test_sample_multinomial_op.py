"""Gradients of sample_multinomial's log-probabilities (get_prob=True, one draw
per distribution) to order 3 in the distributions: log p[k] at the drawn index
k, one distribution or a batch. Every evaluation seeds the generator first
(Case reseed): the index stays the one drawn while p moves by less than the
distance of the uniform draw to p's cumulative sums, so log p[k] is smooth in p
there. The distributions are a softmax, so that they sum to one. The
log-probabilities are float32 whatever p's dtype: a wide step, at a float32
tolerance. Not hybridized: a hybridized block's recomputation has no twin for
this sampler (it names it and refuses)."""

from harness import Case, standard_tests

TOL = dict(eps=3e-3, rtol=2e-3, atol=2e-4, reseed=5, hybridize=False)


def log_prob(F, x):
    return F.random.multinomial(F.softmax(x), get_prob=True)[1]


CASES = [
    Case("batch", lambda F, x: F.sin(log_prob(F, x)), [(3, 4)], **TOL),
    Case("one_distribution", lambda F, x: log_prob(F, x) ** 2, [(5,)], **TOL),
    Case("batch_scaled", lambda F, x: F.exp(log_prob(F, 2.0 * x)), [(2, 3)], **TOL),
]

test_higher_order, test_hybridized, test_first_order_bit_identical, test_float32 = standard_tests(
    __file__, CASES
)
