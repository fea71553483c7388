"""The second-order workloads the benchmarks time and benchmarks/op_count.py audits,
written once for MXNet (mxnet-ho) and once for PyTorch, the same model, shapes and
float32 on both sides.

Each `build_*(...)` returns `step(mark)`: one training step (or one derivative), which
calls `mark(name)` where a new pass begins ("forward", "gradient", "backward", ...),
so that an op counter can attribute what runs to its pass; a timer passes
`no_mark`. MXNet steps end synchronised (every result waited for).
"""

PINN = {"sizes": (2, 64, 64, 64, 1), "points": 1024, "nu": 0.1}
MAML = {"sizes": (1, 40, 40, 1), "tasks": 4, "shots": 10, "inner_lr": 0.01}
SMALL_LSTM = {"T": 16, "N": 16, "input": 32, "H": 64}


def no_mark(name):
    pass


def _mx_mlp(mx, sizes, act):
    net = mx.gluon.nn.HybridSequential()
    for n in sizes[1:-1]:
        net.add(mx.gluon.nn.Dense(n, activation=act))
    net.add(mx.gluon.nn.Dense(sizes[-1]))
    net.initialize(mx.init.Xavier())
    return net


def _mx_wait(mx, arrays):
    for a in arrays:
        a.wait_to_read()


def _torch_mlp(torch, sizes, act):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(n_in, n_out), act()]
    return torch.nn.Sequential(*layers[:-1])


# --------------------------------------------------------------------------- PINN
# A physics-informed MLP (tanh) on (t, x) points: the loss is the mean squared
# residual u_t - nu * u_xx (the second derivative w.r.t. the input, then its
# gradient w.r.t. the weights: a third-order graph), one Adam step.
def build_mx_pinn(hybridize=False):
    import mxnet as mx
    from mxnet import autograd, nd

    mx.random.seed(0)
    net = _mx_mlp(mx, PINN["sizes"], "tanh")
    if hybridize:
        net.hybridize()
    points = nd.random.uniform(shape=(PINN["points"], 2))
    net(points)
    trainer = mx.gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 1e-3})
    params = [p.data() for p in net.collect_params().values()]

    def step(mark):
        tx = points.copy()
        tx.attach_grad()
        mark("forward")
        with autograd.record():
            u = net(tx)
            mark("gradient")
            (du,) = autograd.grad(u, [tx], head_grads=nd.ones_like(u), create_graph=True)
            u_t, u_x = du[:, 0], du[:, 1]
            mark("second gradient")
            (du_x,) = autograd.grad(u_x, [tx], head_grads=nd.ones_like(u_x), create_graph=True)
            residual = u_t - PINN["nu"] * du_x[:, 1]
            loss = (residual * residual).mean()
        mark("backward")
        loss.backward()
        mark("update")
        trainer.step(1, ignore_stale_grad=True)  # the last bias has no path to the loss
        _mx_wait(mx, params)

    return step


def build_torch_pinn():
    import torch

    torch.manual_seed(0)
    net = _torch_mlp(torch, PINN["sizes"], torch.nn.Tanh)
    points = torch.rand(PINN["points"], 2)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step(mark):
        opt.zero_grad()
        tx = points.clone().requires_grad_(True)
        mark("forward")
        u = net(tx)
        mark("gradient")
        (du,) = torch.autograd.grad(u, tx, torch.ones_like(u), create_graph=True)
        u_t, u_x = du[:, 0], du[:, 1]
        mark("second gradient")
        (du_x,) = torch.autograd.grad(u_x, tx, torch.ones_like(u_x), create_graph=True)
        residual = u_t - PINN["nu"] * du_x[:, 1]
        loss = (residual * residual).mean()
        mark("backward")
        loss.backward()
        mark("update")
        opt.step()

    return step


# --------------------------------------------------------------------------- MAML
# Sinusoid regression, an MLP (relu) on raw weight arrays: per task one inner SGD
# step taken with create_graph, the query loss at the adapted weights, and the
# meta-gradient through the inner step; one SGD meta-update.
def _sinusoid_tasks(rng, shots, tasks):
    import numpy

    data = []
    for _ in range(tasks):
        amplitude, phase = rng.uniform(0.1, 5.0), rng.uniform(0, numpy.pi)
        xs = rng.uniform(-5, 5, size=(2, shots, 1)).astype("float32")
        data.append((xs, (amplitude * numpy.sin(xs + phase)).astype("float32")))
    return data


