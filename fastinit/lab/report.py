"""What `fastinit compare` shows: a table per depth, the depth matrix, the
JSON and the figure."""
import json
import math
import textwrap

import numpy as np

from fastinit.lab.experiment import OUTCOMES, RELU_EDGES, RULES, cells

FONT = 8   # one font size throughout the figure


def _num(x, fmt=".2g"):
    if x is None:
        return "-"
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return format(x, fmt)


def _units(before, after):
    """Distinct units per hidden layer at init and after training,
    compressed: '64/64 x8', '1/1 x8', or per layer '1,2/1,2'."""
    if len(set(before)) == 1 and len(set(after)) == 1:
        return f"{before[0]}/{after[0]} x{len(before)}"
    return ",".join(map(str, before)) + "/" + ",".join(map(str, after))


COLUMNS = ("init", "act", "std 1st", "std last", "grad ratio", "units", "acc", "diagnosis", "outcome",
           "epochs")
# What the columns mean, printed under every table (the table fits 100 columns).
LEGEND = ("std 1st/last: activation std of the first and last hidden layer at init; grad ratio: "
          "first / last hidden layer's gradient norm at init; units: distinct units per hidden layer "
          "at init / after training (x depth); acc: test accuracy after the last epoch; epochs: the "
          "first epoch at {target:.0%} of the way from chance to 1 ('why' of every run: --json).")


WIDTH = 100   # the report's lines fit this many columns


def _grid(header, rows, width=WIDTH):
    """Columns padded to their widest cell; a last column that would pass
    ``width`` wraps onto lines of its own under its start."""
    widths = [max(len(c), *(len(row[k]) for row in rows)) if rows else len(c)
              for k, c in enumerate(header)]
    start = sum(widths[:-1]) + 2 * (len(widths) - 1)
    room = max(width - start, len(header[-1]), 16)
    widths[-1] = min(widths[-1], room)
    line = "  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip()
    out = [line, "-" * len(line)]
    for row in rows:
        last = textwrap.wrap(row[-1], room) or [""]
        out.append("  ".join(v.ljust(w) for v, w in zip(row[:-1] + (last[0],), widths)).rstrip())
        out.extend(" " * start + more for more in last[1:])
    return "\n".join(out)


def table(runs):
    """One row per run (one depth's runs): init x activation, as text."""
    rows = []
    for r in runs:
        s = r.summary()
        rows.append((s["init"], s["activation"], _num(s["first_act_std"]), _num(s["last_act_std"]),
                     _num(s["grad_ratio"]), _units(s["distinct_units_init"], s["distinct_units_after"]),
                     _num(s["test_accuracy"], ".3f"), s["diagnosis"], s["outcome"],
                     _num(s["epochs_to_target"], "d")))
    return _grid(COLUMNS, rows)


