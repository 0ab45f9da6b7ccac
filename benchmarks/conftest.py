"""Benchmarks: each fastinit case beside the NumPy way people write it, in
one group, with the ratio printed at the end (NumPy time / fastinit time,
both medians from this run)."""
import collections
import os

# One BLAS thread, as the dense comparisons ask; must precede numpy.
# (fastinit's own thread count is set per case.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402

RESULTS = collections.defaultdict(dict)
BUSY = {}   # test_bench_busy: seconds of `fastinit compare` with all cores busy
SCALE = {}  # test_bench_scale: case -> (ratio, target)
CPU = {}    # test_bench_cpu: case -> (ratio, target or None)


@pytest.fixture
def busy_results():
    return BUSY


@pytest.fixture
def scale_results():
    return SCALE


@pytest.fixture
def cpu_results():
    return CPU


@pytest.fixture
def record():
    def _record(group, impl, benchmark):
        stats = getattr(benchmark, "stats", None)
        if stats is not None and getattr(stats, "stats", None) is not None:
            RESULTS[group][impl] = stats.stats.median
    return _record


def pytest_configure(config):
    """pytest-benchmark's columns and time per case, unless given on the
    command line (they are not in pyproject's addopts, so plain `pytest`
    runs where the plugin is not installed)."""
    if not config.pluginmanager.hasplugin("benchmark"):
        return
    given = " ".join(map(str, config.invocation_params.args))
    if "--benchmark-columns" not in given:
        config.option.benchmark_columns = ["median", "iqr", "rounds"]
    if "--benchmark-max-time" not in given:
        config.option.benchmark_max_time = 0.25


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    rows = [(g, r) for g, r in RESULTS.items() if "fastinit" in r and "numpy" in r]
    tr = terminalreporter
    if BUSY:
        tr.section("busy machine: fastinit compare, every core busy with other work")
        d, one = BUSY["defaults"], BUSY["one BLAS thread"]
        tr.write_line(f"defaults {d:.2f} s, one BLAS thread {one:.2f} s: {d / one:.2f}x (target: <= 1.3x)")
    if SCALE:
        tr.section("at scale: other engine's time / fastinit's time (target)")
        for case, (ratio, target) in SCALE.items():
            tr.write_line(f"{case:<52} {ratio:7.2f}x  (>= {target:g}x)")
    if CPU:
        tr.section("on the CPU, one thread: other's time / fastinit's time (target)")
        for case, (ratio, target) in CPU.items():
            goal = "" if target is None else f"  (>= {target:.3g}x)"
            tr.write_line(f"{case:<76} {ratio:7.2f}x{goal}")
    if not rows:
        return
    tr.section("fastinit speed-up over NumPy (median time ratio, same run)")
    torch = any("torch" in r for _, r in rows)
    tr.write_line(f"{'case':<46} {'vs NumPy':>9}" + (f" {'vs torch':>9}" if torch else ""))
    for group, r in rows:
        line = f"{group:<46} {r['numpy'] / r['fastinit']:8.2f}x"
        if "torch" in r:
            line += f" {r['torch'] / r['fastinit']:8.2f}x"
        tr.write_line(line)
    tr.section("fastinit thread scaling (1 thread time / all threads time)")
    for group, r in rows:
        last = group.rsplit(" ", 1)[-1]
        if not (last.startswith("t") and last[1:].isdigit()) or last == "t1":
            continue
        base = RESULTS.get(group.rsplit(" t", 1)[0] + " t1", {}).get("fastinit")
        if base:
            tr.write_line(f"{group:<46} {base / r['fastinit']:7.2f}x")
