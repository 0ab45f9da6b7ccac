"""The source documents' experiment: what each initialization does to a deep MLP.

For every depth x init x activation the same network is built, measured at
initialization (activation spread, gradient norms, distinct units per
layer), trained, measured again, and judged twice.

The **diagnosis** reads the network at init; its rules are checked in this
order, first match wins:

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
6. ``healthy``: none of the above.

The **outcome** reads the test accuracy after training, as progress from
chance (the majority class's share of the test set) to 1:
``diverged`` (the loss became non-finite), ``learned`` (90% of the way or
more), ``partial`` (20% to 90%), ``stalled`` (under 20%: near chance).
**Epochs to target** is the first epoch whose test accuracy is 90% of the
way (He et al. 2015, Figure 3: a deep net with the wrong scaling starts
slowly or stalls).
"""
import decimal as _decimal
import math
import time
from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

import fastinit as _fi
from fastinit.lab import data as _data
from fastinit.nn import MLP

__all__ = ["INITS", "DEFAULT_INITS", "ACTIVATIONS", "Config", "RULES", "OUTCOMES", "run_one",
           "run_all", "diagnosis", "outcome", "sigmoid_note"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")

# Thresholds of the diagnosis rules (see the module docstring).
GRAD_RATIO_LOW, GRAD_RATIO_HIGH = 1e-3, 1e3
STD_RATIO_LOW, STD_RATIO_HIGH = 1e-3, 1e3
SATURATED_SHARE = 0.5
# Thresholds of the outcome: progress from chance to 1 in test accuracy.
TARGET, PARTIAL = 0.9, 0.2

RULES = (
    ("no-learning", "hidden weights never changed (every hidden gradient exactly 0) and the "
                    "units were not saturated: the zero weights send no signal back"),
    ("symmetric", "every hidden layer had 1 distinct unit at init and after training"),
    ("exploding", f"gradient ratio first/last > {GRAD_RATIO_HIGH:g}, or activation std grows "
                  f"> {STD_RATIO_HIGH:g}x from first to last hidden layer"),
    ("saturated", f"more than {SATURATED_SHARE:.0%} of tanh/sigmoid hidden units saturated at init "
                  "(|a| > 0.99; a < 0.01 or > 0.99)"),
    ("vanishing", f"gradient ratio first/last < {GRAD_RATIO_LOW:g}, or activation std shrinks "
                  f"> {1 / STD_RATIO_LOW:g}x from first to last hidden layer"),
    ("healthy", "none of the above"),
)
OUTCOMES = (
    ("diverged", "the loss became non-finite"),
    ("learned", f"test accuracy reached {TARGET:.0%} of the way from chance to 1"),
    ("partial", f"test accuracy got {PARTIAL:.0%} to {TARGET:.0%} of the way from chance to 1"),
    ("stalled", f"test accuracy stayed under {PARTIAL:.0%} of the way from chance to 1 (near chance)"),
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


def _scaled(scale, distribution):
    def init(shape, *, dtype=None, seed=None):
        return _fi.variance_scaling(shape, scale, "fan_in", distribution, dtype=dtype, seed=seed)
    return init


@dataclass(frozen=True)
class Init:
    """One initialization of the experiment: weights and biases."""
    name: str
    weights: object
    biases: object
    about: str
    source: str = ""     # where the formula comes from


# The source documents' four "what not to do" set weights and biases alike;
# the schemes set biases to zero.
INITS = {
    "zeros": Init("zeros", _const(0.0), _const(0.0), "W = 0, b = 0", "both documents"),
    "constant": Init("constant", _const(0.5), _const(0.5), "W = 0.5, b = 0.5", "both documents"),
    "small": Init("small", _normal(0.01), _normal(0.01), "W, b ~ N(0, 0.01^2)", "both documents"),
    "large": Init("large", _uniform(0.0, 1.0), _uniform(0.0, 1.0), "W, b ~ U[0, 1)", "both documents"),
    "heuristic": Init("heuristic", _scaled(1 / 3, "uniform"), _const(0.0),
                      "U[-1/sqrt(fan_in), 1/sqrt(fan_in)], b = 0",
                      "001 'Xavier'; Glorot & Bengio's 'commonly used heuristic'"),
    "lecun": Init("lecun", _fi.lecun_normal, _const(0.0), "LeCun normal N(0, 1/fan_in), b = 0",
                  "000 'Xavier normal' (every framework's LeCun)"),
    "xavier": Init("xavier", _fi.xavier_normal, _const(0.0),
                   "Xavier/Glorot normal N(0, 2/(fan_in+fan_out)), b = 0", "the frameworks"),
    "xavier-uniform": Init("xavier-uniform", _fi.xavier_uniform, _const(0.0),
                           "Xavier/Glorot uniform U(+-sqrt(6/(fan_in+fan_out))), b = 0",
                           "001 'Xavier uniform'"),
    "sigmoid4": Init("sigmoid4", _scaled(4.0, "normal"), _const(0.0), "N(0, 4/fan_in), b = 0",
                     "000 eq. 3713c, 'for sigmoid'"),
    "he": Init("he", _fi.he_normal, _const(0.0), "He/Kaiming normal N(0, 2/fan_in), b = 0",
               "000 and 001 'He normal'"),
    "he-uniform": Init("he-uniform", _fi.he_uniform, _const(0.0),
                       "He/Kaiming uniform U(+-sqrt(6/fan_in)), b = 0", "001 'He uniform'"),
}
DEFAULT_INITS = ("zeros", "constant", "small", "large", "heuristic", "lecun", "xavier", "sigmoid4",
                 "he")
ALIASES = {"zero": "zeros", "const": "constant", "small-random": "small", "large-random": "large",
           "glorot": "xavier", "kaiming": "he", "glorot-uniform": "xavier-uniform",
           "kaiming-uniform": "he-uniform", "xavier_uniform": "xavier-uniform",
           "he_uniform": "he-uniform"}


@dataclass
class Config:
    data: str = "spirals"
    samples: int = 2000
    noise: float = 0.1
    depths: tuple = (3, 8)
    width: int = 64
    epochs: int = 100
    lr: Optional[float] = None  # None: default_lr(depth)
    momentum: float = 0.9
    # The global gradient norm is clipped at this value before each step, for
    # every init alike (None: no clip). Deep plain ReLU nets can take a first
    # step large enough to blow up: without it He+ReLU at depth 30 diverged in
    # 3 of 5 seeds on blobs (first batch gradient norm 61; weights grew to 1e5
    # within one epoch); with it, 5 of 5 learned. Below the clip nothing changes.
    clip: Optional[float] = 5.0
    batch_size: int = 32
    seed: int = 0
    seeds: tuple = ()   # several seeds: every cell on each (empty: seed alone)
    dtype: str = "float32"
    inits: tuple = DEFAULT_INITS
    activations: tuple = ACTIVATIONS
    probe: int = 512  # samples used for the diagnostics at init


def default_lr(depth):
    """0.02 for up to 8 hidden layers, smaller in proportion beyond: with
    momentum 0.9, a 30-layer He/ReLU net at 0.02 stalls at chance."""
    return 0.02 * min(1.0, 8.0 / max(depth, 1))


@dataclass
class Run:
    init: str
    activation: str
    depth: int
    chance: float
    at_init: list
    after: list
    history: dict
    hidden_changed: bool
    seconds: float
    histograms: list = field(default_factory=list)  # per hidden layer, see _histograms
    seed: int = 0
    diagnosis: str = ""
    outcome: str = ""
    epochs_to_target: Optional[int] = None
    why: str = ""

    @property
    def hidden(self):
        return self.at_init[:-1]

    @property
    def test_accuracy(self):
        acc = self.history.get("val_accuracy") or []
        return acc[-1] if acc else math.nan

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
            "depth": self.depth,
            "seed": self.seed,
            "diagnosis": self.diagnosis,
            "verdict": self.diagnosis,   # the 0.1 name, kept for one release
            "outcome": self.outcome,
            "epochs_to_target": self.epochs_to_target,
            "test_accuracy": self.test_accuracy,
            "chance": self.chance,
            "why": self.why,
            "first_act_std": self.hidden[0]["act_std"],
            "last_act_std": self.hidden[-1]["act_std"],
            "grad_ratio": self.grad_ratio(),
            "distinct_units_init": [d["distinct_units"] for d in self.hidden],
            "distinct_units_after": [d["distinct_units"] for d in self.after[:-1]],
            "saturated_share": self.saturated_share(),
            "final_loss": h["loss"][-1] if h["loss"] else math.nan,
            "diverged": h["diverged"],
            "hidden_changed": self.hidden_changed,
            "seconds": self.seconds,
        }


def diagnosis(run):
    """(diagnosis, the rule's figure) of a run at init, first match wins. It
    reads the network at init only (and, for no-learning and symmetric,
    whether training moved or split the hidden units); a loss that turned
    non-finite in training is the outcome ``diverged``, not a diagnosis."""
    saturated = run.saturated_share()
    if not run.hidden_changed and saturated <= SATURATED_SHARE:
        return "no-learning", "hidden weights never changed"
    if all(d["distinct_units"] == 1 for d in run.hidden) and all(
            d["distinct_units"] == 1 for d in run.after[:-1]):
        return "symmetric", "1 distinct unit per hidden layer before and after training"
    g, s = run.grad_ratio(), run.std_ratio()
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
    return "healthy", f"gradient ratio {g:.2g}, std ratio {s:.2g}"


def progress(acc, chance):
    """How far an accuracy is from chance (0) to perfect (1)."""
    return (acc - chance) / (1 - chance) if chance < 1 else 1.0


def outcome(run):
    """(outcome, figure, epochs to target) of a run after training."""
    accs = run.history.get("val_accuracy") or []
    target = next((k + 1 for k, a in enumerate(accs) if progress(a, run.chance) >= TARGET), None)
    acc = run.test_accuracy
    figure = f"test acc {acc:.3f}, chance {run.chance:.2f}"
    if run.history["diverged"] or not math.isfinite(acc):
        return "diverged", "non-finite loss", target
    p = progress(acc, run.chance)
    if p >= TARGET:
        return "learned", figure, target
    if p >= PARTIAL:
        return "partial", figure, target
    return "stalled", figure, target


def story(run, diag_why, out_why):
    """The why column: the diagnosis's figure and the outcome's, and in words
    when the two judgments disagree."""
    if run.diagnosis != "healthy" and run.outcome == "learned":
        return (f"{run.diagnosis} at init ({diag_why}), learned anyway after "
                f"{run.epochs_to_target} epochs")
    if run.diagnosis == "healthy" and run.outcome != "learned":
        return f"healthy at init ({diag_why}), but {run.outcome}: {out_why}"
    if run.outcome == "diverged" and run.diagnosis != "exploding":
        return f"{run.diagnosis} at init ({diag_why}), but diverged in training: {out_why}"
    return f"{diag_why}; {out_why}"


# ReLU activations are binned in fixed log-spaced bins (4 per decade, from
# 1e-12 to 1e12; values beyond go to the end bins), the same for every run,
# so the figure can put the runs of one column on one scale.
# 10^(k/4), computed by Python's decimal (the same software on every machine)
# and rounded once: NumPy's logspace goes through a power whose last bit
# depends on the CPU.
RELU_EDGES = np.array([float(_decimal.Decimal(10) ** (_decimal.Decimal(k) / 4))
                       for k in range(-48, 49)])
_RELU_INSIDE = (RELU_EDGES[0] * 1.000001, RELU_EDGES[-1] / 1.000001)   # beyond: the end bins
BINS = 40   # tanh and sigmoid: equal bins over the activation's range


def _histograms(net):
    """Per hidden layer, the activations of the diagnostics' forward pass as
    counts and edges. tanh and sigmoid: ``BINS`` equal bins over their whole
    range. ReLU: the share of exact zeros apart (``zero_fraction``), and the
    positive values in the fixed log-spaced bins of ``RELU_EDGES``, so a net
    whose activations grow or shrink by decades from layer to layer still
    shows every layer. ``total`` counts every finite value (zeros included)."""
    out = []
    for layer, A in zip(net.layers[:-1], net.outputs[:-1]):
        a = A.astype(np.float64).ravel()
        a = a[np.isfinite(a)]
        h = {"zero_fraction": None, "log_bins": False, "total": int(a.size),
             "max": float(np.abs(a).max()) if a.size else 0.0}
        if layer.activation in ("tanh", "sigmoid"):
            rng = (-1.0, 1.0) if layer.activation == "tanh" else (0.0, 1.0)
            counts, edges = np.histogram(a, bins=BINS, range=rng)
        else:
            h["zero_fraction"] = float(np.mean(a == 0)) if a.size else 1.0
            edges = RELU_EDGES
            counts, _ = np.histogram(np.clip(a[a > 0], *_RELU_INSIDE), bins=edges)
            h["log_bins"] = True
        h["counts"], h["edges"] = counts.tolist(), edges.tolist()
        out.append(h)
    return out


def run_one(cfg, depth, init_name, activation, split):
    """Build, measure, train and judge one network."""
    Xtr, ytr, Xte, yte = split
    init = INITS[init_name]
    n_classes = int(max(ytr.max(), yte.max())) + 1
    chance = float(np.bincount(yte, minlength=n_classes).max() / len(yte))
    sizes = [Xtr.shape[1]] + [cfg.width] * depth + [n_classes]
    # every run draws from the same key, so inits differ only by their formula
    net = MLP(sizes, activation, init.weights, output="softmax", dtype=np.dtype(cfg.dtype),
              seed=_fi.Generator(cfg.seed), bias_init=init.biases)
    probe_X, probe_y = Xtr[: cfg.probe], ytr[: cfg.probe]
    t0 = time.perf_counter()
    with np.errstate(all="ignore"):
        at_init = net.diagnostics(probe_X, probe_y)
        hists = _histograms(net)
    before = [(layer.W.copy(), layer.b.copy()) for layer in net.layers[:-1]]
    lr = default_lr(depth) if cfg.lr is None else cfg.lr
    history = net.fit(Xtr, ytr, epochs=cfg.epochs, lr=lr, batch_size=cfg.batch_size,
                      momentum=cfg.momentum, seed=cfg.seed, X_val=Xte, y_val=yte, clip=cfg.clip)
    changed = any(not (np.array_equal(W, layer.W, equal_nan=True)
                       and np.array_equal(b, layer.b, equal_nan=True))
                  for (W, b), layer in zip(before, net.layers[:-1]))
    with np.errstate(all="ignore"):
        after = net.diagnostics(probe_X, probe_y)
    run = Run(init_name, activation, depth, chance, at_init, after, history, changed,
              time.perf_counter() - t0, hists, cfg.seed)
    run.diagnosis, diag_why = diagnosis(run)
    run.outcome, out_why, run.epochs_to_target = outcome(run)
    run.why = story(run, diag_why, out_why)
    return run


def seeds_of(cfg):
    """The seeds a config runs: ``seeds`` when given, else ``seed`` alone."""
    return tuple(cfg.seeds) or (cfg.seed,)


def run_all(cfg, progress=None, runs=None):
    """Every seed x depth x init x activation run of ``cfg``; each seed makes
    its own data, split, weights and batch order. ``progress(i, n, label)``
    before each. Each run is appended to ``runs`` (a new list if None) as it
    ends, so a caller interrupted midway keeps the finished ones."""
    seeds = seeds_of(cfg)
    cases = [(s, d, i, a) for s in seeds for d in cfg.depths for i in cfg.inits
             for a in cfg.activations]
    runs = [] if runs is None else runs
    split, split_seed = None, None
    for k, (seed, d, i, a) in enumerate(cases):
        if seed != split_seed:
            X, y = _data.make(cfg.data, cfg.samples, cfg.noise, seed, dtype=np.dtype(cfg.dtype))
            split, split_seed = _data.split(X, y), seed
        if progress is not None:
            progress(k, len(cases), (f"seed {seed}, " if len(seeds) > 1 else "") + f"depth {d}: {i} + {a}")
        runs.append(run_one(replace(cfg, seed=seed), d, i, a, split))
    if progress is not None:
        progress(len(cases), len(cases), "done")
    return runs


def cells(runs):
    """The runs grouped by (init, activation, depth), in run order, each with
    its rates over seeds: {outcome: count}, the seeds' epochs to target, and
    the diagnoses at init."""
    groups = {}
    for r in runs:
        groups.setdefault((r.init, r.activation, r.depth), []).append(r)
    out = []
    for (init, act, depth), rs in groups.items():
        epochs = sorted(r.epochs_to_target for r in rs if r.outcome == "learned")
        out.append({
            "init": init, "activation": act, "depth": depth, "seeds": [r.seed for r in rs],
            "n": len(rs), "rates": {name: sum(r.outcome == name for r in rs) for name, _ in OUTCOMES},
            "epochs_to_target": epochs,
            "median_epochs": float(np.median(epochs)) if epochs else None,
            "diagnoses": {d: sum(r.diagnosis == d for r in rs)
                          for d in dict.fromkeys(r.diagnosis for r in rs)},
        })
    return out


SCALED = ("heuristic", "lecun", "xavier", "xavier-uniform", "sigmoid4", "he", "he-uniform")


def sigmoid_note(runs):
    """What this run showed about sigmoid nets, measured here over every seed
    it ran: which scaled inits learned at each depth (in how many seeds), how
    sigmoid compares with tanh under the same inits, and how its mean
    accuracy moves with depth (None without sigmoid runs of a scaled init).
    It blames depth and the activation only when no scaled init learned
    sigmoid at the deepest depth in any seed."""
    def scaled(act, d):
        return [r for r in runs if r.activation == act and r.depth == d and r.init in SCALED]

    depths = sorted({r.depth for r in runs if r.activation == "sigmoid" and r.init in SCALED})
    if not depths:
        return None
    n = len({r.seed for r in runs})
    parts, means = [], []
    for d in depths:
        sig = scaled("sigmoid", d)
        learned = {}
        for r in sig:
            learned[r.init] = learned.get(r.init, 0) + (r.outcome == "learned")
        ok = [f"{i} in {k}/{n} seeds" if n > 1 else i for i, k in learned.items() if k]
        means.append(float(np.mean([r.test_accuracy for r in sig])))
        if ok:
            parts.append(f"at depth {d} {', '.join(ok)} learned")
        else:
            best = max(sig, key=lambda r: r.test_accuracy if math.isfinite(r.test_accuracy) else -1)
            parts.append(f"at depth {d} none learned (best {best.init}, {best.test_accuracy:.3f})")
    text = "Sigmoid with the scaled inits: " + "; ".join(parts) + "."
    tanh_ok = [d for d in depths if scaled("tanh", d)
               and sum(r.outcome == "learned" for r in scaled("tanh", d)) > len(scaled("tanh", d)) / 2]
    if tanh_ok:
        text += f" With the same inits, tanh learned at depth {', '.join(map(str, tanh_ok))}."
    if len(depths) > 1:
        trend = ", ".join(f"{m:.2f} at depth {d}" for d, m in zip(depths, means))
        text += f" Mean sigmoid test accuracy: {trend}."
        deepest = scaled("sigmoid", depths[-1])
        if means[-1] < means[0] and tanh_ok and not any(r.outcome == "learned" for r in deepest):
            text += (" Sigmoid nets learn slower and get worse with depth whatever the scaling"
                     " (Glorot & Bengio 2010: the top hidden layer saturates); it is depth and the"
                     " activation, not Xavier's scaling, that fails them.")
    return text