RATE_COLUMNS = ("init", "act", "learned", "partial", "stalled", "diverged",
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


def _std_phrase(r):
    """How a run's activation spread moves from the first hidden layer to
    the last, in words and figures."""
    first, last = r.hidden[0]["act_std"], r.hidden[-1]["act_std"]
    if first == 0 and last == 0:
        return "activations identical (std 0 in every layer)"
    if all(d["distinct_units"] == 1 for d in r.hidden):
        return "1 distinct unit per layer"
    if not (math.isfinite(first) and math.isfinite(last)) or first == 0 or last == 0:
        return f"activation std {first:.2g} -> {last:.2g}"
    steps = max(len(r.hidden) - 1, 1)
    q = (last / first) ** (1 / steps) if last > 0 else 0.0
    span = f"({first:.2g} -> {last:.2g})"
    if 0.85 <= q <= 1 / 0.85:
        return f"std steady across {len(r.hidden)} layers {span}"
    return f"std {'shrinks' if q < 1 else 'grows'} {q:.2g}x per layer {span}"


def _outcome_phrase(r):
    if r.outcome == "learned":
        return f"learned by epoch {r.epochs_to_target}"
    if r.outcome == "diverged":
        return "diverged"
    return f"{r.outcome} at {r.test_accuracy:.2f}"


def caption(runs):
    """The figure's caption, made from the runs it draws: how to read it, and
    per activation at the deepest depth, for each init, how the activation
    spread moves through the layers, the saturation or gradient extremes
    that set it apart, and how training ended."""
    runs = _one_seed(runs)
    depths = sorted({r.depth for r in runs})
    deep = depths[-1]
    lines = [f"Seed {runs[0].seed}. Heat maps: one column per hidden layer, colour = the share of "
             "that layer's units at that activation value, on one colour scale for every panel "
             "(ReLU: the band under the line is the share exactly 0). Gradient norms are at init, "
             "per layer (the last point is the output layer); a missing point is exactly zero. Test "
             f"accuracy at chance: {runs[0].chance:.2f}."]
    acts = list(dict.fromkeys(r.activation for r in runs))
    for act in acts:
        parts = []
        for r in (r for r in runs if r.activation == act and r.depth == deep):
            words = [_std_phrase(r)]
            sat = r.saturated_share()
            if act != "relu" and sat > 0.5:
                words.append(f"{sat:.0%} of units saturated")
            g = r.grad_ratio()
            if g > 1e3 or 0 < g < 1e-3:
                words.append(f"first/last gradient ratio {g:.1g}")
            words.append(_outcome_phrase(r))
            parts.append(f"{r.init} + {act}: " + ", ".join(words))
        lines.append(f"{act}, depth {deep}: " + "; ".join(parts) + ".")
    return "\n".join(lines)


def _one_seed(runs):
    """The runs of the first seed (the figure draws one network per cell)."""
    return [r for r in runs if r.seed == runs[0].seed]


def _styles(inits):
    """A colour, line style and marker per init, so curves that lie on top
    of each other still show."""
    import matplotlib.pyplot as plt
    colors = plt.get_cmap("tab10")
    dashes = ("-", "--", "-.", ":")
    marks = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
    return {name: {"color": colors(k % 10), "ls": dashes[k % 4], "marker": marks[k % 10]}
            for k, name in enumerate(inits)}


def _heat(r):
    """(matrix, y edges) of a run's activation histograms: one column per
    hidden layer, each the share of its units per bin. ReLU's y is log10 of
    the value; its exact zeros are returned apart (one share per layer)."""
    total = np.array([max(h["total"], 1) for h in r.histograms], float)
    counts = np.array([h["counts"] for h in r.histograms], float).T
    share = counts / total
    edges = np.asarray(r.histograms[0]["edges"])
    if r.activation == "relu":
        zeros = np.array([h["zero_fraction"] for h in r.histograms])
        return share, np.log10(edges), zeros
    return share, edges, None


def figure(runs):
    """The matplotlib figure (not saved), for the first seed of ``runs``:

    - per init x activation x depth, the activation distribution of every
      hidden layer at init as a heat map (layer across, value up, colour the
      share of the layer's units; as Glorot & Bengio 2010, figure 6, on one
      colour scale for every panel, ReLU's exact zeros as their own band);
    - per activation x depth, the gradient norm of every layer at init (log),
      the test accuracy per epoch, and with several depths, the final test
      accuracy against depth;
    - a caption generated by :func:`caption`.
    """
    import textwrap

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import MaxNLocator

    plt.rcParams.update({"font.size": FONT, "axes.titlesize": FONT, "axes.labelsize": FONT,
                         "xtick.labelsize": FONT, "ytick.labelsize": FONT,
                         "legend.fontsize": FONT, "figure.titlesize": FONT + 2})
    runs = _one_seed(runs)
    depths = sorted({r.depth for r in runs})
    inits = list(dict.fromkeys(r.init for r in runs))
    acts = list(dict.fromkeys(r.activation for r in runs))
    cols = [(a, d) for a in acts for d in depths]
    by = {(r.init, r.activation, r.depth): r for r in runs}
    style = _styles(inits)
    width = max(3.0 * len(cols), 8.0)
    text = caption(runs)
    wrap = int(width * 15)
    wrapped = "\n".join(textwrap.fill(line, wrap) for line in text.split("\n"))
    cap_h = 0.16 * (wrapped.count("\n") + 1) + 0.2
    rows = [1.15] * len(inits) + [1.7, 1.7] + ([1.7] if len(depths) > 1 else []) + [0.45, cap_h]
    fig = plt.figure(figsize=(width, sum(rows) + 0.4), layout="constrained")
    gs = fig.add_gridspec(len(rows), len(cols), height_ratios=rows)
    cmap = plt.get_cmap("viridis").with_extremes(under="white", bad="white")
    norm = LogNorm(1e-3, 1.0)

    heats = {key: _heat(r) for key, r in by.items() if r.histograms}
    # ReLU's value range: one per column, every init's layers inside it
    # (no positive value anywhere: the bins of 0.1 to 10)
    span = {}
    for (act, d) in cols:
        if act != "relu":
            continue
        used = [i for name in inits if (name, act, d) in heats
                for i in np.flatnonzero(np.any(heats[name, act, d][0] > 0, axis=1))]
        lo, hi = (min(used), max(used) + 1) if used else tuple(np.searchsorted(RELU_EDGES, [0.1, 10.0]))
        span[act, d] = (max(lo - 1, 0), hi + 1)

    heat_axes = []
    for i, name in enumerate(inits):
        for j, (act, d) in enumerate(cols):
            ax = fig.add_subplot(gs[i, j])
            r = by.get((name, act, d))
            if (name, act, d) not in heats:
                ax.axis("off")
                continue
            heat_axes.append(ax)
            share, yedges, zeros = heats[name, act, d]
            x = np.arange(len(r.histograms) + 1) + 0.5
            if zeros is not None:
                lo, hi = span[act, d]
                yedges, share = yedges[lo:hi + 1], share[lo:hi]
                band = max(0.12 * (yedges[-1] - yedges[0]), 0.5)
                ax.pcolormesh(x, [yedges[0] - band, yedges[0]], zeros[None, :],
                              cmap=cmap, norm=norm)
                ax.axhline(yedges[0], color="white", lw=1.5)
                ticks = [t for t in range(math.ceil(yedges[0]), math.floor(yedges[-1]) + 1)]
                step = max(1, len(ticks) // 4)
                ticks = ticks[::-1][::step][::-1]
                ax.set_yticks([yedges[0] - band / 2] + ticks,
                              ["0"] + [f"1e{t}" for t in ticks])
                ax.set_ylim(yedges[0] - band, yedges[-1])
            ax.pcolormesh(x, yedges, np.ma.masked_equal(share, 0), cmap=cmap, norm=norm)
            ax.set_xlim(x[0], x[-1])
            step = max(1, math.ceil(len(r.histograms) / 8))
            ax.set_xticks(range(1, len(r.histograms) + 1, step))
            ax.set_title(f"{name} + {act}, depth {d}: {r.diagnosis}")
            if j == 0 or cols[j - 1][0] != act:
                ax.set_ylabel(f"{act} value" + (" (log)" if act == "relu" else ""))
            if i == len(inits) - 1:
                ax.set_xlabel("hidden layer")
    if heat_axes:
        fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=heat_axes, location="right",
                     label="share of the layer's units", shrink=0.5, aspect=40)

    row = len(inits)
    for j, (act, d) in enumerate(cols):
        ax = fig.add_subplot(gs[row, j])
        silent = []
        for name in inits:
            r = by.get((name, act, d))
            if r is None:
                continue
            g = np.array([layer["grad_norm"] for layer in r.at_init], float)
            ok = np.isfinite(g) & (g > 0)
            if not ok[:-1].any():
                silent.append(name)
            if not ok.any():
                continue
            k = np.arange(1, len(g) + 1)
            ax.plot(k[ok], g[ok], lw=1, ms=3, markevery=max(1, len(g) // 6), **style[name])
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("layer (last: output)")
        ax.set_title(f"gradient norm at init, {act}, depth {d}")
        if silent:
            ax.text(0.02, 0.03, "hidden layers all 0: " + ", ".join(silent), transform=ax.transAxes, va="bottom")
        if j == 0:
            ax.set_ylabel("gradient norm (log)")

    row += 1
    for j, (act, d) in enumerate(cols):
        ax = fig.add_subplot(gs[row, j])
        for name in inits:
            r = by.get((name, act, d))
            if r is not None and r.history.get("val_accuracy"):
                acc = r.history["val_accuracy"]
                ax.plot(np.arange(1, len(acc) + 1), acc, lw=1, ms=3,
                        markevery=max(1, len(acc) // 8), **style[name])
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("epoch")
        ax.set_title(f"test accuracy, {act}, depth {d}")
        if j == 0:
            ax.set_ylabel("test accuracy")

    if len(depths) > 1:
        row += 1
        for a, act in enumerate(acts):
            ax = fig.add_subplot(gs[row, a * len(depths):(a + 1) * len(depths)])
            for name in inits:
                pts = sorted((r.depth, r.test_accuracy) for r in runs
                             if r.init == name and r.activation == act)
                ax.plot([p[0] for p in pts], [p[1] for p in pts], lw=1, ms=4, **style[name])
            ax.set_xticks(depths)
            ax.set_ylim(0, 1.02)
            ax.set_xlabel("hidden layers")
            ax.set_title(f"final test accuracy by depth, {act}")
            if a == 0:
                ax.set_ylabel("test accuracy")

    row += 1
    ax = fig.add_subplot(gs[row, :])
    ax.axis("off")
    handles = [matplotlib.lines.Line2D([], [], lw=1, ms=4, **style[name]) for name in inits]
    ax.legend(handles, inits, loc="center", ncol=min(len(inits), 10), frameon=False)
    ax = fig.add_subplot(gs[row + 1, :])
    ax.axis("off")
    ax.set_gid("caption")
    ax.text(0, 1, wrapped, va="top", ha="left", transform=ax.transAxes, gid="caption")
    fig.suptitle("Activations and gradients per layer at initialization, and test accuracy in "
                 "training")
    return fig


def plot(runs, path, fmt="png"):
    """The figure of :func:`figure`, written to ``path`` in format ``fmt``."""
    import matplotlib.pyplot as plt
    fig = figure(runs)
    fig.savefig(path, dpi=90, format=fmt)
    plt.close(fig)
