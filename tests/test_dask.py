"""fastinit.dask: each chunk is a tile of the one-process call, so the
array equals the NumPy call bit for bit for any chunking, computed on a
distributed.LocalCluster of 2 worker processes. Skipped without dask."""
import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import fastinit  # noqa: E402
import fastinit.dask as fd  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as cluster:
        with distributed.Client(cluster) as c:
            yield c


CASES = [("he_normal", (), {}), ("he_uniform", (), {"mode": "fan_out"}),
         ("xavier_normal", (2.0,), {}), ("lecun_uniform", (), {}),
         ("variance_scaling", (2.0, "fan_avg", "truncated_normal"), {}),
         ("uniform", (-1.0, 3.0), {}), ("normal", (0.5, 2.0), {}),
         ("truncated_normal", (0.0, 1.0, -1.0, 3.0), {}), ("constant", (0.25,), {})]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, args, kw", CASES)
def test_any_chunking_equals_the_numpy_call(client, name, args, kw, dtype):
    shape = (301, 7, 9)
    want = fastinit.get(name)(shape, *args, dtype=dtype, seed=11, offset=3, **kw)
    for chunks in [(301, 7, 9), (50, 3, 4), (1, 7, 9), (77, 1, 2)]:
        got = getattr(fd, name)(shape, *args, chunks=chunks, dtype=dtype, seed=11, offset=3, **kw)
        assert np.array_equal(got.compute(), want), (name, chunks)


def test_seed_none_reserves_its_stream_when_the_graph_is_built(client):
    fastinit.seed(5)
    x = fd.normal((1000,), chunks=97)          # stream 0, reserved now
    y = fastinit.normal((1000,))               # stream 1
    g = fastinit.Generator(5)
    assert np.array_equal(x.compute(), g.normal((1000,), stream=0))
    assert np.array_equal(x.compute(), g.normal((1000,), stream=0))   # computing again: the same
    assert np.array_equal(y, g.normal((1000,), stream=1))
    gen = fastinit.Generator(8)
    a = fd.he_normal((64, 64), chunks=16, seed=gen)
    b = fd.he_normal((64, 64), chunks=16, seed=gen)
    assert gen.next_stream == 2
    assert not np.array_equal(a.compute(), b.compute())


def test_a_reduction_never_holds_the_array_whole(client):
    x = fd.he_normal((4096, 1024), chunks=(512, 1024), seed=0)
    want = float(fastinit.he_normal((4096, 1024), seed=0).sum(dtype=np.float64))
    assert x.sum().compute() == pytest.approx(want, rel=1e-4)


def test_bad_arguments_fail_when_the_graph_is_built():
    with pytest.raises(ValueError, match="std"):
        fd.normal((10,), 0.0, -1.0, chunks=5)
    with pytest.raises(ValueError, match="seed"):
        fd.he_normal((10, 10), chunks=5, seed=-1)
