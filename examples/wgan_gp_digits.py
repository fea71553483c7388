"""WGAN-GP (Gulrajani et al., 2017) with a convolutional critic on the 8x8
handwritten digits that ship with scikit-learn.

The gradient penalty 10 * (|grad_x D(x_hat)| - 1)^2 on interpolates x_hat is a
function of a gradient, so the critic's update differentiates through the
critic's backward pass (Convolution, LeakyReLU, Dense). Prints the critic's
gradient norm on interpolates (it should settle near 1) and the Wasserstein
estimate; saves their curves and generated digits beside real ones.
"""

import numpy as np

import mxnet as mx
from mxnet import autograd, gluon, nd

from _common import digit_grid, parse_args, progress, save_figure

DESCRIPTION = (
    "Trains a WGAN-GP (a critic with a gradient penalty, which needs second-order "
    "gradients) on scikit-learn's 8x8 handwritten digits, prints the critic's "
    "gradient norm on interpolates and the Wasserstein estimate, and writes "
    "wgan_gp_digits.png (both curves, and generated digits beside real ones) to --out."
)


def load_digits():
    from sklearn.datasets import load_digits as sk_digits

    images = sk_digits().images.astype("float32") / 8.0 - 1.0  # to [-1, 1]
    return images.reshape(-1, 1, 8, 8)


def make_critic():
    nn = gluon.nn
    critic = nn.HybridSequential()
    critic.add(
        nn.Conv2D(32, 3, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2D(64, 4, strides=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Dense(1),
    )
    critic.initialize(mx.init.Normal(0.05))
    return critic


def make_generator(noise):
    nn = gluon.nn
    gen = nn.HybridSequential()
    gen.add(
        nn.Dense(128, activation="relu"),
        nn.Dense(128, activation="relu"),
        nn.Dense(64, activation="tanh"),
    )
    gen.initialize(mx.init.Xavier())
    return gen


def critic_loss(critic, real, fake, eps, penalty):
    """The critic's WGAN-GP loss on a batch (call it under autograd.record()):
    -(mean D(real) - mean D(fake)) + penalty * mean((|grad_x D(x_hat)| - 1)^2) on
    the interpolates x_hat = eps * real + (1 - eps) * fake. The penalty's gradient
    wrt x_hat is taken with create_graph=True, so loss.backward() differentiates
    through it. Returns (loss, per-sample gradient norms, Wasserstein estimate).
    """
    x_hat = (eps * real + (1 - eps) * fake).detach()
    x_hat.attach_grad()
    score = critic(x_hat)
    (grad,) = autograd.grad(
        score, [x_hat], head_grads=nd.ones_like(score), create_graph=True, retain_graph=True
    )
    norm = nd.sqrt((grad.reshape((len(grad), -1)) ** 2).sum(axis=1) + 1e-12)
    distance = critic(real).mean() - critic(fake).mean()
    return -distance + penalty * ((norm - 1) ** 2).mean(), norm, distance


def main():
    args = parse_args(
        DESCRIPTION,
        steps=(300, "generator steps (training iterations)"),
        critic_steps=(5, "critic steps before each generator step"),
        batch=(64, "images per batch, real and generated"),
        penalty=(10.0, "weight of the gradient penalty (|grad_x D| - 1)^2"),
        seed=(0, "random seed (initial weights, batches, noise)"),
    )
    mx.random.seed(args.seed)
    rng = np.random.RandomState(args.seed)
    data = load_digits()
    noise_dim = 16
    critic, gen = make_critic(), make_generator(noise_dim)
    adam = {"learning_rate": 2e-4, "beta1": 0.5, "beta2": 0.9}
    critic_opt = gluon.Trainer(critic.collect_params(), "adam", adam)
    gen_opt = gluon.Trainer(gen.collect_params(), "adam", adam)
    b = args.batch
    grad_norms, distances = [], []
    for _ in progress(range(args.steps), desc="WGAN-GP"):
        for _ in range(args.critic_steps):
            real = nd.array(data[rng.randint(0, len(data), b)])
            fake = gen(nd.random.normal(shape=(b, noise_dim))).reshape((b, 1, 8, 8))
            eps = nd.random.uniform(shape=(b, 1, 1, 1))
            with autograd.record():
                loss, norm, distance = critic_loss(critic, real, fake, eps, args.penalty)
            loss.backward()
            critic_opt.step(1)
        grad_norms.append(norm.mean().asscalar())
        distances.append(distance.asscalar())
        with autograd.record():
            fake = gen(nd.random.normal(shape=(b, noise_dim))).reshape((b, 1, 8, 8))
            gen_loss = -critic(fake).mean()
        gen_loss.backward()
        gen_opt.step(1)

    tail = max(1, len(grad_norms) // 10)
    print(
        "critic gradient norm on interpolates (mean of the last %d steps): %.3f"
        % (tail, float(np.mean(grad_norms[-tail:])))
    )
    print(
        "Wasserstein estimate (mean of the last %d steps): %.3f"
        % (tail, float(np.mean(distances[-tail:])))
    )

    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    samples = gen(nd.random.normal(shape=(36, noise_dim))).asnumpy().reshape(36, 8, 8)
    real = data[rng.choice(len(data), 36, replace=False)].reshape(36, 8, 8)
    fig, axes = plt.subplots(2, 2, figsize=(10, 8.5))
    steps = np.arange(1, len(grad_norms) + 1)
    x_label = "generator step (%d critic steps each)" % args.critic_steps
    ax = axes[0, 0]
    ax.plot(steps, grad_norms, label="critic |grad_x D(x_hat)|, batch mean")
    ax.axhline(1.0, color="gray", linestyle="--", label="target of the penalty: 1")
    ax.set_xlabel(x_label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("norm of dD/dx (score per pixel-intensity unit)")
    ax.set_title("critic gradient norm on interpolates x_hat")
    ax.legend()
    ax = axes[0, 1]
    ax.plot(steps, distances, color="C1", label="mean D(real) - mean D(fake)")
    ax.set_xlabel(x_label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("Wasserstein estimate (critic score units)")
    ax.set_title("Wasserstein estimate (lower: fakes nearer the data)")
    ax.legend()
    for ax, images, title in (
        (axes[1, 0], real, "real digits (scikit-learn, the training data)"),
        (axes[1, 1], samples, "generated digits, after %d generator steps" % args.steps),
    ):
        ax.imshow(digit_grid(images, 6), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title)
        ax.axis("off")
    save_figure(fig, args.out, "wgan_gp_digits.png")


if __name__ == "__main__":
    main()