def _init_weights(rng, sizes):
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights.append((rng.standard_normal((n_out, n_in)) * (2.0 / n_in) ** 0.5).astype("float32"))
        weights.append(rng.standard_normal(n_out).astype("float32") * 0.0)
    return weights


def build_mx_maml():
    import numpy
    from mxnet import autograd, nd

    rng = numpy.random.RandomState(0)
    weights = [nd.array(w) for w in _init_weights(rng, MAML["sizes"])]
    for w in weights:
        w.attach_grad()
    tasks = [
        tuple(nd.array(a) for a in (xs[0], ys[0], xs[1], ys[1]))
        for xs, ys in _sinusoid_tasks(rng, MAML["shots"], MAML["tasks"])
    ]

    def forward(ws, x):
        for i in range(0, len(ws), 2):
            x = nd.FullyConnected(x, ws[i], ws[i + 1], num_hidden=ws[i].shape[0])
            if i + 2 < len(ws):
                x = nd.relu(x)
        return x

    def step(mark):
        mark("forward")
        with autograd.record():
            meta_loss = 0
            for x_s, y_s, x_q, y_q in tasks:
                inner = ((forward(weights, x_s) - y_s) ** 2).mean()
                mark("gradient")
                grads = autograd.grad(inner, weights, create_graph=True)
                mark("forward")
                fast = [w - MAML["inner_lr"] * g for w, g in zip(weights, grads)]
                meta_loss = meta_loss + ((forward(fast, x_q) - y_q) ** 2).mean()
        mark("backward")
        meta_loss.backward()
        mark("update")
        for w in weights:
            w[:] = w - 1e-3 * w.grad
        for w in weights:
            w.wait_to_read()

    return step


def build_torch_maml():
    import numpy
    import torch

    rng = numpy.random.RandomState(0)
    weights = [torch.tensor(w, requires_grad=True) for w in _init_weights(rng, MAML["sizes"])]
    tasks = [
        tuple(torch.tensor(a) for a in (xs[0], ys[0], xs[1], ys[1]))
        for xs, ys in _sinusoid_tasks(rng, MAML["shots"], MAML["tasks"])
    ]

    def forward(ws, x):
        for i in range(0, len(ws), 2):
            x = torch.nn.functional.linear(x, ws[i], ws[i + 1])
            if i + 2 < len(ws):
                x = torch.relu(x)
        return x

    def step(mark):
        mark("forward")
        meta_loss = 0
        for x_s, y_s, x_q, y_q in tasks:
            inner = ((forward(weights, x_s) - y_s) ** 2).mean()
            mark("gradient")
            grads = torch.autograd.grad(inner, weights, create_graph=True)
            mark("forward")
            fast = [w - MAML["inner_lr"] * g for w, g in zip(weights, grads)]
            meta_loss = meta_loss + ((forward(fast, x_q) - y_q) ** 2).mean()
        mark("backward")
        meta_loss.backward()
        mark("update")
        with torch.no_grad():
            for w in weights:
                w -= 1e-3 * w.grad
                w.grad = None

    return step


# --------------------------------------------------------------------------- LSTM
# The gradient penalty through a fused 1-layer LSTM (TNC): d/dweights of
# mean(y) + sum((d sum(y) / dx)^2); MXNet's layer hybridized.
def build_mx_lstm_gp():
    import mxnet as mx
    from mxnet import autograd, nd

    mx.random.seed(0)
    c = SMALL_LSTM
    layer = mx.gluon.rnn.LSTM(c["H"], input_size=c["input"])
    layer.initialize(mx.init.Xavier())
    layer.hybridize()
    x = nd.random.normal(shape=(c["T"], c["N"], c["input"]))
    params = list(layer.collect_params().values())

    def step(mark):
        xx = x.copy()
        xx.attach_grad()
        mark("forward")
        with autograd.record():
            y = layer(xx)
            mark("gradient")
            (g,) = autograd.grad(y, [xx], head_grads=nd.ones_like(y), create_graph=True)
            loss = y.mean() + (g * g).sum()
        mark("backward")
        loss.backward()
        _mx_wait(mx, [p.grad() for p in params])

    return step


def build_torch_lstm_gp():
    import torch

    torch.manual_seed(0)
    c = SMALL_LSTM
    layer = torch.nn.LSTM(c["input"], c["H"])
    x = torch.randn(c["T"], c["N"], c["input"])

    def step(mark):
        layer.zero_grad()
        xx = x.clone().requires_grad_(True)
        mark("forward")
        y = layer(xx)[0]
        mark("gradient")
        (g,) = torch.autograd.grad(y.sum(), xx, create_graph=True)
        loss = y.mean() + (g * g).sum()
        mark("backward")
        loss.backward()

    return step


