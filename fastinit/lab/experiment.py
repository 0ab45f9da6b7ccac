"""The source documents' experiment: what each initialization does to a deep MLP.

For every (init, activation) pair the same network is built, measured at
initialization (activation spread, gradient norms, distinct units per
layer), trained, measured again, and given a one-word verdict.

Verdicts, checked in this order, first match wins:

1. ``no-learning``: the hidden layers' weights never changed in training
   (every hidden-layer gradient was exactly zero) while their units were not
   saturated, so the zeros come from the weights themselves (W = 0 sends no
   signal back).
2. ``symmetric``: every hidden layer had one distinct unit at init and still
   has one after training: the net acts as one neuron per layer.
3. ``exploding``: the loss became non-finite, or at init the first-to-last
   layer gradient-norm ratio is above 1e3, or the activation std grows more
   than 1e3 times from the first to the last hidden layer.
4. ``saturated``: at init, more than half of the tanh/sigmoid hidden units are
   saturated (|a| > 0.99, or a < 0.01 or a > 0.99): the cause comes before
   its symptom, vanishing gradients.
5. ``vanishing``: at init, the gradient-norm ratio is below 1e-3, or the
   activation std shrinks more than 1e3 times from the first to the last
   hidden layer.
6. ``trains``: none of the above.
"""
import math
import time
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

import fastinit as _fi
from fastinit.lab import data as _data
from fastinit.nn import MLP

