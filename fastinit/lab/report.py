"""What `fastinit compare` shows: the table, the JSON and the figure."""
import json
import math

import numpy as np

from fastinit.lab.experiment import RULES


def _num(x, fmt=".2g"):
    if x is None:
        return "-"
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return format(x, fmt)


def _units(units):
    """Distinct units per hidden layer, compressed: '64 x8' or '1 x8'."""
    if len(set(units)) == 1:
        return f"{units[0]} x{len(units)}"
    return ",".join(str(u) for u in units)


COLUMNS = ("init", "activation", "std first", "std last", "grad first/last", "units init",
           "units after", "loss", "test acc", "verdict")


def table(runs):
    """One row per run: init x activation, as text."""
    rows = []
    for r in runs:
        s = r.summary()
        rows.append((s["init"], s["activation"], _num(s["first_act_std"]), _num(s["last_act_std"]),
                     _num(s["grad_ratio"]), _units(s["distinct_units_init"]),
                     _units(s["distinct_units_after"]), _num(s["final_loss"], ".3g"),
                     _num(s["test_accuracy"], ".3f"), s["verdict"]))
    widths = [max(len(c), *(len(row[k]) for row in rows)) for k, c in enumerate(COLUMNS)]
    line = "  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths))
    out = [line, "-" * len(line)]
    for row in rows:
        out.append("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    return "\n".join(out)


def rules_text():
    return "\n".join(f"  {k + 1}. {name}: {text}" for k, (name, text) in enumerate(RULES))


def _clean(x):
    """JSON-safe: non-finite floats as strings, numpy scalars as Python."""
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else str(x)
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def to_json(cfg, runs, path):
    """Everything, per layer and per epoch, to ``path`` (a file name or an
    open text stream)."""
    doc = {
        "config": {k: getattr(cfg, k) for k in cfg.__dataclass_fields__},
        "rules": [{"verdict": n, "rule": t} for n, t in RULES],
        "runs": [],
    }
    for r in runs:
        doc["runs"].append({
            **r.summary(),
            "at_init": r.at_init,
            "after_training": r.after,
            "history": {
                "loss": r.history["loss"],
                "train_accuracy": r.history["accuracy"],
                "test_loss": r.history.get("val_loss", []),
                "test_accuracy": r.history.get("val_accuracy", []),
                "diverged": r.history["diverged"],
            },
            "activation_histograms": [{"counts": c, "edges": e} for c, e in r.histograms],
        })
    if hasattr(path, "write"):
        json.dump(_clean(doc), path, indent=1)
        return
    with open(path, "w") as f:
        json.dump(_clean(doc), f, indent=1)


def plot(runs, path):
    """Per-layer activation histograms at init for each init x activation (as
    in Glorot & Bengio 2010, figure 6) and the loss curves, to a PNG."""
    import matplotlib   # cli.compare checked that it imports before training
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    inits = list(dict.fromkeys(r.init for r in runs))
    acts = list(dict.fromkeys(r.activation for r in runs))
    by = {(r.init, r.activation): r for r in runs}
    fig, axes = plt.subplots(len(inits) + 1, len(acts), figsize=(4.2 * len(acts), 2.3 * (len(inits) + 1)),
                             squeeze=False, constrained_layout=True)
    cmap = plt.get_cmap("viridis")
    for i, name in enumerate(inits):
        for j, act in enumerate(acts):
            ax = axes[i][j]
            r = by.get((name, act))
            if r is None:
                ax.axis("off")
                continue
            n = len(r.histograms)
            for k, (counts, edges) in enumerate(r.histograms):
                centers = 0.5 * (np.asarray(edges[1:]) + np.asarray(edges[:-1]))
                ax.plot(centers, counts, color=cmap(k / max(n - 1, 1)), lw=1,
                        label=f"layer {k + 1}" if k in (0, n - 1) else None)
            ax.set_title(f"{name} + {act}: {r.verdict}", fontsize=9)
            ax.tick_params(labelsize=7)
            if j == 0:
                ax.set_ylabel("count", fontsize=8)
            if i == 0 and j == len(acts) - 1:
                ax.legend(fontsize=7)
    for j, act in enumerate(acts):
        ax = axes[-1][j]
        for name in inits:
            r = by.get((name, act))
            if r is not None and r.history["loss"]:
                ax.plot(np.arange(1, len(r.history["loss"]) + 1), r.history["loss"], lw=1, label=name)
        ax.set_yscale("log")
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_title(f"training loss, {act}", fontsize=9)
        ax.tick_params(labelsize=7)
        if j == 0:
            ax.set_ylabel("loss", fontsize=8)
            ax.legend(fontsize=7, ncol=2)
    fig.suptitle("Activations per hidden layer at initialization, and loss in training", fontsize=11)
    fig.savefig(path, dpi=90)
    plt.close(fig)