# --------------------------------------------------------------------------- d^k f
# The k-th derivative of an elementwise function at 16 points, by nested gradients.
def build_mx_kth(function, k):
    from mxnet import autograd, nd

    x = nd.linspace(-1, 1, 16)
    fn = getattr(nd, function)

    def step(mark):
        xx = x.copy()
        xx.attach_grad()
        mark("forward")
        with autograd.record():
            y = fn(xx)
            for order in range(1, k + 1):
                mark("order %d" % order)
                (y,) = autograd.grad(
                    y, [xx], head_grads=nd.ones_like(y), create_graph=order < k, retain_graph=True
                )
        y.wait_to_read()

    return step


def build_torch_kth(function, k):
    import torch

    x = torch.linspace(-1, 1, 16)
    fn = getattr(torch, function)

    def step(mark):
        xx = x.clone().requires_grad_(True)
        mark("forward")
        y = fn(xx)
        for order in range(1, k + 1):
            mark("order %d" % order)
            (y,) = torch.autograd.grad(y, xx, torch.ones_like(y), create_graph=order < k)

    return step


# --------------------------------------------------------------------------- first order
def _mx_cnn(mx):
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    net.add(
        nn.Conv2D(16, 3, padding=1, activation="relu"),
        nn.MaxPool2D(2),
        nn.Conv2D(32, 3, padding=1, activation="relu"),
        nn.MaxPool2D(2),
        nn.Dense(10),
    )
    net.initialize(mx.init.Xavier())
    return net


def build_mx_first_order(model):
    """A hybridized first-order SGD step (MLP 784-256-256-10 relu, or a small CNN)."""
    import mxnet as mx
    from mxnet import autograd, nd

    mx.random.seed(0)
    if model == "mlp":
        net, x = _mx_mlp(mx, [784, 256, 256, 10], "relu"), nd.random.normal(shape=(64, 784))
    else:
        net, x = _mx_cnn(mx), nd.random.normal(shape=(64, 1, 28, 28))
    net.hybridize()
    y = nd.array(mx.nd.random.randint(0, 10, shape=(64,)).asnumpy())
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01})

    def step(mark):
        mark("forward")
        with autograd.record():
            loss = loss_fn(net(x), y)
        mark("backward")
        loss.backward()
        mark("update")
        trainer.step(64)
        _mx_wait(mx, [p.data() for p in net.collect_params().values()])

    return step


# --------------------------------------------------------------------------- HVP
# The Hessian-vector product of a softmax cross-entropy loss of an MLP
# 784-256-256-10 (tanh, batch 64) with respect to its weights.
HVP_SIZES = (784, 256, 256, 10)


def build_mx_hvp(kind):
    """kind: "grad" (the gradient alone), "hvp" (mxnet_ho.functional.hvp),
    "compiled_hvp" (mxnet_ho.compiled.Loss.hvp: one cached graph)."""
    import mxnet as mx
    from mxnet import autograd, nd
    from mxnet_ho import compiled, functional

    mx.random.seed(0)
    net = _mx_mlp(mx, HVP_SIZES, "tanh")
    x, y = nd.random.normal(shape=(64, 784)), nd.array(list(range(10)) * 6 + [0] * 4)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    net(x)  # finishes the deferred initialization of the parameters
    params = [p.data() for p in net.collect_params().values()]
    vs = [nd.random.normal(shape=p.shape) for p in params]

    def grad_only(mark):
        mark("forward")
        with autograd.record():
            loss = loss_fn(net(x), y).mean()
        mark("gradient")
        grads = autograd.grad(loss, params)
        _mx_wait(mx, grads)

    def hvp(mark):
        # the package's own HVP (its inner product <grad, v> is a dot of flattened
        # arrays: MXNet's full-array sum is single-threaded)
        mark("hvp")
        _, hv = functional.hvp(lambda *ps: loss_fn(net(x), y).mean(), tuple(params), tuple(vs))
        _mx_wait(mx, hv)

    def compiled_hvp(mark):
        mark("hvp")
        hv = compiled_loss.hvp(x, y, vs, train_mode=True)
        _mx_wait(mx, hv)

    if kind == "compiled_hvp":
        compiled_loss = compiled.Loss(net, loss_fn)
        return compiled_hvp
    return grad_only if kind == "grad" else hvp


