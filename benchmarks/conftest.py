"""Benchmarks: each fastinit case beside the NumPy way people write it, in
one group, with the ratio printed at the end (NumPy time / fastinit time,
both medians from this run)."""
import collections
import os

# One BLAS thread, as the dense comparisons ask; must precede numpy.
# (fastinit's own thread count is set per case.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402

RESULTS = collections.defaultdict(dict)   # group -> impl -> (median, q1, q3) seconds
BUSY = {}   # test_bench_busy: seconds of `fastinit compare` with all cores busy
SCALE = {}  # test_bench_scale: case -> (ratio, target, low, high)
CPU = {}    # test_bench_cpu: case -> (ratio, target or None, low, high)
HEAVY = "the heavy sections (at scale, whole models, a busy machine) run with --benchmark-heavy"


def pytest_collection_modifyitems(config, items):
    """The heavy sections run only with --benchmark-heavy (CI and the docs
    pass it): the default --benchmark-only stays a few minutes."""
    if config.getoption("benchmark_heavy", default=False):
        return
    skip = pytest.mark.skip(reason=HEAVY)
    for item in items:
        if item.get_closest_marker("heavy"):
            item.add_marker(skip)


@pytest.fixture
def self_timed(benchmark):
    """For a case that times itself (its figures go to the summary):
    pytest-benchmark needs one call of the fixture, so this records an
    empty call in a group that says it is not a measurement."""
    def done():
        benchmark.group = "not a measurement: this case times itself (its ratio is in the summary)"
        benchmark.pedantic(lambda: None, rounds=1)
    return done


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
            st = stats.stats
            RESULTS[group][impl] = (st.median, st.q1, st.q3)
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


def _verdict(ratio, target, at_least=True):
    """' (>= 5x)' after a met target, ' (>= 5x) MISSED' after a missed one."""
    if target is None:
        return ""
    met = ratio >= target if at_least else ratio <= target
    return f"  ({'>=' if at_least else '<='} {target:.3g}x){'' if met else '  MISSED'}"


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter, config):
    rows = [(g, r) for g, r in RESULTS.items() if "fastinit" in r and "numpy" in r]
    tr = terminalreporter
    missed = []
    if BUSY:
        tr.section("busy machine: fastinit compare, every core busy with other work (one round each)")
        d, one = BUSY["defaults"], BUSY["one BLAS thread"]
        tr.write_line(f"defaults {d:.2f} s, one BLAS thread {one:.2f} s: {d / one:.2f}x"
                      + _verdict(d / one, 1.3, at_least=False))
        missed += ["busy machine"] if d / one > 1.3 else []
    if SCALE:
        tr.section("at scale: other engine's time / fastinit's time, best of the rounds "
                   "(lowest-highest cross ratio), target")
        for case, (ratio, target, lo, hi, *rest) in SCALE.items():
            at_least = not rest or rest[0]       # a fifth item False: the target is a ceiling
            tr.write_line(f"{case:<52} {ratio:7.2f}x ({lo:.2f}-{hi:.2f}){_verdict(ratio, target, at_least)}")
            missed += [case] if (ratio < target if at_least else ratio > target) else []
    if CPU:
        tr.section("on the CPU, one thread: other's time / fastinit's time, best rounds "
                   "(interquartile range of the rounds), target")
        for case, (ratio, target, lo, hi) in CPU.items():
            tr.write_line(f"{case:<76} {ratio:7.2f}x ({lo:.2f}-{hi:.2f}){_verdict(ratio, target)}")
            missed += [case] if target is not None and ratio < target else []
    if rows:
        tr.section("fastinit speed-up over NumPy: ratio of the medians of this run "
                   "(from the quartiles: lowest-highest)")
        torch = any("torch" in r for _, r in rows)
        tr.write_line(f"{'case':<46} {'vs NumPy':>22}" + (f" {'vs torch':>22}" if torch else ""))
        for group, r in rows:
            line = f"{group:<46} {_ratio(r['numpy'], r['fastinit']):>22}"
            if "torch" in r:
                line += f" {_ratio(r['torch'], r['fastinit']):>22}"
            tr.write_line(line)
        tr.section("fastinit thread scaling (1 thread time / all threads time, medians)")
        for group, r in rows:
            last = group.rsplit(" ", 1)[-1]
            if not (last.startswith("t") and last[1:].isdigit()) or last == "t1":
                continue
            base = RESULTS.get(group.rsplit(" t", 1)[0] + " t1", {}).get("fastinit")
            if base:
                tr.write_line(f"{group:<46} {base[0] / r['fastinit'][0]:7.2f}x")
    if missed:
        tr.section("targets missed in this run")
        for case in missed:
            tr.write_line(f"MISSED: {case}")
    if not config.getoption("benchmark_heavy", default=False):
        tr.write_line(f"\nNot in this run: {HEAVY}.")


def _ratio(other, ours):
    """'2.31x (2.10-2.55)': the ratio of the medians, and of the quartiles
    taken the two ways (other's q1 / ours' q3 .. other's q3 / ours' q1)."""
    (m_o, q1_o, q3_o), (m_f, q1_f, q3_f) = other, ours
    return f"{m_o / m_f:.2f}x ({q1_o / q3_f:.2f}-{q3_o / q1_f:.2f})"
