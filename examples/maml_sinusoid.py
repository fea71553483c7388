"""MAML on sinusoid regression (Finn, Abbeel and Levine, 2017), against a network
pretrained jointly on all tasks.

Tasks are y = A sin(x - phi) with A in [0.1, 5], phi in [0, pi], x in [-5, 5];
each gives K = 10 examples. MAML's meta-gradient differentiates through the
inner gradient step (second order). After training, both models are adapted to
new tasks with k gradient steps; prints the post-adaptation loss after k steps
and saves a plot of it, beside one new task as each model fits it.
"""

import numpy as np

import mxnet as mx
from mxnet import autograd, nd

from _common import parse_args, progress, save_figure

DESCRIPTION = (
    "Meta-trains a regression network on sinusoid tasks with MAML, whose meta-gradient "
    "differentiates through an inner gradient step, and a network pretrained jointly "
    "on all tasks, adapts both to new tasks by gradient steps on K examples, prints "
    "their loss after 0, 1, 5 and 10 steps, and writes maml_sinusoid.png (loss against "
    "steps, and one new task as each fits it) to --out."
)

SIZES = [1, 40, 40, 1]


def init_params(rng):
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        params += [nd.array(rng.normal(0, np.sqrt(1.0 / n_in), (n_out, n_in))), nd.zeros((n_out,))]
    for p in params:
        p.attach_grad()
    return params


def forward(params, x):
    h = x
    for i in range(0, len(params), 2):
        h = nd.FullyConnected(h, params[i], params[i + 1], num_hidden=params[i].shape[0])
        if i + 2 < len(params):
            h = nd.relu(h)
    return h


def mse(params, x, y):
    return ((forward(params, x) - y) ** 2).mean()


def sample_task(rng):
    amplitude, phase = rng.uniform(0.1, 5.0), rng.uniform(0, np.pi)

    def draw(k):
        x = rng.uniform(-5, 5, (k, 1))
        return nd.array(x), nd.array(amplitude * np.sin(x - phase))

    return draw


def adapt(params, x, y, steps, lr, create_graph=False):
    """`steps` gradient steps from params. With create_graph (one step, as MAML
    trains) the result stays a function of params; otherwise each step starts
    from fresh variables (MXNet differentiates with respect to variables only)."""
    assert steps <= 1 or not create_graph
    fast = list(params)
    for _ in range(steps):
        if not create_graph:
            fast = [f.detach() for f in fast]
            for f in fast:
                f.attach_grad()
        with autograd.record():
            loss = mse(fast, x, y)
        grads = autograd.grad(loss, fast, create_graph=create_graph, retain_graph=create_graph)
        fast = [p - lr * g for p, g in zip(fast, grads)]
    return fast


def adam_step(params, grads, state, t, lr=3e-3):
    for i, (p, g) in enumerate(zip(params, grads)):
        m, v = state.setdefault(i, (nd.zeros_like(p), nd.zeros_like(p)))
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g**2
        state[i] = (m, v)
        p[:] = p - lr * (m / (1 - 0.9**t)) / (nd.sqrt(v / (1 - 0.999**t)) + 1e-8)


def train_maml(rng, iterations, meta_batch, inner_lr, k):
    params = init_params(rng)
    state = {}
    for t in progress(range(1, iterations + 1), desc="MAML"):
        grads = [nd.zeros_like(p) for p in params]
        for _ in range(meta_batch):
            draw = sample_task(rng)
            (xs, ys), (xq, yq) = draw(k), draw(k)
            with autograd.record():
                fast = adapt(params, xs, ys, 1, inner_lr, create_graph=True)
                meta_loss = mse(fast, xq, yq)
            task_grads = autograd.grad(meta_loss, params)
            grads = [a + b / meta_batch for a, b in zip(grads, task_grads)]
        adam_step(params, grads, state, t)
    return params