def build_torch_hvp(kind):
    import torch

    torch.manual_seed(0)
    net = _torch_mlp(torch, HVP_SIZES, torch.nn.Tanh)
    x, y = torch.randn(64, 784), torch.tensor(list(range(10)) * 6 + [0] * 4)
    params = list(net.parameters())
    vs = [torch.randn_like(p) for p in params]
    loss_fn = torch.nn.CrossEntropyLoss()

    def grad_only(mark):
        mark("forward")
        loss = loss_fn(net(x), y)
        mark("gradient")
        torch.autograd.grad(loss, params)

    def hvp(mark):
        mark("forward")
        loss = loss_fn(net(x), y)
        mark("gradient")
        grads = torch.autograd.grad(loss, params, create_graph=True)
        inner = sum((g * v).sum() for g, v in zip(grads, vs))
        mark("hvp")
        torch.autograd.grad(inner, params)

    return grad_only if kind == "grad" else hvp


# --------------------------------------------------------------------------- WGAN-GP
# The critic step of a WGAN-GP (DCGAN-style critic on 1x32x32, batch 64, Adam):
# plain (Wasserstein loss only) or penalized (plus 10 * (|d critic / d input| - 1)^2
# at random interpolates of real and fake).
def _mx_critic(mx):
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    for channels in (32, 64, 128):
        net.add(nn.Conv2D(channels, 4, strides=2, padding=1), nn.LeakyReLU(0.2))
    net.add(nn.Dense(1))
    net.initialize(mx.init.Normal(0.02))
    return net


def wgan_gp_symbol(mx, critic, batch):
    """[critic loss, d loss / d each parameter] of the penalized critic step, as
    one Symbol (inputs eps, real, fake and the critic's parameters)."""
    from mxnet_ho import symbol

    eps, real, fake = mx.sym.var("eps"), mx.sym.var("real"), mx.sym.var("fake")
    inter = mx.sym.var("inter")
    (g,) = symbol.grad(mx.sym.sum(critic(inter)), [inter])
    norm = mx.sym.sqrt(mx.sym.sum(mx.sym.square(mx.sym.reshape(g, (batch, -1))), axis=1) + 1e-12)
    loss = (
        mx.sym.mean(critic(fake))
        - mx.sym.mean(critic(real))
        + 10 * mx.sym.mean(mx.sym.square(norm - 1))
    )
    names = [p.name for p in critic.collect_params().values()]
    step = mx.sym.Group([loss] + symbol.grad(loss, names))
    # the penalty's input is the interpolation of real and fake by eps (composing
    # copies the graph: real and fake are named too, so each stays one input)
    mixed = mx.sym.broadcast_add(
        mx.sym.broadcast_mul(eps, real), mx.sym.broadcast_mul(1 - eps, fake)
    )
    return step(inter=mixed, real=real, fake=fake)


def build_mx_wgan(kind, hybridize=False):
    """kind: "plain", "gp" (penalized, op by op) or "gp_compiled" (one cached graph)."""
    import mxnet as mx
    from mxnet import autograd, nd

    mx.random.seed(0)
    critic = _mx_critic(mx)
    if hybridize:
        critic.hybridize()
    real = nd.random.normal(shape=(64, 1, 32, 32))
    fake = nd.random.normal(shape=(64, 1, 32, 32))
    critic(real)
    trainer = mx.gluon.Trainer(critic.collect_params(), "adam", {"learning_rate": 1e-4})
    params = list(critic.collect_params().values())

    def plain(mark):
        mark("forward")
        with autograd.record():
            loss = critic(fake).mean() - critic(real).mean()
        mark("backward")
        loss.backward()
        mark("update")
        trainer.step(1)
        _mx_wait(mx, [p.data() for p in params])

    def penalized(mark):
        mark("forward")
        eps = nd.random.uniform(shape=(64, 1, 1, 1))
        inter = nd.broadcast_add(nd.broadcast_mul(eps, real), nd.broadcast_mul(1 - eps, fake))
        inter.attach_grad()
        with autograd.record():
            score = critic(inter)
            mark("gradient")
            (g,) = autograd.grad(
                score, [inter], head_grads=nd.ones_like(score), create_graph=True, retain_graph=True
            )
            mark("forward")
            norm = nd.sqrt(nd.sum(g.reshape((64, -1)) ** 2, axis=1) + 1e-12)
            penalty = ((norm - 1) ** 2).mean()
            loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
        mark("backward")
        loss.backward()
        mark("update")
        trainer.step(1)
        _mx_wait(mx, [p.data() for p in params])

    def compiled_step(mark):
        # the whole penalized step (three critic passes, the input gradient, the
        # penalty and its parameter gradients) as one cached graph
        mark("step graph")
        eps = nd.random.uniform(shape=(64, 1, 1, 1))
        outputs = step_graph(eps=eps, real=real, fake=fake, train_mode=True)
        for p, g in zip(params, outputs[1:]):
            p.grad()[:] = g
            p.data()._fresh_grad = True  # as backward() marks what it wrote
        mark("update")
        trainer.step(1)
        _mx_wait(mx, [p.data() for p in params])

    if kind == "gp_compiled":
        from mxnet_ho import compiled

        step_graph = compiled.Graph(wgan_gp_symbol(mx, critic, 64), critic)
        return compiled_step
    return penalized if kind == "gp" else plain