__all__ = ["INITS", "ACTIVATIONS", "Config", "RULES", "run_one", "run_all", "verdict"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")

# Thresholds of the verdict rules (see the module docstring).
GRAD_RATIO_LOW, GRAD_RATIO_HIGH = 1e-3, 1e3
STD_RATIO_LOW, STD_RATIO_HIGH = 1e-3, 1e3
SATURATED_SHARE = 0.5

RULES = (
    ("no-learning", "hidden weights never changed (every hidden gradient exactly 0) and the "
                    "units were not saturated: the zero weights send no signal back"),
    ("symmetric", "every hidden layer had 1 distinct unit at init and after training"),
    ("exploding", f"non-finite loss, or gradient ratio first/last > {GRAD_RATIO_HIGH:g}, or "
                  f"activation std grows > {STD_RATIO_HIGH:g}x from first to last hidden layer"),
    ("saturated", f"more than {SATURATED_SHARE:.0%} of tanh/sigmoid hidden units saturated at init "
                  "(|a| > 0.99; a < 0.01 or > 0.99)"),
    ("vanishing", f"gradient ratio first/last < {GRAD_RATIO_LOW:g}, or activation std shrinks "
                  f"> {1 / STD_RATIO_LOW:g}x from first to last hidden layer"),
    ("trains", "none of the above"),
)


def _const(value):
    def init(shape, *, dtype=None, seed=None):
        return _fi.constant(shape, value, dtype=dtype)
    return init


def _normal(std):
    def init(shape, *, dtype=None, seed=None):
        return _fi.normal(shape, 0.0, std, dtype=dtype, seed=seed)
    return init


def _uniform(low, high):
    def init(shape, *, dtype=None, seed=None):
        return _fi.uniform(shape, low, high, dtype=dtype, seed=seed)
    return init


@dataclass(frozen=True)
class Init:
    """One initialization of the experiment: weights and biases."""
    name: str
    weights: object
    biases: object
    about: str


# The source documents' four "what not to do" set weights and biases alike;
# the three schemes set biases to zero.
INITS = {
    "zeros": Init("zeros", _const(0.0), _const(0.0), "W = 0, b = 0"),
    "constant": Init("constant", _const(0.5), _const(0.5), "W = 0.5, b = 0.5"),
    "small": Init("small", _normal(0.01), _normal(0.01), "W, b ~ N(0, 0.01^2)"),
    "large": Init("large", _uniform(0.0, 1.0), _uniform(0.0, 1.0), "W, b ~ U[0, 1)"),
    "lecun": Init("lecun", _fi.lecun_normal, _const(0.0), "LeCun normal N(0, 1/fan_in), b = 0"),
    "xavier": Init("xavier", _fi.xavier_normal, _const(0.0),
                   "Xavier/Glorot normal N(0, 2/(fan_in+fan_out)), b = 0"),
    "he": Init("he", _fi.he_normal, _const(0.0), "He/Kaiming normal N(0, 2/fan_in), b = 0"),
}
ALIASES = {"zero": "zeros", "const": "constant", "small-random": "small", "large-random": "large",
           "glorot": "xavier", "kaiming": "he"}


@dataclass
class Config:
    data: str = "spirals"
    samples: int = 2000
    noise: float = 0.1
    depth: int = 8
    width: int = 64
    epochs: int = 100
    lr: Optional[float] = None  # None: default_lr(depth)
    momentum: float = 0.9
    batch_size: int = 32
    seed: int = 0
    dtype: str = "float32"
    inits: tuple = tuple(INITS)
    activations: tuple = ACTIVATIONS
    probe: int = 512  # samples used for the diagnostics at init


def default_lr(depth):
    """0.02 for up to 8 hidden layers, smaller in proportion beyond: with
    momentum 0.9, a 30-layer He/ReLU net at 0.02 stalls at chance while at
    0.0053 it reaches 99.8% on the spirals."""
    return 0.02 * min(1.0, 8.0 / max(depth, 1))


@dataclass
class Run:
    init: str
    activation: str
    at_init: list
    after: list
    history: dict
    hidden_changed: bool
    seconds: float
    histograms: list = field(default_factory=list)  # per hidden layer: (counts, edges)
    verdict: str = ""
    why: str = ""

    @property
    def hidden(self):
        return self.at_init[:-1]

    def grad_ratio(self):
        first, last = self.at_init[0]["grad_norm"], self.at_init[-1]["grad_norm"]
        if last == 0 or not math.isfinite(last):
            return 0.0 if first == 0 else math.inf
        return first / last

    def std_ratio(self):
        first, last = self.hidden[0]["act_std"], self.hidden[-1]["act_std"]
        if first == 0:
            return 1.0 if last == 0 else math.inf
        return last / first

    def saturated_share(self):
        return float(np.mean([d["saturated"] for d in self.hidden]))

    def summary(self):
        h = self.history
        return {
            "init": self.init,
            "activation": self.activation,
            "verdict": self.verdict,
            "why": self.why,
            "first_act_std": self.hidden[0]["act_std"],
            "last_act_std": self.hidden[-1]["act_std"],
            "grad_ratio": self.grad_ratio(),
            "distinct_units_init": [d["distinct_units"] for d in self.hidden],
            "distinct_units_after": [d["distinct_units"] for d in self.after[:-1]],
            "saturated_share": self.saturated_share(),
            "final_loss": h["loss"][-1] if h["loss"] else math.nan,
            "test_accuracy": h["val_accuracy"][-1] if h["val_accuracy"] else math.nan,
            "diverged": h["diverged"],
            "hidden_changed": self.hidden_changed,
            "seconds": self.seconds,
        }


def verdict(run):
    """(verdict, reason) of a run by the rules of this module, first match wins."""
    saturated = run.saturated_share()
    if not run.hidden_changed and saturated <= SATURATED_SHARE:
        return "no-learning", "hidden weights never changed"
    if all(d["distinct_units"] == 1 for d in run.hidden) and all(
            d["distinct_units"] == 1 for d in run.after[:-1]):
        return "symmetric", "1 distinct unit per hidden layer before and after training"
    g, s = run.grad_ratio(), run.std_ratio()
    if run.history["diverged"]:
        return "exploding", "the loss became non-finite"
    if g > GRAD_RATIO_HIGH:
        return "exploding", f"gradient ratio {g:.2g} > {GRAD_RATIO_HIGH:g}"
    if s > STD_RATIO_HIGH:
        return "exploding", f"activation std grows {s:.2g}x"
    if saturated > SATURATED_SHARE:
        return "saturated", f"{saturated:.0%} of hidden units saturated"
    if g < GRAD_RATIO_LOW:
        return "vanishing", f"gradient ratio {g:.2g} < {GRAD_RATIO_LOW:g}"
    if s < STD_RATIO_LOW:
        return "vanishing", f"activation std shrinks to {s:.2g}x"
    return "trains", "no failure mode"


def _histograms(net, bins=40):
    """Per hidden layer, a histogram of its activations in the last forward
    pass (the one diagnostics just made on the probe batch)."""
    out = []
    for layer, A in zip(net.layers[:-1], net.outputs[:-1]):
        a = A.astype(np.float64).ravel()
        a = a[np.isfinite(a)]
        if layer.activation == "tanh":
            rng = (-1.0, 1.0)
        elif layer.activation == "sigmoid":
            rng = (0.0, 1.0)
        else:
            hi = float(np.quantile(a, 0.99)) if a.size else 1.0
            rng = (0.0, hi if hi > 0 else 1.0)
        counts, edges = np.histogram(np.clip(a, *rng), bins=bins, range=rng)
        out.append((counts.tolist(), edges.tolist()))
    return out


def run_one(cfg, init_name, activation, split):
    """Build, measure, train and judge one (init, activation) network."""
    Xtr, ytr, Xte, yte = split
    init = INITS[init_name]
    n_classes = int(max(ytr.max(), yte.max())) + 1
    sizes = [Xtr.shape[1]] + [cfg.width] * cfg.depth + [n_classes]
    # every run draws from the same key, so inits differ only by their formula
    net = MLP(sizes, activation, init.weights, output="softmax", dtype=np.dtype(cfg.dtype),
              seed=_fi.Generator(cfg.seed), bias_init=init.biases)
    probe_X, probe_y = Xtr[: cfg.probe], ytr[: cfg.probe]
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        at_init = net.diagnostics(probe_X, probe_y)
        hists = _histograms(net)
    before = [(layer.W.copy(), layer.b.copy()) for layer in net.layers[:-1]]
    lr = default_lr(cfg.depth) if cfg.lr is None else cfg.lr
    history = net.fit(Xtr, ytr, epochs=cfg.epochs, lr=lr, batch_size=cfg.batch_size,
                      momentum=cfg.momentum, seed=cfg.seed, X_val=Xte, y_val=yte)
    changed = any(not (np.array_equal(W, layer.W, equal_nan=True)
                       and np.array_equal(b, layer.b, equal_nan=True))
                  for (W, b), layer in zip(before, net.layers[:-1]))
    with np.errstate(all="ignore"):
        after = net.diagnostics(probe_X, probe_y)
    run = Run(init_name, activation, at_init, after, history, changed,
              time.perf_counter() - t0, hists)
    run.verdict, run.why = verdict(run)
    return run


def run_all(cfg, progress=None, runs=None):
    """Every (init, activation) run of ``cfg``; ``progress(i, n, label)`` before
    each. Each run is appended to ``runs`` (a new list if None) as it ends, so
    a caller interrupted midway keeps the finished ones."""
    X, y = _data.make(cfg.data, cfg.samples, cfg.noise, cfg.seed, dtype=np.dtype(cfg.dtype))
    split = _data.split(X, y)
    pairs = [(i, a) for i in cfg.inits for a in cfg.activations]
    runs = [] if runs is None else runs
    for k, (i, a) in enumerate(pairs):
        if progress is not None:
            progress(k, len(pairs), f"{i} + {a}")
        runs.append(run_one(cfg, i, a, split))
    if progress is not None:
        progress(len(pairs), len(pairs), "done")
    return runs
