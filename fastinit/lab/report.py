"""What `fastinit compare` shows: a table per depth, the depth matrix, the
JSON and the figure."""
import json
import math

import numpy as np

from fastinit.lab.experiment import OUTCOMES, RULES, cells

FONT = 8   # one font size throughout the figure


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
           "units after", "test acc", "diagnosis", "outcome", "epochs", "why")


def _grid(header, rows):
    widths = [max(len(c), *(len(row[k]) for row in rows)) if rows else len(c)
              for k, c in enumerate(header)]
    line = "  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip()
    out = [line, "-" * len(line)]
    for row in rows:
        out.append("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    return "\n".join(out)


def table(runs):
    """One row per run (one depth's runs): init x activation, as text."""
    rows = []
    for r in runs:
        s = r.summary()
        rows.append((s["init"], s["activation"], _num(s["first_act_std"]), _num(s["last_act_std"]),
                     _num(s["grad_ratio"]), _units(s["distinct_units_init"]),
                     _units(s["distinct_units_after"]), _num(s["test_accuracy"], ".3f"),
                     s["diagnosis"], s["outcome"], _num(s["epochs_to_target"], "d"), s["why"]))
    return _grid(COLUMNS, rows)


RATE_COLUMNS = ("init", "activation", "learned", "partial", "stalled", "diverged",
                "epochs (median, range)", "diagnosis at init")


def _epochs(cell):
    e = cell["epochs_to_target"]
    if not e:
        return "-"
    return f"{cell['median_epochs']:g} ({e[0]}-{e[-1]})" if len(e) > 1 else f"{e[0]}"


def rates_table(runs):
    """Several seeds, one depth: per init x activation, how many seeds
    learned, partly learned, stalled and diverged, the median epochs to
    target over the seeds that learned (with its range), and the diagnoses."""
    rows = []
    for c in cells(runs):
        n = c["n"]
        rows.append((c["init"], c["activation"],
                     *(f"{c['rates'][name]}/{n}" for name in ("learned", "partial", "stalled", "diverged")),
                     _epochs(c), ", ".join(f"{d} {k}/{n}" if k < n else d for d, k in c["diagnoses"].items())))
    return _grid(RATE_COLUMNS, rows)


def matrix(runs):
    """Inits in rows, depths in columns, for each activation: the outcome and
    the epochs to target ('learned 12', 'stalled'); over several seeds, how
    many learned and their median epochs ('4/5 learned 12')."""
    inits = list(dict.fromkeys(r.init for r in runs))
    acts = list(dict.fromkeys(r.activation for r in runs))
    depths = sorted({r.depth for r in runs})
    by = {(c["init"], c["activation"], c["depth"]): c for c in cells(runs)}
    header = ("init",) + tuple(f"{a} d{d}" for a in acts for d in depths)
    rows = []
    for i in inits:
        row = [i]
        for a in acts:
            for d in depths:
                c = by.get((i, a, d))
                if c is None:
                    row.append("")
                elif c["n"] > 1:       # rates over seeds: learned/n, and the median epochs
                    learned = c["rates"]["learned"]
                    row.append(f"{learned}/{c['n']} learned" + (f" {c['median_epochs']:g}" if learned else ""))
                elif c["rates"]["learned"]:
                    row.append(f"learned {c['epochs_to_target'][0]}")
                else:
                    row.append(next(name for name, k in c["rates"].items() if k))
        rows.append(tuple(row))
    return _grid(header, rows)


def rules_text():
    return "\n".join(f"  {k + 1}. {name}: {text}" for k, (name, text) in enumerate(RULES))


def outcomes_text():
    return "\n".join(f"  {name}: {text}" for name, text in OUTCOMES)


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
        "rules": [{"diagnosis": n, "rule": t} for n, t in RULES],
        "outcomes": [{"outcome": n, "rule": t} for n, t in OUTCOMES],
        "cells": cells(runs),      # per init x activation x depth: outcome rates over the seeds
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
            "activation_histograms": r.histograms,
        })
    if hasattr(path, "write"):
        json.dump(_clean(doc), path, indent=1)
        return
    with open(path, "w") as f:
        json.dump(_clean(doc), f, indent=1)


