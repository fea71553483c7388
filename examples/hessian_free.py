"""Hessian-free optimisation (truncated Newton-CG with Hessian-vector products)
of a small tanh classifier on scikit-learn's handwritten digits, against Adam
with the same cost in gradient evaluations.

Each Newton step solves (H + damping I) d = -g by conjugate gradients, where
every H v comes from mxnet_ho.functional.hvp (a gradient of a gradient).
Cost is counted in gradient evaluations: a gradient 1, a Hessian-vector product
2 (it differentiates the gradient once more), a loss value alone 1/2 (a forward
pass). Prints the final training loss and the test accuracy of both, saves a
plot of the training loss against that cost and against wall-clock time.
"""

import time

import numpy as np

from mxnet import autograd, nd

from mxnet_ho import functional

from _common import parse_args, progress, save_figure

DESCRIPTION = (
    "Trains a small tanh classifier on scikit-learn's 8x8 digits by truncated "
    "Newton-CG, whose Hessian-vector products are second-order gradients, and by "
    "Adam at the same cost, prints each one's training loss and test accuracy, and "
    "writes hessian_free.png (training loss against cost and against wall-clock "
    "time) to --out."
)
GRADIENT, HVP, LOSS = 1.0, 2.0, 0.5  # costs, in gradient evaluations


def load_digits():
    from sklearn.datasets import load_digits as sk_digits

    digits = sk_digits()
    x = digits.data.astype("float32") / 16.0
    y = digits.target
    order = np.random.RandomState(0).permutation(len(y))
    x, y = x[order], y[order]
    split = 1400
    return x[:split], y[:split], x[split:], y[split:]


def init_params(rng, hidden):
    return [
        nd.array(rng.normal(0, 1 / np.sqrt(64), (hidden, 64))),
        nd.zeros((hidden,)),
        nd.array(rng.normal(0, 1 / np.sqrt(hidden), (10, hidden))),
        nd.zeros((10,)),
    ]


def logits(params, x):
    w1, b1, w2, b2 = params
    h = nd.tanh(nd.FullyConnected(x, w1, b1, num_hidden=w1.shape[0]))
    return nd.FullyConnected(h, w2, b2, num_hidden=10)


def make_loss(x, onehot, decay=1e-4):
    def loss(*params):
        z = logits(params, x)
        nll = -(onehot * nd.log_softmax(z, axis=1)).sum() / x.shape[0]
        return nll + decay * sum((p**2).sum() for p in params)

    return loss


def conjugate_gradients(hvp, grads, damping, iters):
    """Approximately solves (H + damping I) d = -g; stops at negative curvature."""
    d = [nd.zeros_like(g) for g in grads]
    r = [-g for g in grads]
    p_dir = [ri.copy() for ri in r]
    rr = sum((ri * ri).sum() for ri in r).asscalar()
    for _ in range(iters):
        hp = [h + damping * pi for h, pi in zip(hvp(p_dir), p_dir)]
        curvature = sum((pi * hi).sum() for pi, hi in zip(p_dir, hp)).asscalar()
        if curvature <= 0:
            break
        alpha = rr / curvature
        d = [di + alpha * pi for di, pi in zip(d, p_dir)]
        r = [ri - alpha * hi for ri, hi in zip(r, hp)]
        rr_new = sum((ri * ri).sum() for ri in r).asscalar()
        if rr_new < 1e-10:
            break
        p_dir = [ri + (rr_new / rr) * pi for ri, pi in zip(r, p_dir)]
        rr = rr_new
    return d if any(di.abs().sum().asscalar() > 0 for di in d) else r


def newton_cg(loss, params, steps, cg_iters=10, damping=1.0):
    """Truncated Newton with Levenberg-Marquardt damping: the damping shrinks
    when the quadratic model predicts the decrease well, and grows when not.
    Returns the parameters and, from the start to the end, the training loss,
    the cost spent so far and the seconds taken so far."""
    params = list(params)
    losses, costs, seconds = [], [], []
    cost, start = 0.0, time.time()
    for _ in progress(range(steps), desc="Newton-CG"):
        value, grads = functional.vjp(loss, tuple(params))
        value = value.asscalar()
        losses.append(value)
        costs.append(cost)
        seconds.append(time.time() - start)
        cost += GRADIENT
        hvps = [0]

        def hvp(vs, params=params, hvps=hvps):
            hvps[0] += 1
            return functional.hvp(loss, tuple(params), tuple(vs))[1]

        d = conjugate_gradients(hvp, grads, damping, cg_iters)
        hd = hvp(d)
        predicted = sum(((g + 0.5 * h) * di).sum() for g, h, di in zip(grads, hd, d)).asscalar()
        trial = [p + di for p, di in zip(params, d)]
        actual = loss(*trial).asscalar() - value
        cost += HVP * hvps[0] + LOSS
        rho = actual / predicted if predicted < 0 else -1.0
        if rho > 0.75:
            damping /= 1.5
        elif rho < 0.25:
            damping *= 1.5
        if actual < 0:
            params = trial
    losses.append(loss(*params).asscalar())
    costs.append(cost)
    seconds.append(time.time() - start)
    return params, losses, costs, seconds


