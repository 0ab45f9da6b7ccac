"""fastinit inside the process models users run it in: fork, multiprocessing
pools (fork, forkserver, spawn), ProcessPoolExecutor, PyTorch DataLoader
workers, Dask's process scheduler.

Every scenario runs in a fresh interpreter under a timeout: a hang (the
failure these tests guard against: libgomp keeps no threads across fork)
fails the test in seconds instead of stalling the suite. Each script first
makes the parent use its OpenMP threads (a fill of 2**22 values at 2
threads), which is what made a forked child hang.
"""
import os
import subprocess
import sys
import textwrap

import pytest

import fastinit

TIMEOUT = 90

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")

PRELUDE = """
import hashlib, os, sys
import numpy as np
import fastinit
fastinit.set_num_threads(2)
PARENT = fastinit.he_normal((2048, 2048), seed=0)          # a parallel region in the parent

def digest(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]
"""


def run(body, timeout=TIMEOUT, env=None, prefix=""):
    """Run PRELUDE + prefix + body in a new interpreter; its stdout, or a
    failure that says it hung."""
    code = PRELUDE + prefix + textwrap.dedent(body)
    try:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=timeout, cwd="/", env=dict(os.environ, **(env or {})))
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"hung: no answer within {timeout} s\n{e.stdout or ''}{e.stderr or ''}")
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def fork_unsafe_runtime():
    return fastinit._threads._fork_unsafe_runtime()


# ---- os.fork -------------------------------------------------------------------------------
CHILD_CALLS = """
def calls():
    X = np.random.default_rng(0).standard_normal((4096, 512)).astype(np.float32)
    W = fastinit.he_normal((512, 256), seed=1)
    A = fastinit.dense_forward(X, W, np.zeros(256, np.float32), "tanh")
    dX, dW, db = fastinit.dense_backward(np.ones_like(A), X, W, A, "tanh")
    R = fastinit.dense_forward(X, W, None, "relu")
    out = {
        "he_normal": fastinit.he_normal((2048, 2048), seed=0),
        "uniform f64": fastinit.uniform((1024, 1024), dtype=np.float64, seed=2),
        "truncated": fastinit.truncated_normal((1024, 1024), seed=3),
        "tile": fastinit.normal((2048, 2048), seed=4, region=(slice(1, 2000), slice(3, 1900))),
        "raw": fastinit.Generator(5).random_raw(1 << 20),
        "forward": A, "dX": dX, "dW": dW, "db": db, "relu": R,
    }
    net = fastinit.nn.MLP([2, 64, 64, 2], "relu", output="softmax", seed=0)
    rng = np.random.default_rng(0)
    Xs = rng.standard_normal((512, 2)).astype(np.float32)
    ys = (Xs[:, 0] > 0).astype(np.int64)
    hist = net.fit(Xs, ys, epochs=2, lr=0.1, batch_size=64, seed=0)
    out["nn"] = np.array([h for h in hist["loss"]])
    return {k: digest(v) for k, v in out.items()}
"""


def test_fork_after_parallel_fill_and_dense_completes_with_the_same_bits():
    out = run(prefix=CHILD_CALLS, body="""
    import fastinit.nn
    parent = calls()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        child = calls()
        os.write(w, repr((child, fastinit.get_num_threads())).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    child, n = eval(data)
    bad = [k for k in parent if parent[k] != child[k]]
    assert not bad, bad
    print(n)
    """)
    expected = 1 if fork_unsafe_runtime() else 2
    assert int(out.split()[-1]) == (expected if fastinit.have_openmp() else 1)


def test_forked_child_stays_on_one_thread_and_says_so():
    if not fork_unsafe_runtime():
        pytest.skip("the OpenMP runtime keeps its threads across fork")
    out = run("""
    import warnings
    pid = os.fork()
    if pid == 0:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fastinit.set_num_threads(2)
        ok = (fastinit.get_num_threads() == 1 and len(caught) == 1
              and "forked child" in str(caught[0].message)
              and "fork" in fastinit._threads.thread_source()
              and digest(fastinit.he_normal((2048, 2048), seed=0)) == digest(PARENT))
        os._exit(0 if ok else 3)
    _, status = os.waitpid(pid, 0)
    print(os.waitstatus_to_exitcode(status))
    """)
    assert out.split()[-1] == "0"


def test_seed_none_draws_differ_between_parent_and_forked_children():
    out = run("""
    r, w = os.pipe()
    pids = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            os.write(w, fastinit.normal((4,), dtype=np.float64).tobytes())
            os._exit(0)
        pids.append(pid)
    mine = fastinit.normal((4,), dtype=np.float64).tobytes()
    for pid in pids:
        os.waitpid(pid, 0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 4096):
        data += chunk
    draws = [data[i:i + 32] for i in range(0, len(data), 32)] + [mine]
    print(len(draws), len(set(draws)))
    """)
    assert out.split()[-2:] == ["4", "4"]


