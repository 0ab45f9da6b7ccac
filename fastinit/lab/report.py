"""What `fastinit compare` shows: a table per depth, the depth matrix, the
JSON and the figure."""
import json
import math
import os
import textwrap

import numpy as np

from fastinit.lab.experiment import OUTCOMES, RULES, cells



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


FONT = 9        # body text: titles, labels, row notes, caption
SMALL = 8       # tick labels and legends; nothing in a figure is smaller
DPI = 100       # the saved size: a FIGURE_WIDTH-inch figure is 800 pixels wide
FIGURE_WIDTH = 8.0


def _row_note(r):
    """The words beside an init's histograms: the diagnosis at init with the
    figures that set it, then how training ended."""
    words = [_std_phrase(r)]
    sat = r.saturated_share()
    if r.activation != "relu" and sat > 0.5:
        words.append(f"{sat:.0%} of units saturated")
    if r.activation == "relu" and r.histograms:
        z = [h["zero_fraction"] for h in r.histograms]
        words.append(f"exactly 0: {z[0]:.0%} -> {z[-1]:.0%} of units")
    g = np.array([d["grad_norm"] for d in r.at_init], float)
    if not (np.isfinite(g[:-1]) & (g[:-1] > 0)).any():
        words.append("hidden-layer gradients exactly 0")
    else:
        ratio = r.grad_ratio()
        if ratio > 1e3 or 0 < ratio < 1e-3:
            words.append(f"gradient first/last {ratio:.1g}")
    return f"{r.diagnosis} at init: " + "; ".join(words) + f". Then {_outcome_phrase(r)}."


def _lesson(rows):
    """The figure's lesson in one line: which inits ended in which outcome."""
    parts = []
    for outcome in ("learned", "partial", "stalled", "diverged"):
        names = [r.init for r in rows if r.outcome == outcome]
        if names:
            parts.append(f"{outcome}: {', '.join(names)}")
    return "; ".join(parts) + "."


def caption(runs, activation):
    """How to read the figure of ``activation`` (the lessons are in the row
    notes): what each panel draws, the run's setting and chance."""
    runs = [r for r in _one_seed(runs) if r.activation == activation]
    deep = max(r.depth for r in runs)
    several = len({r.depth for r in runs}) > 1
    value = "log10 of the positive values; the note gives the share exactly 0" \
        if activation == "relu" else "the activation value"
    return (f"Left: each hidden layer's activations at init ({value}), one line per layer, dark "
            f"first to light last, as Glorot & Bengio 2010, fig. 6. Right: the diagnosis at init "
            f"and how training ended. Below: the gradient norm of every layer at init (log scale; "
            f"the last point is the output layer, an init whose hidden gradients are all 0 has "
            f"no line) and the test accuracy per epoch"
            + (", then the final accuracy at every depth run" if several else "")
            + f". Depth {deep}, seed {runs[0].seed}; accuracy at chance {runs[0].chance:.2f}.")


def _curve(r):
    """(x, share per bin for each hidden layer) of a run's histograms: the bin
    centres (ReLU: log10 of the value), each layer's share of units per bin."""
    total = np.array([max(h["total"], 1) for h in r.histograms], float)
    share = np.array([h["counts"] for h in r.histograms], float) / total[:, None]
    edges = np.asarray(r.histograms[0]["edges"], float)
    if r.activation == "relu":
        edges = np.log10(edges)
    return (edges[:-1] + edges[1:]) / 2, share


def _wrap(text, inches, size):
    """``text`` wrapped to lines that fit ``inches`` at ``size`` points (a
    glyph of DejaVu Sans averages about 0.55 em; 0.6 leaves a margin)."""
    return textwrap.fill(text, max(int(inches * 72 / (0.6 * size)), 20))


