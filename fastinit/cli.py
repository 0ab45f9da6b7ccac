"""The command line: ``python -m fastinit compare`` and ``python -m fastinit bench``."""
import argparse
import sys
import time

from fastinit import __version__
from fastinit import experiment as ex
from fastinit import report
from fastinit.data import DATASETS


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr and exit code 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


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


def _number(kind, low, integer=True, strict=False):
    def parse(text):
        try:
            v = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an int' if integer else 'a number'}") from None
        if v < low or (strict and v == low) or v != v:
            raise argparse.ArgumentTypeError(f"{kind} must be {'>' if strict else '>='} {low}, got {text}")
        return v
    return parse


def build_parser():
    p = _Parser(prog="fastinit", description="fastinit: fast, reproducible weight initialization.")
    p.add_argument("--version", action="version", version=f"fastinit {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{compare,bench}", parser_class=_Parser)
    sub.required = True

    d = ex.Config()
    c = sub.add_parser(
        "compare", formatter_class=argparse.RawDescriptionHelpFormatter,
        help="train the same deep MLP under each initialization and judge it",
        description=(
            "Run the source documents' experiment: for each init x activation, build the same\n"
            "deep MLP on a data set made here, measure it at init (activation std and gradient\n"
            "norm per layer, distinct units), train it, and give a verdict.\n\n"
            "Inits: " + "; ".join(f"{k}: {v.about}" for k, v in ex.INITS.items()) + ".\n\n"
            "Verdicts, first match wins:\n" + report.rules_text()),
    )
    c.add_argument("--data", choices=tuple(DATASETS), default=d.data, help="data set (default %(default)s)")
    c.add_argument("--samples", type=_number("--samples", 8), default=d.samples, help="samples, 1/4 held out for test (default %(default)s)")
    c.add_argument("--noise", type=_number("--noise", 0, integer=False), default=d.noise, help="noise level (default %(default)s)")
    c.add_argument("--init", type=_choices("init", tuple(ex.INITS), ex.ALIASES), default=d.inits,
                   help="comma-separated inits (default: all of " + ",".join(ex.INITS) + ")")
    c.add_argument("--activation", type=_choices("activation", ex.ACTIVATIONS), default=d.activations,
                   help="comma-separated hidden activations (default: relu,tanh,sigmoid)")
    c.add_argument("--depth", type=_number("--depth", 1), default=d.depth, help="hidden layers (default %(default)s)")
    c.add_argument("--width", type=_number("--width", 1), default=d.width, help="units per hidden layer (default %(default)s)")
    c.add_argument("--epochs", type=_number("--epochs", 1), default=d.epochs, help="training epochs (default %(default)s)")
    c.add_argument("--lr", type=_number("--lr", 0, integer=False, strict=True), default=None,
                   help="learning rate (default 0.02 x min(1, 8/depth): 0.02 at depth 8, 0.0053 at 30)")
    c.add_argument("--momentum", type=_number("--momentum", 0, integer=False), default=d.momentum,
                   help="SGD momentum in [0, 1) (default %(default)s)")
    c.add_argument("--batch-size", type=_number("--batch-size", 1), default=d.batch_size, help="mini-batch size (default %(default)s)")
    c.add_argument("--seed", type=_number("--seed", 0), default=d.seed, help="seed of the data, the weights and the shuffling (default %(default)s)")
    c.add_argument("--dtype", choices=("float32", "float64"), default=d.dtype, help="(default %(default)s)")
    c.add_argument("--json", metavar="FILE", help="write everything, per layer and per epoch, to FILE")
    c.add_argument("--plot", metavar="FILE.png", help="draw activation histograms at init and loss curves (needs matplotlib)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    b = sub.add_parser("bench", help="time fastinit against NumPy (and PyTorch if installed)",
                       description="Time fastinit against the NumPy code people write, side by side, "
                                   "and print the ratios (NumPy time / fastinit time).")
    b.add_argument("--quick", action="store_true", help="small and medium sizes only")
    b.add_argument("--min-time", type=_number("--min-time", 0, integer=False, strict=True), default=0.2,
                   help="seconds per measurement (default %(default)s)")
    return p


def compare(args, out=None, err=None):
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if args.momentum >= 1:
        raise SystemExit(f"fastinit compare: error: --momentum must be < 1, got {args.momentum}")
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            err.write("fastinit compare: error: --plot needs matplotlib: "
                      "pip install 'fastinit[plot]' (or pip install matplotlib)\n")
            return 2
    cfg = ex.Config(data=args.data, samples=args.samples, noise=args.noise, depth=args.depth,
                    width=args.width, epochs=args.epochs, lr=args.lr, momentum=args.momentum,
                    batch_size=args.batch_size, seed=args.seed, dtype=args.dtype,
                    inits=args.init, activations=args.activation)
    lr = ex.default_lr(cfg.depth) if cfg.lr is None else cfg.lr
    t0 = time.perf_counter()
    runs = ex.run_all(cfg, progress=Progress(err, enabled=not args.no_progress))
    seconds = time.perf_counter() - t0
    print(f"fastinit compare: {cfg.data} ({cfg.samples} samples, noise {cfg.noise}), MLP "
          f"{cfg.depth}x{cfg.width} hidden, softmax output, {cfg.epochs} epochs, lr {lr:.3g}, "
          f"momentum {cfg.momentum}, batch {cfg.batch_size}, seed {cfg.seed}, {cfg.dtype}", file=out)
    print(file=out)
    print(report.table(runs), file=out)
    print(file=out)
    print("std first/last: activation std of the first and last hidden layer at init; grad first/last:",
          file=out)
    print("ratio of the first to the last layer's gradient norm at init; units: distinct units per",
          file=out)
    print("hidden layer (n xdepth) at init and after training; test acc after the last epoch.", file=out)
    print("Verdicts, first match wins:", file=out)
    print(report.rules_text(), file=out)
    print(f"\n{len(runs)} networks in {seconds:.1f} s", file=out)
    if args.json:
        report.to_json(cfg, runs, args.json)
        print(f"wrote {args.json}", file=out)
    if args.plot:
        report.plot(runs, args.plot)
        print(f"wrote {args.plot}", file=out)
    return 0


def bench(args, out=None):
    out = sys.stdout if out is None else out
    from fastinit import bench as _bench
    import fastinit
    from fastinit import _random
    print(f"fastinit {fastinit.__version__} ({_random.simd_level()}, {fastinit.get_num_threads()} threads) "
          f"against NumPy; ratio = NumPy time / fastinit time, measured in this run", file=out)
    _bench.run(min_time=args.min_time, stream=out, quick=args.quick)
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "compare":
        return compare(args)
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