def test_explicit_seeds_and_user_generators_are_copied_unchanged_by_fork():
    out = run("""
    g = fastinit.Generator(11)
    g.normal((3,))                         # stream 0 used in the parent
    fastinit.seed(5)                        # the global generator: fresh in the child
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        child = [g.normal((8,)), fastinit.normal((8,), seed=3), fastinit.normal((8,))]
        os.write(w, b"".join(a.tobytes() for a in child))
        os._exit(0)
    os.waitpid(pid, 0)
    os.close(w)
    data = os.read(r, 4096)
    parent = [g.normal((8,)), fastinit.normal((8,), seed=3), fastinit.normal((8,))]
    same = [data[32 * k:32 * (k + 1)] == parent[k].tobytes() for k in range(3)]
    print(same)
    """)
    assert out.strip().splitlines()[-1] == "[True, True, False]"


# ---- pools ------------------------------------------------------------------------------------
POOL_WORK = """
def work(i):
    return i, digest(fastinit.normal((1000, 1000), seed=i)), fastinit.get_num_threads()

def fresh(_):
    return fastinit.normal((4,), dtype=np.float64).tobytes()
"""


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_multiprocessing_pool_after_parent_used_threads(method):
    # The workers are defined in a module file, so spawn and forkserver can import them.
    out = run("""
    import multiprocessing as mp, tempfile, importlib
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "poolwork.py"), "w") as f:
        f.write(PRELUDE_NO_PARENT + WORK)
    sys.path.insert(0, d)
    os.environ["PYTHONPATH"] = d + os.pathsep + os.environ.get("PYTHONPATH", "")
    import poolwork
    ctx = mp.get_context(METHOD)
    with ctx.Pool(2) as pool:
        got = pool.map(poolwork.work, range(4))
        draws = pool.map(poolwork.fresh, range(8), chunksize=1)
    want = [(i, digest(fastinit.normal((1000, 1000), seed=i))) for i in range(4)]
    assert [g[:2] for g in got] == want, (got, want)
    print(len(set(draws)))
    """.replace("METHOD", repr(method)).replace(
        "PRELUDE_NO_PARENT", repr(PRELUDE.replace("PARENT = fastinit.he_normal((2048, 2048), seed=0)", ""))
    ).replace("WORK", repr(POOL_WORK)))
    assert out.split()[-1] == "8"


def test_process_pool_executor_after_parent_used_threads():
    out = run("""
    from concurrent.futures import ProcessPoolExecutor
    def work(i):
        return digest(fastinit.normal((1000, 1000), seed=i))
    with ProcessPoolExecutor(2) as ex:       # fork: the Linux default before 3.14
        got = list(ex.map(work, range(4)))
    assert got == [digest(fastinit.normal((1000, 1000), seed=i)) for i in range(4)]
    print("ok")
    """)
    assert out.split()[-1] == "ok"


# ---- PyTorch DataLoader ----------------------------------------------------------------------
def test_dataloader_workers_draw_fresh_values_each_epoch():
    pytest.importorskip("torch")
    out = run("""
    import torch
    torch.set_num_threads(2)
    torch.ones(512, 512) @ torch.ones(512, 512)          # torch's OpenMP too
    from torch.utils.data import DataLoader, Dataset

    class Noise(Dataset):
        def __len__(self):
            return 8
        def __getitem__(self, i):
            w = fastinit.he_normal((512, 256))            # seed=None: the global generator
            seeded = fastinit.he_normal((512, 256), seed=int(i))
            return torch.from_numpy(w[0, :4].copy()), digest(seeded)

    loader = DataLoader(Noise(), batch_size=2, num_workers=2, multiprocessing_context="fork")
    draws, seeded = [], []
    for epoch in range(2):
        for x, d in loader:
            draws += [row.numpy().tobytes() for row in x]
            seeded += list(d)
    want = [digest(fastinit.he_normal((512, 256), seed=i)) for i in range(8)] * 2
    assert seeded == want
    print(len(draws), len(set(draws)))
    """)
    assert out.split()[-2:] == ["16", "16"]


# ---- Dask's process scheduler -------------------------------------------------------------------
def test_dask_processes_scheduler_with_fork():
    pytest.importorskip("dask.array")
    out = run("""
    import dask
    import fastinit.dask as fd
    w = fd.he_normal((2048, 1024), chunks=(512, 1024), seed=0)
    with dask.config.set({"multiprocessing.context": "fork"}):
        got = w.compute(scheduler="processes", num_workers=2)
    assert digest(got) == digest(fastinit.he_normal((2048, 1024), seed=0))
    print("ok")
    """)
    assert out.split()[-1] == "ok"