def figure(runs, activation):
    """The matplotlib figure (not saved) of one activation, for the first
    seed of ``runs``: the lesson at a glance.

    - one row per init, in the order of ``runs`` (the source documents'
      order: what not to do first, then the schemes): on the left the
      activation histogram of every hidden layer at init at the deepest
      depth, one line per layer, as Glorot & Bengio 2010 (fig. 6) draw them;
      on the right the diagnosis and the outcome in words, with the figures
      behind them;
    - below, the gradient norm of every layer at init (log), the test
      accuracy per epoch, and with several depths the final accuracy against
      depth, one colour, line style and marker per init;
    - a caption of how to read it (:func:`caption`).

    Text is at least ``SMALL`` points at the saved size (``DPI``), and no two
    text artists overlap (the tests check both through the figure).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.ticker import MaxNLocator

    runs = [r for r in _one_seed(runs) if r.activation == activation]
    if not runs:
        raise ValueError(f"activation: no run of {activation!r} to draw")
    depths = sorted({r.depth for r in runs})
    deep = depths[-1]
    rows = [r for r in runs if r.depth == deep]
    inits = list(dict.fromkeys(r.init for r in runs))
    style = _styles(inits)
    layers = len(rows[0].histograms)
    shades = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, max(layers, 1)))

    rc = {"font.size": FONT, "axes.titlesize": FONT, "axes.labelsize": FONT,
          "xtick.labelsize": SMALL, "ytick.labelsize": SMALL, "legend.fontsize": SMALL,
          "figure.titlesize": FONT + 2}
    with plt.rc_context(rc):
        row_h, panel_h = 0.78, 2.2
        words = _wrap(caption(runs, activation), FIGURE_WIDTH - 0.3, SMALL)
        caption_h = (words.count("\n") + 1) * SMALL * 1.25 / 72 + 0.1
        top_h = row_h * len(rows) + 0.75
        bottom = [panel_h, 0.45, caption_h]
        fig = plt.figure(figsize=(FIGURE_WIDTH, top_h + sum(bottom) + 0.3),
                         layout="constrained", dpi=DPI)
        top, below = fig.subfigures(2, 1, height_ratios=[top_h, sum(bottom)])
        grid = top.add_gridspec(len(rows) + 1, 2, width_ratios=[1.0, 1.15],
                                height_ratios=[0.25] + [1] * len(rows))
        cells = below.add_gridspec(3, 3 if len(depths) > 1 else 2, height_ratios=bottom)

        curves = {r.init: _curve(r) for r in rows if r.histograms}
        xlim = None
        if activation == "relu":   # the value range any init reaches, shared by every row
            used = [x[np.any(s > 0, axis=0)] for x, s in curves.values()]
            used = np.concatenate(used) if used else np.array([])
            xlim = (used.min() - 0.5, used.max() + 0.5) if used.size else (-1.0, 1.0)
        key = top.add_subplot(grid[0, 0])
        cmap = ListedColormap(shades)
        norm = BoundaryNorm(np.arange(0.5, layers + 1.5), cmap.N)
        bar = top.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), cax=key,
                           orientation="horizontal")
        step = max(1, math.ceil(layers / 8))
        bar.set_ticks(range(1, layers + 1, step))
        bar.ax.tick_params(labelsize=SMALL, length=2, pad=1)
        key.set_title("hidden layer (line colour)", fontsize=SMALL, loc="left", pad=2)
        hist_axes = []
        for i, r in enumerate(rows):
            ax = top.add_subplot(grid[i + 1, 0], sharex=hist_axes[0] if hist_axes else None)
            hist_axes.append(ax)
            if r.init in curves:
                x, share = curves[r.init]
                for k in range(share.shape[0]):
                    ax.plot(x, share[k], color=shades[k], lw=1.1)
                peak = float(share.max())
                ax.set_ylim(0, peak * 1.12 if peak > 0 else 1)
                ax.set_yticks([0, peak] if peak > 0 else [0],
                              ["0", f"{peak:.0%}"] if peak > 0 else ["0"])
            ax.set_ylabel(r.init, rotation=0, ha="right", va="center", fontweight="bold")
            ax.tick_params(labelbottom=(i == len(rows) - 1), length=2, pad=1)
            note = top.add_subplot(grid[i + 1, 1])
            note.axis("off")
            inches = FIGURE_WIDTH * 1.15 / 2.15 - 0.15
            note.text(0, 0.5, _wrap(_row_note(r), inches, SMALL), va="center", ha="left",
                      fontsize=SMALL, transform=note.transAxes, gid="row note")
        if xlim is not None:
            hist_axes[0].set_xlim(*xlim)
            hist_axes[-1].set_xlabel("log10 of the ReLU value (positive values)")
        else:
            hist_axes[-1].set_xlabel(f"{activation} value")
        top.suptitle(f"{activation}, {deep} hidden layers: each init's activations at init, layer "
                     f"by layer, and what training made of it\n{_lesson(rows)}", fontsize=FONT + 1)

        panels = [below.add_subplot(cells[0, j]) for j in range(cells.ncols)]
        ax = panels[0]
        for r in rows:
            g = np.array([layer["grad_norm"] for layer in r.at_init], float)
            ok = np.isfinite(g) & (g > 0)
            if ok[:-1].any():
                k = np.arange(1, len(g) + 1)
                ax.plot(k[ok], g[ok], lw=1, ms=3, markevery=max(1, len(g) // 6), **style[r.init])
        ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("layer (last: output)")
        ax.set_title("gradient norm at init")
        ax = panels[1]
        for r in rows:
            acc = r.history.get("val_accuracy") or []
            if acc:
                ax.plot(np.arange(1, len(acc) + 1), acc, lw=1, ms=3,
                        markevery=max(1, len(acc) // 8), **style[r.init])
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        ax.set_xlabel("epoch")
        ax.set_title("test accuracy")
        if len(depths) > 1:
            ax = panels[2]
            for name in inits:
                pts = sorted((r.depth, r.test_accuracy) for r in runs if r.init == name)
                ax.plot([p[0] for p in pts], [p[1] for p in pts], lw=1, ms=4, **style[name])
            ax.set_xticks(depths)
            ax.set_ylim(0, 1.02)
            ax.set_xlabel("hidden layers")
            ax.set_title("final test accuracy by depth")
        handles = [matplotlib.lines.Line2D([], [], lw=1, ms=4, **style[name]) for name in inits]
        ax = below.add_subplot(cells[1, :])
        ax.axis("off")
        ax.legend(handles, inits, loc="center", ncol=min(len(inits), 9), frameon=False,
                  fontsize=SMALL, handlelength=2.5, columnspacing=1.2)
        ax = below.add_subplot(cells[2, :])
        ax.axis("off")
        ax.text(0, 1, words, fontsize=SMALL, va="top", ha="left", transform=ax.transAxes,
                gid="caption")
    return fig


def text_boxes(fig):
    """(string, font size in points, box in pixels) of every line of text
    that drawing ``fig`` at its own dpi puts on the canvas. The renderer
    records each line as it draws it, so hidden tick labels, axes switched
    off and labels outside the view are left out by construction, and a
    text of several lines gives a box per line."""
    from matplotlib.transforms import Affine2D, Bbox
    renderer = fig.canvas.get_renderer()
    drawn = []
    draw_text = renderer.draw_text

    def record(gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if s.strip():
            if renderer.flipy():      # Text.draw hands Agg y from the top; boxes count from the bottom
                y = renderer.height - y
            w, h, d = renderer.get_text_width_height_descent(s, prop, ismath=ismath)
            corners = Affine2D().rotate_deg(angle).translate(x, y).transform(
                [(0, -d), (w, -d), (w, h - d), (0, h - d)])
            drawn.append((s, prop.get_size_in_points(), Bbox.from_extents(
                *corners.min(axis=0), *corners.max(axis=0))))
        return draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    renderer.draw_text = record
    try:
        fig.draw(renderer)
    finally:
        del renderer.draw_text
    return drawn


def plot_paths(path, activations):
    """The files :func:`plot` writes for ``path``: one per activation,
    ``<stem>-<activation><ext>``."""
    stem, ext = os.path.splitext(path)
    return [f"{stem}-{act}{ext}" for act in activations]


def plot(runs, path, fmt="png"):
    """One figure per activation (:func:`figure`), written to the files of
    :func:`plot_paths` in format ``fmt``; returns their paths."""
    import matplotlib.pyplot as plt
    acts = list(dict.fromkeys(r.activation for r in runs))
    written = plot_paths(path, acts)
    for act, name in zip(acts, written):
        fig = figure(runs, act)
        fig.savefig(name, dpi=DPI, format=fmt)
        plt.close(fig)
    return written