def adam(loss, params, steps, lr=1e-2):
    """Returns the parameters and, after 0..steps steps, the training loss and
    the seconds taken so far (the cost after t steps is t gradients)."""
    params = [p.copy() for p in params]
    for p in params:
        p.attach_grad()
    m = [nd.zeros_like(p) for p in params]
    v = [nd.zeros_like(p) for p in params]
    losses, seconds = [], []
    start = time.time()
    for t in range(1, steps + 1):
        with autograd.record():
            value = loss(*params)
        value.backward()
        losses.append(value.asscalar())
        seconds.append(time.time() - start)
        for i, p in enumerate(params):
            m[i] = 0.9 * m[i] + 0.1 * p.grad
            v[i] = 0.999 * v[i] + 0.001 * p.grad**2
            p[:] = p - lr * (m[i] / (1 - 0.9**t)) / (nd.sqrt(v[i] / (1 - 0.999**t)) + 1e-8)
    losses.append(loss(*params).asscalar())
    seconds.append(time.time() - start)
    return params, losses, seconds


def accuracy(params, x, y):
    return float((logits(params, x).argmax(axis=1).asnumpy() == y).mean())


def main():
    args = parse_args(
        DESCRIPTION,
        newton_steps=(15, "Newton-CG steps (each up to 10 conjugate-gradient iterations)"),
        hidden=(32, "hidden units of the 64-hidden-10 classifier"),
        seed=(0, "random seed of the initial weights"),
    )
    x_train, y_train, x_test, y_test = load_digits()
    x, onehot = nd.array(x_train), nd.one_hot(nd.array(y_train), 10)
    loss = make_loss(x, onehot)
    start = init_params(np.random.RandomState(args.seed), args.hidden)

    newton_params, newton_losses, newton_costs, newton_seconds = newton_cg(
        loss, start, args.newton_steps
    )
    adam_steps = int(round(newton_costs[-1] / GRADIENT))  # the same cost
    adam_params, adam_losses, adam_seconds = adam(loss, start, adam_steps)

    newton_acc = accuracy(newton_params, nd.array(x_test), y_test)
    adam_acc = accuracy(adam_params, nd.array(x_test), y_test)
    print(
        "Newton-CG: %d steps (cost %d gradients), final training loss %.4f, test accuracy %.3f"
        % (args.newton_steps, adam_steps, newton_losses[-1], newton_acc)
    )
    print(
        "Adam:      %d steps (cost %d gradients), final training loss %.4f, test accuracy %.3f"
        % (adam_steps, adam_steps, adam_losses[-1], adam_acc)
    )

    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    newton_label = "Newton-CG, %d steps (H v by functional.hvp)" % args.newton_steps
    adam_label = "Adam, %d steps (lr 1e-2)" % adam_steps
    left.semilogy(newton_costs, newton_losses, "o-", label=newton_label)
    left.semilogy(np.arange(adam_steps + 1), adam_losses, label=adam_label)
    left.set_xlabel(
        "cost in gradient evaluations\n(Hessian-vector product = %g, loss value = %g)" % (HVP, LOSS)
    )
    left.set_ylabel("training loss (cross-entropy + weight decay)")
    left.set_title("training loss against cost")
    left.legend()
    right.semilogy(newton_seconds, newton_losses, "o-", label=newton_label)
    right.semilogy(adam_seconds, adam_losses, label=adam_label)
    right.set_xlabel("wall-clock time (s) on the machine that ran it")
    right.set_ylabel("training loss (cross-entropy + weight decay)")
    right.set_title("training loss against time")
    right.legend()
    top = 5 * max(newton_losses[0], adam_losses[0])  # room for the legends above the curves
    for ax in (left, right):
        ax.set_ylim(top=top)
    fig.suptitle(
        "digits, 64-%d-10 tanh classifier: test accuracy Newton-CG %.3f, Adam %.3f"
        % (args.hidden, newton_acc, adam_acc)
    )
    save_figure(fig, args.out, "hessian_free.png")


if __name__ == "__main__":
    main()