def train_pretrained(rng, iterations, meta_batch, k):
    params = init_params(rng)
    state = {}
    for t in progress(range(1, iterations + 1), desc="pretrain"):
        grads = [nd.zeros_like(p) for p in params]
        for _ in range(meta_batch):
            x, y = sample_task(rng)(2 * k)
            with autograd.record():
                loss = mse(params, x, y)
            task_grads = autograd.grad(loss, params)
            grads = [a + b / meta_batch for a, b in zip(grads, task_grads)]
        adam_step(params, grads, state, t)
    return params


def evaluate(params, rng, tasks, k, steps, lr):
    """Mean post-adaptation loss after 0..steps gradient steps, on held-out points."""
    losses = np.zeros(steps + 1)
    for _ in range(tasks):
        draw = sample_task(rng)
        (xs, ys), (xq, yq) = draw(k), draw(100)
        fast = list(params)
        for s in range(steps + 1):
            if s:
                fast = adapt(fast, xs, ys, 1, lr)
            losses[s] += mse(fast, xq, yq).asscalar() / tasks
    return losses


def main():
    args = parse_args(
        DESCRIPTION,
        iterations=(1200, "training iterations of each model (Adam, learning rate 3e-3)"),
        meta_batch=(5, "tasks per iteration"),
        k=(10, "examples per task (K), to adapt on and, for MAML, to evaluate on"),
        inner_lr=(0.01, "learning rate of the adaptation's gradient steps"),
        seed=(0, "random seed (initial weights, tasks)"),
    )
    mx.random.seed(args.seed)
    maml = train_maml(
        np.random.RandomState(args.seed), args.iterations, args.meta_batch, args.inner_lr, args.k
    )
    pretrained = train_pretrained(
        np.random.RandomState(args.seed), args.iterations, args.meta_batch, args.k
    )
    steps = 10
    maml_curve = evaluate(maml, np.random.RandomState(123), 50, args.k, steps, args.inner_lr)
    base_curve = evaluate(pretrained, np.random.RandomState(123), 50, args.k, steps, args.inner_lr)
    for s in (0, 1, 5, 10):
        print("after %2d steps: MAML %.3f, pretrained %.3f" % (s, maml_curve[s], base_curve[s]))

    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    left.plot(maml_curve, "o-", label="MAML")
    left.plot(base_curve, "s-", label="pretrained jointly")
    left.set_xlabel("gradient steps on the K=%d examples of a new task" % args.k)
    left.set_ylabel("mean squared error on 100 held-out points")
    left.set_title("post-adaptation loss, mean over 50 new tasks")
    left.set_xticks(range(steps + 1))
    left.legend()

    amplitude, phase = 3.5, 0.8  # a task of the family, drawn by hand
    xs = np.random.RandomState(7).uniform(-5, 5, (args.k, 1))
    ys = nd.array(amplitude * np.sin(xs - phase))
    line = np.linspace(-5, 5, 200).reshape(-1, 1)
    right.plot(line, amplitude * np.sin(line - phase), "k-", linewidth=3, alpha=0.3, label="task")
    right.plot(xs, ys.asnumpy(), "k^", label="its K=%d examples" % args.k)
    for params, name, style in ((maml, "MAML", "C0-"), (pretrained, "pretrained", "C1--")):
        fast = list(params)
        for _ in range(steps):
            fast = adapt(fast, nd.array(xs), ys, 1, args.inner_lr)
        predicted = forward(fast, nd.array(line)).asnumpy()
        right.plot(line, predicted, style, label="%s after %d steps" % (name, steps))
    right.set_xlabel("x")
    right.set_ylabel("y")
    right.set_title("a new task: y = %.1f sin(x - %.2f)" % (amplitude, phase))
    right.set_ylim(-1.2 * amplitude, 1.75 * amplitude)  # the legend above the curves
    right.legend(loc="upper center", ncol=2, fontsize="small")
    save_figure(fig, args.out, "maml_sinusoid.png")


if __name__ == "__main__":
    main()
