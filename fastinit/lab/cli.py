"""The command line: ``python -m fastinit compare`` and ``python -m fastinit bench``.

Every option is checked before any training: a bad one is one line on
stderr and exit code 2 (numbers out of range or not finite, output paths
whose folder is missing or that are folders, networks that would not fit in
memory). Ctrl-C is one line and exit code 130, after writing the runs done
so far to ``--json``. ``python -m fastinit`` alone prints this help.
"""
import argparse
import io
import math
import os
import sys
import textwrap
import time

import fastinit
from fastinit.lab import experiment as ex
from fastinit.lab import report
from fastinit.lab.data import DATASETS


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


class _Help(argparse.RawDescriptionHelpFormatter):
    """Option help wrapped between words, never inside a hyphenated name
    ("he-uniform" stays whole)."""

    def _split_lines(self, text, width):
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False,
                             break_long_words=False)


class Progress:
    """A one-line progress bar on stderr (redrawn in place on a terminal)."""

    def __init__(self, stream=sys.stderr, enabled=True):
        self.stream, self.enabled = stream, enabled
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.t0 = time.perf_counter()

    def __call__(self, k, n, label):
        if not self.enabled:
            return
        width = 30
        done = int(width * k / max(n, 1))
        bar = "#" * done + "." * (width - done)
        text = f"[{bar}] {k}/{n} {time.perf_counter() - self.t0:5.1f}s {label}"
        if self.tty:
            self.stream.write("\r" + text.ljust(78)[:78] + ("\n" if k == n else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def _choices(kind, allowed, aliases=None):
    aliases = aliases or {}

    def parse(text):
        names = [t.strip().lower() for t in text.split(",") if t.strip()]
        if not names:
            raise argparse.ArgumentTypeError(f"empty {kind} list")
        out = []
        for name in names:
            name = aliases.get(name, name)
            if name not in allowed:
                raise argparse.ArgumentTypeError(
                    f"unknown {kind} {name!r} (choose from {', '.join(allowed)})")
            if name not in out:
                out.append(name)
        return tuple(out)
    return parse


def _number(kind, low, integer=True, strict=False, below=None):
    """A finite int or float >= low (> low if strict) and < below."""
    def parse(text):
        try:
            v = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an int' if integer else 'a number'}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{kind} must be a finite number, got {text}")
        if v < low or (strict and v == low):
            raise argparse.ArgumentTypeError(f"{kind} must be {'>' if strict else '>='} {low}, got {text}")
        if below is not None and v >= below:
            raise argparse.ArgumentTypeError(f"{kind} must be < {below}, got {text}")
        return v
    return parse


def _depths(text):
    """--depth: one int or a comma-separated list, each in [1, 1000]."""
    out = []
    for t in text.split(","):
        t = t.strip()
        try:
            d = int(t)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{t!r} is not an int") from None
        if not 1 <= d <= 1000:
            raise argparse.ArgumentTypeError(f"--depth values must be in [1, 1000], got {d}")
        if d not in out:
            out.append(d)
    if not out:
        raise argparse.ArgumentTypeError("empty --depth list")
    return tuple(out)


def _clip(text):
    """--clip: a finite number > 0, or none."""
    if text.strip().lower() == "none":
        return None
    return _number("--clip", 0, integer=False, strict=True)(text)


def _seeds(text):
    """--seeds: a count N (seeds --seed .. --seed + N - 1) or a list of seeds."""
    parts = [t.strip() for t in text.split(",") if t.strip()]
    try:
        values = [int(t) for t in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an int or a list of ints") from None
    if not values:
        raise argparse.ArgumentTypeError("empty --seeds")
    if len(values) == 1:
        if not 1 <= values[0] <= 1000:
            raise argparse.ArgumentTypeError(f"--seeds N must be in [1, 1000], got {values[0]}")
        return ("count", values[0])
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError(f"--seeds must be non-negative, got {text}")
    return ("list", tuple(dict.fromkeys(values)))


def build_parser():
    p = _Parser(prog="fastinit", description="fastinit: fast, reproducible weight initialization.")
    p.add_argument("--version", action="version", version=f"fastinit {fastinit.__version__}")
    sub = p.add_subparsers(dest="command", metavar="{compare,bench}", parser_class=_Parser)

    d = ex.Config()
    c = sub.add_parser(
        "compare", formatter_class=_Help,
        help="train the same deep MLP under each initialization and judge it",
        description=(
            "Run the source documents' experiment: for each depth x init x activation, build\n"
            "the same deep MLP on a data set, measure it at init (activation std and gradient\n"
            "norm per layer, distinct units), train it, and judge it twice: a diagnosis at\n"
            "init and an outcome after training.\n\n"
            "Inits: " + "; ".join(f"{k}: {v.about}" for k, v in ex.INITS.items()) + ".\n\n"
            "Diagnosis at init, first match wins:\n" + report.rules_text() + "\n\n"
            "Outcome after training (chance: the test set's majority class share):\n"
            + report.outcomes_text() + "\n"
            f"Epochs to target: the first epoch at {ex.TARGET:.0%} of the way from chance to 1."),
    )
    c.add_argument("--data", choices=tuple(DATASETS), default=d.data,
                   help="data set (default %(default)s); digits: scikit-learn's 8x8 handwritten "
                        "digits (1797 images, 10 classes; pip install 'fastinit-philox[data]')")
    c.add_argument("--samples", type=_number("--samples", 8), default=d.samples,
                   help="samples, 1/4 held out for test (default %(default)s)")
    c.add_argument("--noise", type=_number("--noise", 0, integer=False), default=d.noise,
                   help="noise level (default %(default)s)")
    c.add_argument("--init", type=_choices("init", tuple(ex.INITS), ex.ALIASES), default=d.inits,
                   help="comma-separated inits of " + ", ".join(ex.INITS) + " (default: "
                        + ", ".join(ex.DEFAULT_INITS) + ")")
    c.add_argument("--activation", type=_choices("activation", ex.ACTIVATIONS), default=d.activations,
                   help="comma-separated hidden activations (default: relu,tanh,sigmoid)")
    c.add_argument("--depth", type=_depths, default=d.depths,
                   help="hidden layers: one int or a list, each run at every depth (default 3,8)")
    c.add_argument("--width", type=_number("--width", 1), default=d.width,
                   help="units per hidden layer (default %(default)s)")
    c.add_argument("--epochs", type=_number("--epochs", 1), default=d.epochs,
                   help="training epochs (default %(default)s)")
    c.add_argument("--lr", type=_number("--lr", 0, integer=False, strict=True), default=None,
                   help="learning rate (default 0.02 x min(1, 8/depth): 0.02 at depth 8, 0.0053 at 30)")
    c.add_argument("--momentum", type=_number("--momentum", 0, integer=False, below=1), default=d.momentum,
                   help="SGD momentum in [0, 1) (default %(default)s)")
    c.add_argument("--clip", type=_clip, default=d.clip,
                   help="clip the global gradient norm at this value before each step, for every "
                        "init alike; 'none' for plain SGD (default %(default)s)")
    c.add_argument("--batch-size", type=_number("--batch-size", 1), default=d.batch_size,
                   help="mini-batch size (default %(default)s)")
    c.add_argument("--seed", type=_number("--seed", 0), default=d.seed,
                   help="seed of the data, the weights and the shuffling (default %(default)s)")
    c.add_argument("--seeds", type=_seeds, default=None, metavar="N|LIST",
                   help="run every cell on several seeds (N: --seed, --seed + 1, ...; or a list "
                        "like 0,3,7) and report per cell how many learned, partly learned, "
                        "stalled and diverged, and the median epochs to target")
    c.add_argument("--dtype", choices=("float32", "float64"), default=d.dtype, help="(default %(default)s)")
    c.add_argument("--json", metavar="FILE", help="write everything, per layer and per epoch, to FILE "
                                                  "('-': to stdout, and the table to stderr)")
    c.add_argument("--plot", metavar="FILE.png",
                   help="draw one figure per activation (needs matplotlib), written to "
                        "FILE-<activation>.png: a row per init with the activation histograms of "
                        "every hidden layer at init (deepest depth) and the diagnosis and outcome "
                        "in words; below, the gradient norm of every layer at init, the test "
                        "accuracy per epoch and, with several depths, the final accuracy by depth; "
                        "and a caption of how to read it. The format follows the extension (png, "
                        "pdf, svg, ...; none: png)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    b = sub.add_parser("bench", help="time fastinit against NumPy (and PyTorch if installed)",
                       description="Time fastinit against the NumPy code people write, side by side, "
                                   "and print the ratios (NumPy time / fastinit time).")
    b.add_argument("--quick", action="store_true", help="small and medium sizes only")
    b.add_argument("--min-time", type=_number("--min-time", 0, integer=False, strict=True), default=0.2,
                   help="seconds per measurement (default %(default)s)")
    return p


def _memory_available():
    """Bytes of memory this process can still get (MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def memory_needed(cfg):
    """An upper estimate of the bytes one network of ``cfg`` holds: weights,
    gradients, velocities, a W.T copy and a snapshot (6 copies of the
    parameters), and outputs and gradients of every layer for up to four batch
    sizes, the whole data set the largest."""
    item = 4 if cfg.dtype == "float32" else 8
    sizes = [64] + [cfg.width] * max(cfg.depths) + [10]
    params = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    rows = cfg.samples + cfg.batch_size + min(cfg.probe, cfg.samples)
    return item * (6 * params + 2 * 2 * rows * sum(sizes))


def _check_path(option, path, err):
    """An output file's folder must exist and the path must not be a folder."""
    if path is None or path == "-":
        return True
    if not path.strip():
        err.write(f"fastinit compare: error: {option} needs a file name, got {path!r}\n")
        return False
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        err.write(f"fastinit compare: error: {option} {path!r} is a folder; give a file name\n")
        return False
    if not os.path.isdir(folder):
        err.write(f"fastinit compare: error: {option} {path!r}: folder {folder!r} does not exist\n")
        return False
    if not os.access(folder, os.W_OK):
        err.write(f"fastinit compare: error: {option} {path!r}: folder {folder!r} is not writable\n")
        return False
    return True


def plot_path(path):
    """The name --plot's files are made from (one per activation,
    ``report.plot_paths``): the path as given, with ".png" added when it has
    no extension (what matplotlib's savefig does); and its format."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    return (path, ext) if ext else (path + ".png", "png")


def _check_plot(path, err):
    """--plot: a file path whose folder exists, matplotlib installed, and a
    format it writes (in that order: the path does not need matplotlib)."""
    if path == "-":
        err.write("fastinit compare: error: --plot needs a file name, not '-'\n")
        return False
    if os.path.isdir(path):        # before the .png is added: never <folder>.png beside it
        err.write(f"fastinit compare: error: --plot {path!r} is a folder; give a file name "
                  f"(e.g. {os.path.join(path, 'compare.png')!r})\n")
        return False
    written, ext = plot_path(path)
    if not _check_path("--plot", written, err):
        return False
    try:
        import matplotlib  # noqa: F401   (first: a loaded submodule would not check it)
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        err.write("fastinit compare: error: --plot needs matplotlib: "
                  "pip install 'fastinit-philox[plot]' (or pip install matplotlib)\n")
        return False
    formats = FigureCanvasBase.get_supported_filetypes()
    if ext not in formats:
        err.write(f"fastinit compare: error: --plot {path!r}: matplotlib cannot write .{ext} files; "
                  f"use one of {', '.join('.' + f for f in sorted(formats))}\n")
        return False
    return True


def _check(args, cfg, err):
    """Every check that can fail before training; False after one line on err."""
    if args.plot is not None and not _check_path("--plot", args.plot, err):
        return False
    if args.plot is not None and not _check_plot(args.plot, err):
        return False
    if not _check_path("--json", args.json, err):
        return False
    if cfg.data == "digits":
        try:
            import sklearn  # noqa: F401
        except ImportError:
            err.write("fastinit compare: error: --data digits needs scikit-learn: "
                      "pip install 'fastinit-philox[data]' (or pip install scikit-learn)\n")
            return False
    need, have = memory_needed(cfg), _memory_available()
    if have is not None and need > 0.8 * have:
        err.write(f"fastinit compare: error: a {max(cfg.depths)}x{cfg.width} network on {cfg.samples} samples "
                  f"needs about {need / 2**30:.1f} GiB; this machine has {have / 2**30:.1f} GiB "
                  "available: lower --depth, --width or --samples\n")
        return False
    return True


def _seed_list(args):
    if args.seeds is None:
        return ()
    kind, value = args.seeds
    return tuple(range(args.seed, args.seed + value)) if kind == "count" else value


def compare(args, out=None, err=None):
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    cfg = ex.Config(data=args.data, samples=args.samples, noise=args.noise, depths=args.depth,
                    width=args.width, epochs=args.epochs, lr=args.lr, momentum=args.momentum,
                    clip=args.clip,
                    batch_size=args.batch_size, seed=args.seed, dtype=args.dtype,
                    inits=args.init, activations=args.activation, seeds=_seed_list(args))
    if not _check(args, cfg, err):
        return 2
    json_out = args.json == "-"
    table = err if json_out else out        # --json -: JSON alone on stdout
    t0 = time.perf_counter()
    runs = []
    try:
        ex.run_all(cfg, progress=Progress(err, enabled=not args.no_progress), runs=runs)
    except KeyboardInterrupt:
        total = len(ex.seeds_of(cfg)) * len(cfg.depths) * len(cfg.inits) * len(cfg.activations)
        err.write(f"\nfastinit compare: interrupted after {len(runs)} of {total} networks\n")
        if runs:
            _report(cfg, runs, table, args, time.perf_counter() - t0, interrupted=True)
        if args.json is not None and runs:
            _write_json(cfg, runs, args.json, out, err)
        if runs:
            _next_steps(cfg, args, table)
        return 130
    seconds = time.perf_counter() - t0
    _report(cfg, runs, table, args, seconds)
    if args.json is not None:
        _write_json(cfg, runs, args.json, out, table)
    if args.plot is not None:
        path, ext = plot_path(args.plot)
        written = report.plot([r for r in runs if r.seed == ex.seeds_of(cfg)[0]], path, ext)
        for name in written:
            print(f"wrote {name}", file=table)
    _next_steps(cfg, args, table)
    return 0


def _report(cfg, runs, table, args, seconds, interrupted=False):
    """The tables of the finished ``runs``, their legend, the rules, and
    what to try next, in 100 columns."""
    seeds = ex.seeds_of(cfg)
    if cfg.lr is None:
        lrs = ", ".join(f"{ex.default_lr(d):.3g} at depth {d}" for d in cfg.depths)
    else:
        lrs = f"{cfg.lr:.3g}"
    head = (f"fastinit compare: {cfg.data} ({len(runs) and runs[0].chance:.2f} chance), MLP of "
            f"{'/'.join(map(str, cfg.depths))} hidden layers of {cfg.width} units, softmax output; "
            f"{cfg.epochs} epochs of SGD, learning rate {lrs}, momentum {cfg.momentum}, "
            f"gradient-norm clip {cfg.clip if cfg.clip is not None else 'none'}, batch {cfg.batch_size}, "
            + (f"seeds {_span(seeds)}" if len(seeds) > 1 else f"seed {cfg.seed}") + f", {cfg.dtype}")
    print(textwrap.fill(head, WIDTH), file=table)
    for depth in cfg.depths:
        at = [r for r in runs if r.depth == depth]
        if not at:
            continue
        if len(seeds) > 1:
            print(f"\ndepth {depth}, outcomes over {len(seeds)} seeds (each: its own data split, "
                  "weights and batch order):", file=table)
            print(report.rates_table(at), file=table)
        else:
            print(f"\ndepth {depth}:", file=table)
            print(report.table(at), file=table)
    if len(cfg.depths) > 1 and len({r.depth for r in runs}) > 1:
        print("\noutcome (epochs to target) by init and depth"
              + (f", over {len(seeds)} seeds:" if len(seeds) > 1 else ":"), file=table)
        print(report.matrix(runs), file=table)
    note = ex.sigmoid_note(runs)
    if note:
        print("\n" + textwrap.fill(note, WIDTH), file=table)
    print(file=table)
    print(textwrap.fill(report.LEGEND.format(target=ex.TARGET), WIDTH), file=table)
    print("Diagnosis at init, first match wins:", file=table)
    print(_wrapped(report.rules_text()), file=table)
    print("Outcome after training:", file=table)
    print(_wrapped(report.outcomes_text()), file=table)
    print(f"\n{len(runs)} networks in {seconds:.1f} s" + (" before the interrupt" if interrupted else ""),
          file=table)


def _next_steps(cfg, args, table):
    """What to try next: the options this run did not use."""
    tips = []
    if not cfg.seeds:
        tips.append("--seeds 5 for rates over five seeds")
    if not args.plot:
        tips.append("--plot FILE.png for a figure per activation")
    if not args.json:
        tips.append("--json FILE for every number and each run's 'why'")
    if tips:
        print(textwrap.fill("Next: " + "; ".join(tips) + "; --help for every option.", WIDTH), file=table)


WIDTH = report.WIDTH   # every line of the report fits this many columns


def _wrapped(text):
    """Indented rule lines wrapped to WIDTH, continuations under their text."""
    return "\n".join(textwrap.fill(line, WIDTH, subsequent_indent="     ") for line in text.splitlines())


def _span(seeds):
    """'0-4' for consecutive seeds, else '0,3,7'."""
    if len(seeds) > 2 and list(seeds) == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}"
    return ",".join(map(str, seeds))


def _write_json(cfg, runs, path, out, note):
    if path == "-":
        buf = io.StringIO()
        report.to_json(cfg, runs, buf)
        out.write(buf.getvalue() + "\n")
        out.flush()
        return
    report.to_json(cfg, runs, path)
    print(f"wrote {path}", file=note)


def bench(args, out=None):
    out = sys.stdout if out is None else out
    from fastinit.lab import bench as _bench
    print(f"fastinit {fastinit.__version__} ({fastinit.simd_level()}, {fastinit.get_num_threads()} threads) "
          f"against NumPy; ratio = NumPy time / fastinit time, measured in this run", file=out)
    _bench.run(min_time=args.min_time, stream=out, quick=args.quick)
    return 0


def _joined_values(argv):
    """``--seeds -1,2`` as ``--seeds=-1,2``: argparse reads a value that
    starts with '-' (and is not a plain negative number) as an option, and
    would say "expected one argument" instead of what is wrong with it."""
    argv = list(sys.argv[1:] if argv is None else argv)
    out = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--seeds" and i + 1 < len(argv) and argv[i + 1][:1] == "-" and argv[i + 1][1:2].isdigit():
            out.append(f"{a}={argv[i + 1]}")
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(_joined_values(argv))
    if args.command is None:   # python -m fastinit alone: the help
        parser.print_help()
        return 0
    if args.command == "compare":
        return compare(args)
    try:
        return bench(args)
    except KeyboardInterrupt:
        sys.stderr.write("\nfastinit bench: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