def build_torch_wgan(kind):
    """kind: "plain", "gp" or "gp_compiled" (the critic under torch.compile)."""
    import torch

    torch.manual_seed(0)
    layers = []
    for c_in, c_out in ((1, 32), (32, 64), (64, 128)):
        layers += [torch.nn.Conv2d(c_in, c_out, 4, 2, 1), torch.nn.LeakyReLU(0.2)]
    critic = torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.Linear(128 * 4 * 4, 1))
    if kind == "gp_compiled":
        critic = torch.compile(critic)  # double backward through it: reported as measured
    real, fake = torch.randn(64, 1, 32, 32), torch.randn(64, 1, 32, 32)
    opt = torch.optim.Adam(critic.parameters(), lr=1e-4)

    def plain(mark):
        opt.zero_grad()
        mark("forward")
        loss = critic(fake).mean() - critic(real).mean()
        mark("backward")
        loss.backward()
        mark("update")
        opt.step()

    def penalized(mark):
        opt.zero_grad()
        mark("forward")
        eps = torch.rand(64, 1, 1, 1)
        inter = (eps * real + (1 - eps) * fake).requires_grad_(True)
        score = critic(inter)
        mark("gradient")
        (g,) = torch.autograd.grad(score.sum(), inter, create_graph=True)
        mark("forward")
        penalty = ((g.reshape(64, -1).pow(2).sum(1) + 1e-12).sqrt() - 1).pow(2).mean()
        loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
        mark("backward")
        loss.backward()
        mark("update")
        opt.step()

    return plain if kind == "plain" else penalized


# --------------------------------------------------------------------------- 2-layer LSTM
LSTM = {"T": 35, "N": 32, "H": 200, "layers": 2}


def build_mx_lstm2_gp(kind):
    """d/dweights of mean(y) + sum((dy.sum()/dx)^2) through a 2-layer LSTM, TNC:
    kind "fused" (the fused layer) or "unrolled" (the same layer as cells)."""
    import mxnet as mx
    from mxnet import autograd, nd

    mx.random.seed(0)
    layer = mx.gluon.rnn.LSTM(LSTM["H"], num_layers=LSTM["layers"], input_size=LSTM["H"])
    layer.initialize(mx.init.Xavier())
    x = nd.random.normal(shape=(LSTM["T"], LSTM["N"], LSTM["H"]))
    if kind == "unrolled":
        cells = layer._unfuse()
        run = lambda v: cells.unroll(LSTM["T"], v, layout="TNC", merge_outputs=True)[0]  # noqa: E731
    else:
        run = layer
    params = list(layer.collect_params().values())

    def step(mark):
        xx = x.copy()
        xx.attach_grad()
        mark("forward")
        with autograd.record():
            y = run(xx)
            mark("gradient")
            (g,) = autograd.grad(y.sum(), [xx], create_graph=True, retain_graph=True)
            loss = y.mean() + (g * g).sum()
        mark("backward")
        loss.backward()
        _mx_wait(mx, [p.grad() for p in params])

    return step


def build_torch_lstm2_gp():
    import torch

    torch.manual_seed(0)
    layer = torch.nn.LSTM(LSTM["H"], LSTM["H"], num_layers=LSTM["layers"])
    x = torch.randn(LSTM["T"], LSTM["N"], LSTM["H"])

    def step(mark):
        layer.zero_grad()
        xx = x.clone().requires_grad_(True)
        mark("forward")
        y = layer(xx)[0]
        mark("gradient")
        (g,) = torch.autograd.grad(y.sum(), xx, create_graph=True)
        mark("backward")
        (y.mean() + (g * g).sum()).backward()

    return step
