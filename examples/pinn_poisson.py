"""A physics-informed network for the 1-D Poisson problem

    u''(x) = -pi^2 sin(pi x) on (0, 1),   u(0) = u(1) = 0,   exact u = sin(pi x).

The loss contains u'' (the second derivative of the network's output with
respect to its input), so each training step differentiates three times:
twice in x, once in the weights. Prints the L2 and max errors against the
exact solution and saves a plot.
"""

import math
import numpy as np

import mxnet as mx
from mxnet import autograd, gluon, nd

from _common import parse_args, progress, save_figure


def main():
    args = parse_args(__doc__.splitlines()[0], steps=1500, points=64, seed=0)
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
    l2 = float(np.sqrt(np.mean((predicted - exact) ** 2)))
    worst = float(np.abs(predicted - exact).max())
    print("final loss %.3e; error against sin(pi x): L2 %.3e, max %.3e" % (history[-1], l2, worst))

    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(grid, exact, label="exact sin(pi x)", linewidth=3, alpha=0.5)
    left.plot(grid, predicted, "--", label="network")
    left.set_title("u(x), L2 error %.1e" % l2)
    left.legend()
    right.semilogy(history)
    right.set_title("training loss (residual of u'' + boundary)")
    right.set_xlabel("step")
    save_figure(fig, args.out, "pinn_poisson.png")


if __name__ == "__main__":
    main()