def figure(runs):
    """The matplotlib figure (not saved): for the deepest depth, per-layer
    activation histograms at init for each init x activation (as in Glorot &
    Bengio 2010, figure 6), test accuracy per epoch for each activation, and
    with several depths, final test accuracy against depth."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    plt.rcParams.update({"font.size": FONT, "axes.titlesize": FONT, "axes.labelsize": FONT,
                         "xtick.labelsize": FONT, "ytick.labelsize": FONT,
                         "legend.fontsize": FONT, "figure.titlesize": FONT + 2})
    depths = sorted({r.depth for r in runs})
    deep = depths[-1]
    shown = [r for r in runs if r.depth == deep]
    inits = list(dict.fromkeys(r.init for r in runs))
    acts = list(dict.fromkeys(r.activation for r in runs))
    by = {(r.init, r.activation): r for r in shown}
    extra = 2 if len(depths) > 1 else 1
    fig, axes = plt.subplots(len(inits) + extra, len(acts),
                             figsize=(4.2 * len(acts), 2.1 * (len(inits) + extra)),
                             squeeze=False, constrained_layout=True)
    cmap = plt.get_cmap("viridis")
    norm = Normalize(1, max(deep, 2))
    for i, name in enumerate(inits):
        for j, act in enumerate(acts):
            ax = axes[i][j]
            r = by.get((name, act))
            if r is None:
                ax.axis("off")
                continue
            notes = []
            for k, h in enumerate(r.histograms):
                if not h["counts"]:
                    continue
                edges = np.asarray(h["edges"])
                centers = np.sqrt(edges[1:] * edges[:-1]) if h["log_bins"] else 0.5 * (edges[1:] + edges[:-1])
                ax.plot(centers, h["counts"], color=cmap(norm(k + 1)), lw=1)
            if act == "relu":
                zeros = [h["zero_fraction"] for h in r.histograms]
                if all(z == 1.0 for z in zeros):
                    notes.append("every activation exactly 0")
                    ax.set_yticks([])
                else:
                    ax.set_xscale("log")
                    ax.set_yscale("symlog", linthresh=1)
                    ax.set_ylim(bottom=0)
                    notes.append(f"exact 0: {min(zeros):.0%}-{max(zeros):.0%}")
                    top = max(h["max"] for h in r.histograms)
                    if top > 1e3:
                        notes.append(f"max {top:.2g}")
            if notes:
                ax.text(0.98, 0.95, "\n".join(notes), transform=ax.transAxes, ha="right", va="top",
                        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
            ax.set_title(f"{name} + {act}, depth {deep}: {r.diagnosis}")
            ax.set_xlabel(f"{act} activation" + (" (> 0, log scale)" if act == "relu" else ""))
            if j == 0:
                ax.set_ylabel("count")
    fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axes[:len(inits), -1].tolist(),
                 label="hidden layer", shrink=0.6)
    colors = plt.get_cmap("tab10")
    row = axes[len(inits)]
    for j, act in enumerate(acts):
        ax = row[j]
        for c, name in enumerate(inits):
            r = by.get((name, act))
            if r is not None and r.history.get("val_accuracy"):
                acc = r.history["val_accuracy"]
                ax.plot(np.arange(1, len(acc) + 1), acc, lw=1, color=colors(c % 10), label=name)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("epoch")
        ax.set_title(f"test accuracy, {act}, depth {deep}")
        if j == 0:
            ax.set_ylabel("test accuracy")
    handles, labels = row[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 6))
    if len(depths) > 1:
        row = axes[len(inits) + 1]
        for j, act in enumerate(acts):
            ax = row[j]
            for c, name in enumerate(inits):
                pts = sorted((r.depth, r.test_accuracy) for r in runs
                             if r.init == name and r.activation == act)
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", lw=1, ms=3,
                        color=colors(c % 10))
            ax.set_xticks(depths)
            ax.set_ylim(0, 1.02)
            ax.set_xlabel("hidden layers")
            ax.set_title(f"final test accuracy by depth, {act}")
            if j == 0:
                ax.set_ylabel("test accuracy")
    fig.suptitle("Activations per hidden layer at initialization, and test accuracy in training")
    return fig


def plot(runs, path, fmt="png"):
    """The figure of :func:`figure`, written to ``path`` in format ``fmt``."""
    import matplotlib.pyplot as plt
    fig = figure(runs)
    fig.savefig(path, dpi=90, format=fmt)
    plt.close(fig)
