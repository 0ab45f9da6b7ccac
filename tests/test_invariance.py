"""Index-addressability, bit for bit: thread counts, shards, Python threads."""
import threading

import numpy as np
import pytest

import fastinit

FLOATS = (np.float32, np.float64)

DRAWS = {
    "normal": lambda shape, **kw: fastinit.normal(shape, 0.1, 2.0, **kw),
    "uniform": lambda shape, **kw: fastinit.uniform(shape, -1.0, 3.0, **kw),
    "truncated_normal": lambda shape, **kw: fastinit.truncated_normal(shape, 0.0, 1.0, -1.0, 2.5, **kw),
    "he_normal": lambda shape, **kw: fastinit.he_normal(shape, **kw),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_thread_count_never_changes_the_bits(name, dtype):
    draw = DRAWS[name]
    results = []
    for n in (1, 2, 4):
        fastinit.set_num_threads(n)
        results.append(draw((700, 1001), dtype=dtype, seed=3))
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


@pytest.mark.parametrize("name", ["normal", "uniform", "truncated_normal"])
def test_ragged_shards_assemble_into_the_whole(name, dtype):
    draw = DRAWS[name]
    n = 1_000_003
    whole = draw((n,), dtype=dtype, seed=9, stream=4)
    cuts = [0, 1, 142_857, 142_860, 400_001, 700_000, 999_999, n]  # 7 ragged parts
    fastinit.set_num_threads(2)
    parts = [draw((b - a,), dtype=dtype, seed=9, stream=4, offset=a) for a, b in zip(cuts, cuts[1:])]
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_shard_equals_slice_for_every_small_offset():
    for dtype in FLOATS:
        whole = fastinit.normal((64,), seed=5, dtype=dtype)
        for k in range(0, 20):
            for n in (1, 2, 3, 7):
                np.testing.assert_array_equal(fastinit.normal((n,), seed=5, offset=k, dtype=dtype), whole[k:k + n])


def test_eight_python_threads_equal_serial_calls():
    fastinit.set_num_threads(2)
    jobs = [(name, dtype, seed) for name in sorted(DRAWS) for dtype in FLOATS for seed in (1, 2)]
    serial = [DRAWS[name]((300, 301), dtype=dtype, seed=seed) for name, dtype, seed in jobs]
    results = [None] * len(jobs)
    barrier = threading.Barrier(8)

    def worker(k):
        barrier.wait()
        for i in range(k, len(jobs), 8):
            name, dtype, seed = jobs[i]
            results[i] = DRAWS[name]((300, 301), dtype=dtype, seed=seed)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(results, serial):
        np.testing.assert_array_equal(a, b)


def test_stream_reservation_is_thread_safe():
    g = fastinit.Generator(4)
    got = []
    lock = threading.Lock()

    def worker():
        for _ in range(50):
            x = g.normal((3,), dtype=np.float64)
            with lock:
                got.append(x.tobytes())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    h = fastinit.Generator(4)
    expected = {h.normal((3,), dtype=np.float64, stream=s).tobytes() for s in range(400)}
    assert set(got) == expected and len(set(got)) == 400


def test_thread_count_api():
    fastinit.set_num_threads(3)
    assert fastinit.get_num_threads() in (1, 3)  # 1 when built without OpenMP
    for bad in [0, -2]:
        with pytest.raises(ValueError, match="n"):
            fastinit.set_num_threads(bad)
    for bad in [1.5, "2", None]:
        with pytest.raises(TypeError, match="n"):
            fastinit.set_num_threads(bad)


def test_env_var_sets_thread_count(tmp_path):
    import subprocess
    import sys
    code = "import fastinit; print(fastinit.get_num_threads(), fastinit._random.have_openmp())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path,
                         env={**__import__("os").environ, "FASTINIT_NUM_THREADS": "3"}).stdout.split()
    assert out[0] == ("3" if out[1] == "True" else "1")


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**63), stream=st.integers(0, 2**64 - 1),
       start=st.integers(0, 2**40), cuts=st.lists(st.integers(0, 300), min_size=1, max_size=6),
       kind=st.sampled_from(["normal", "uniform", "truncated_normal"]), dtype=st.sampled_from(FLOATS))
def test_any_split_at_any_offset_assembles(seed, stream, start, cuts, kind, dtype):
    """Property: a draw at offset `start` equals the concatenation of its pieces
    drawn separately at their own offsets, for any sizes, seeds and streams.
    (Not he_normal of a 1-D shape: its scale depends on the piece's length.)"""
    draw = DRAWS[kind]
    total = sum(cuts)
    whole = draw((total,), dtype=dtype, seed=seed, stream=stream, offset=start)
    pieces, at = [], start
    for n in cuts:
        pieces.append(draw((n,), dtype=dtype, seed=seed, stream=stream, offset=at))
        at += n
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


def test_openmp_spin_default_respects_the_user(tmp_path):
    import os
    import subprocess
    import sys
    code = "import os, fastinit; print(os.environ.get('GOMP_SPINCOUNT'))"
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}

    def run(**extra):
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=tmp_path, env={**env, **extra}).stdout.strip()

    assert run() == "1000"
    assert run(OMP_WAIT_POLICY="active") == "None"
    assert run(GOMP_SPINCOUNT="50") == "50"
