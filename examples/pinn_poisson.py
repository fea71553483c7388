"""A physics-informed network for the 1-D Poisson problem

    u''(x) = -pi^2 sin(pi x) on (0, 1),   u(0) = u(1) = 0,   exact u = sin(pi x).

The loss contains u'' (the second derivative of the network's output with
respect to its input), so each training step differentiates three times:
twice in x, once in the weights. Prints the L2, relative L2 and max errors
against the exact solution and saves a plot.
"""

import math
import numpy as np

import mxnet as mx
from mxnet import autograd, gluon, nd

from _common import parse_args, progress, save_figure

DESCRIPTION = (
    "Trains a physics-informed network on u''(x) = -pi^2 sin(pi x), u(0) = u(1) = 0 "
    "(its loss holds u'', so each step differentiates three times), prints its error "
    "against the exact solution sin(pi x), and writes pinn_poisson.png (both solutions, "
    "the pointwise error and the training loss) to --out."
)


def main():
    args = parse_args(
        DESCRIPTION,
        steps=(1500, "training steps (Adam, learning rate 3e-3)"),
        points=(64, "random collocation points in (0, 1) per step"),
        seed=(0, "random seed (initial weights, collocation points)"),
    )
    mx.random.seed(args.seed)
    np.random.seed(args.seed)
    net = gluon.nn.HybridSequential()
    net.add(
        gluon.nn.Dense(32, activation="tanh"),
        gluon.nn.Dense(32, activation="tanh"),
        gluon.nn.Dense(1),
    )
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 3e-3})
    boundary = nd.array([[0.0], [1.0]])
    history = []
    for _ in progress(range(args.steps), desc="PINN"):
        x = nd.array(np.random.uniform(0, 1, (args.points, 1)))
        x.attach_grad()
        with autograd.record():
            u = net(x)
            (du,) = autograd.grad(
                u, [x], head_grads=nd.ones_like(u), create_graph=True, retain_graph=True
            )
            (d2u,) = autograd.grad(
                du, [x], head_grads=nd.ones_like(du), create_graph=True, retain_graph=True
            )
            residual = d2u + math.pi**2 * nd.sin(math.pi * x)
            loss = (residual**2).mean() + 10 * (net(boundary) ** 2).mean()
        loss.backward()
        trainer.step(1)
        history.append(loss.asscalar())

    grid = np.linspace(0, 1, 201).reshape(-1, 1)
    predicted = net(nd.array(grid)).asnumpy()
    exact = np.sin(np.pi * grid)
    error = np.abs(predicted - exact).ravel()
    l2 = float(np.sqrt(np.mean(error**2)))
    relative = float(np.linalg.norm(error) / np.linalg.norm(exact))
    worst = float(error.max())
    print(
        "final loss %.3e; error against sin(pi x): L2 %.3e, relative L2 %.3e, max %.3e"
        % (history[-1], l2, relative, worst)
    )

    import matplotlib.pyplot as plt

    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.5))
    left.plot(grid, exact, label="exact: sin(pi x)", linewidth=4, alpha=0.4)
    left.plot(grid, predicted, "--", color="C3", label="network u(x)")
    left.set_xlabel("x")
    left.set_ylabel("u(x)")
    left.set_title("solution (relative L2 error %.1e)" % relative)
    left.legend(loc="lower center")
    middle.semilogy(grid, error, color="C3", label="|u(x) - sin(pi x)|")
    middle.axhline(l2, color="gray", linestyle="--", label="root mean square %.1e" % l2)
    middle.set_xlabel("x")
    middle.set_ylabel("absolute error")
    middle.set_title("pointwise error of the network")
    middle.legend()
    right.semilogy(np.arange(1, len(history) + 1), history, label="training loss")
    right.set_xlabel("training step (%d random points each)" % args.points)
    right.set_ylabel("mean r(x)^2 + 10 mean boundary u^2")
    right.set_title("training loss, residual r = u'' + pi^2 sin(pi x)")
    right.legend()
    save_figure(fig, args.out, "pinn_poisson.png")


if __name__ == "__main__":
    main()
