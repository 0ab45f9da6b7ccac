"""Threads: Python threads drawing at once, changing the thread count or the
SIMD level while others draw, spawning generators; the default thread count
(affinity and cgroup quota); show_config(); the warnings of a build without
OpenMP and of bad environment values."""
import contextlib
import os
import shutil
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

import fastinit
from fastinit import _random, _threads

TIMEOUT = 60


@contextlib.contextmanager
def tiny_switch_interval():
    """Switch threads as often as CPython can, so races show."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def in_threads(worker, n=8, timeout=TIMEOUT):
    """Run worker(k) in n threads started together; fail (not hang) past the timeout."""
    barrier = threading.Barrier(n)
    errors = []

    def target(k):
        try:
            barrier.wait()
            worker(k)
        except BaseException as e:        # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=target, args=(k,), daemon=True) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), f"a thread did not finish within {timeout} s"
    if errors:
        raise errors[0]


# ---- many Python threads at once ------------------------------------------------------------
def test_seed_none_never_hands_one_stream_to_two_draws():
    fastinit.seed(7)
    got = [[] for _ in range(8)]

    def worker(k):
        for _ in range(40):
            got[k].append(fastinit.normal((5,), dtype=np.float64).tobytes())

    with tiny_switch_interval():
        in_threads(worker)
    draws = [d for per in got for d in per]
    g = fastinit.Generator(7)
    expected = {g.normal((5,), dtype=np.float64, stream=s).tobytes() for s in range(320)}
    assert len(set(draws)) == 320 and set(draws) == expected


@contextlib.contextmanager
def toggling(change):
    """Run ``change(k)`` for k = 0, 1, 2, ... in a thread until the block ends."""
    stop = threading.Event()

    def loop():
        k = 0
        while not stop.is_set():
            change(k)
            k += 1

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join(TIMEOUT)


def test_set_num_threads_while_others_draw_keeps_the_bits():
    want = {s: fastinit.normal((300, 700), seed=s).tobytes() for s in range(4)}

    def worker(k):
        for _ in range(10):
            s = k % 4
            assert fastinit.normal((300, 700), seed=s).tobytes() == want[s]

    with toggling(lambda k: fastinit.set_num_threads(1 + k % 2)):
        in_threads(worker, n=4)


def test_set_simd_level_while_others_draw_keeps_the_bits():
    level = fastinit.simd_level()
    levels = fastinit.simd_levels()

    def draw(s):
        return (fastinit.normal((200, 301), seed=s).tobytes(),
                fastinit.truncated_normal((200, 301), seed=s, dtype=np.float64).tobytes())
    want = {s: draw(s) for s in range(4)}

    def worker(k):
        for _ in range(10):
            assert draw(k % 4) == want[k % 4]

    try:
        with toggling(lambda k: fastinit.set_simd_level(levels[k % len(levels)])):
            in_threads(worker, n=4)
    finally:
        fastinit.set_simd_level(level)


def test_spawn_from_many_threads_gives_no_duplicate_key():
    g = fastinit.Generator(0)
    keys = [[] for _ in range(8)]

    def worker(k):
        for _ in range(200):
            keys[k] += [child.key for child in g.spawn(2)]

    with tiny_switch_interval():
        in_threads(worker)
    flat = [key for per in keys for key in per]
    assert len(flat) == 3200 and len(set(flat)) == 3200


# ---- the default thread count ------------------------------------------------------------------
@pytest.mark.parametrize("text, cpus", [
    ("max 100000\n", None), ("150000 100000\n", 1.5), ("50000 100000", 0.5),
    ("200000 100000", 2.0), ("", None), ("abc 100000", None), ("-1 100000", None),
])
def test_cpu_quota_reads_cgroup_v2_cpu_max(tmp_path, text, cpus):
    path = tmp_path / "cpu.max"
    path.write_text(text)
    assert _threads.cpu_quota(str(path)) == cpus


def test_cpu_quota_of_a_missing_file_is_none(tmp_path):
    assert _threads.cpu_quota(str(tmp_path / "nope")) is None


@pytest.mark.parametrize("quota, want", [(None, 2), (0.5, 1), (1.0, 1), (1.5, 2), (64.0, 2)])
def test_available_cpus_rounds_the_quota_up(monkeypatch, quota, want):
    monkeypatch.setattr(_threads, "_affinity_cpus", lambda: 2)
    monkeypatch.setattr(_threads, "_quota_cpus", lambda: quota)
    assert _threads.available_cpus() == want


def test_cgroup_files_walk_up_from_the_process_group(tmp_path):
    proc = tmp_path / "cgroup"
    proc.write_text("0::/user.slice/app.scope\n")
    files = _threads._cgroup_quota_files(root="/sys/fs/cgroup", proc=str(proc))
    assert files == ["/sys/fs/cgroup/user.slice/app.scope/cpu.max",
                     "/sys/fs/cgroup/user.slice/cpu.max", "/sys/fs/cgroup/cpu.max"]


def _python(code, env=None, preexec=None, args=()):
    return subprocess.run([sys.executable, *args, "-c", code], capture_output=True, text=True,
                          timeout=TIMEOUT, cwd="/", env=dict(os.environ, **(env or {})),
                          preexec_fn=preexec)


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs sched_setaffinity")
def test_one_cpu_of_affinity_gives_one_thread():
    env = {k: "" for k in ("FASTINIT_NUM_THREADS", "OMP_NUM_THREADS")}
    code = "import fastinit; print(fastinit.get_num_threads())"
    if shutil.which("taskset"):
        res = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], capture_output=True,
                             text=True, timeout=TIMEOUT, cwd="/", env=dict(os.environ, **env))
    else:
        res = _python(code, env, preexec=lambda: os.sched_setaffinity(0, {0}))
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "1"


@pytest.mark.parametrize("name", ["FASTINIT_NUM_THREADS", "OMP_NUM_THREADS"])
def test_out_of_range_thread_env_warns_at_the_users_import(tmp_path, name):
    script = tmp_path / "user.py"
    script.write_text("import numpy\nimport fastinit\nprint(fastinit.get_num_threads())\n")
    res = subprocess.run([sys.executable, "-W", "always", str(script)], capture_output=True,
                         text=True, timeout=TIMEOUT, cwd="/",
                         env={**os.environ, "FASTINIT_NUM_THREADS": "", "OMP_NUM_THREADS": "",
                              name: "100000"})
    assert res.returncode == 0, res.stderr
    if fastinit.have_openmp():
        assert name in res.stderr and "user.py:2" in res.stderr, res.stderr
        assert int(res.stdout) == _threads.available_cpus()


def test_simd_warning_points_at_the_users_import(tmp_path):
    script = tmp_path / "user.py"
    script.write_text("import fastinit\n")
    res = subprocess.run([sys.executable, "-W", "always", str(script)], capture_output=True,
                         text=True, timeout=TIMEOUT, cwd="/",
                         env=dict(os.environ, FASTINIT_SIMD="sse9"))
    assert "FASTINIT_SIMD" in res.stderr and "user.py:1" in res.stderr, res.stderr


def test_omp_num_threads_sets_the_default(tmp_path):
    res = _python("import fastinit; print(fastinit.get_num_threads(), fastinit._threads.thread_source())",
                  env={"FASTINIT_NUM_THREADS": "", "OMP_NUM_THREADS": "1"})
    assert res.stdout.split()[0] == "1", res.stderr


# ---- a build without OpenMP says so --------------------------------------------------------------
@pytest.fixture
def no_openmp(monkeypatch):
    monkeypatch.setattr(_random, "have_openmp", lambda: False)
    monkeypatch.setattr(_threads, "_no_openmp_warned", False)


def test_set_num_threads_without_openmp_warns_once(no_openmp):
    before = fastinit.get_num_threads()
    with pytest.warns(RuntimeWarning, match="without OpenMP"):
        fastinit.set_num_threads(2)
    assert fastinit.get_num_threads() == before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fastinit.set_num_threads(2)          # once per process
        fastinit.set_num_threads(1)


def test_thread_env_without_openmp_warns(no_openmp, monkeypatch):
    monkeypatch.setenv("FASTINIT_NUM_THREADS", "4")
    with pytest.warns(RuntimeWarning, match="FASTINIT_NUM_THREADS=4 .*without OpenMP"):
        assert _threads._initial() == (1, "no OpenMP in this build")


# ---- show_config ----------------------------------------------------------------------------------
def test_show_config_says_how_it_runs(capsys):
    fastinit.show_config()
    text = capsys.readouterr().out
    assert text.startswith(f"fastinit {fastinit.__version__}")
    for words in ["compiler:", "flags:", "openmp:", "level in use: " + fastinit.simd_level(),
                  "levels of this CPU:", f"count: {fastinit.get_num_threads()}", "from:",
                  "user_api=blas"]:
        assert words in text, words
    facts = fastinit.show_config(mode="dicts")
    assert facts["build"]["openmp"] == fastinit.have_openmp()
    if fastinit.have_openmp() and sys.platform.startswith("linux"):
        assert "lib" in facts["build"]["openmp runtime"]
    with pytest.raises(ValueError, match="mode"):
        fastinit.show_config(mode="json")


def test_show_config_names_the_source_of_the_count(capsys):
    fastinit.set_num_threads(1)
    assert _threads.thread_source() == "set_num_threads"
    fastinit.show_config()
    assert "from: set_num_threads" in capsys.readouterr().out
