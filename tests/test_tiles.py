"""region=: a tile of a draw is exactly full[region] of the same call, bit
for bit, for every dtype, distribution and elementwise initializer, with
offsets, out= of the tile's shape, and any thread count (docs/guide/tiles.rst)."""
import numpy as np
import pytest

import fastinit

NAMES = [n for n in fastinit.available() if n != "orthogonal"]
REGIONS = [
    (slice(None), slice(None)),
    (slice(3, 40), slice(1, 2)),
    ((0, 1), (0, 33)),
    ((-10, None), (5, -5)),
    (slice(7, 7), slice(None)),          # empty
    ((1, 64), (1, 32)),                  # odd starts: Box-Muller pairs split
]


@pytest.mark.parametrize("name", NAMES)
def test_tile_equals_the_slice_of_the_whole(name, dtype):
    f = fastinit.get(name)
    whole = f((64, 33), dtype=dtype, seed=5, offset=11)
    for region in REGIONS:
        tile = f((64, 33), dtype=dtype, seed=5, offset=11, region=region)
        index = tuple(r if isinstance(r, slice) else slice(*r) for r in region)
        np.testing.assert_array_equal(tile, whole[index])


@pytest.mark.parametrize("threads", [1, 2])
def test_large_tiles_on_threads_and_into_out(threads):
    fastinit.set_num_threads(threads)
    whole = fastinit.normal((300, 17, 64), seed=2)
    region = (slice(10, 290), slice(3, 16), slice(1, 63))
    out = np.empty((280, 13, 62), np.float32)
    got = fastinit.normal((300, 17, 64), seed=2, region=region, out=out)
    assert got is out
    np.testing.assert_array_equal(out, whole[10:290, 3:16, 1:63])
    rows = fastinit.he_uniform((4096, 64), seed=1, region=(slice(100, 3000), slice(None)))
    np.testing.assert_array_equal(rows, fastinit.he_uniform((4096, 64), seed=1)[100:3000])


def test_fans_come_from_the_full_shape():
    tile = fastinit.he_normal((100_000, 8), seed=0, region=((0, 1000), (0, 8)), dtype=np.float64)
    assert tile.std() == pytest.approx(np.sqrt(2 / 100_000), rel=0.05)


def test_generator_tiles_and_streams():
    g = fastinit.Generator(4)
    a = g.normal((50, 50), region=((5, 10), (0, 50)))          # stream 0
    assert g.next_stream == 1
    np.testing.assert_array_equal(a, fastinit.Generator(4).normal((50, 50), stream=0)[5:10])


@pytest.mark.parametrize("region, exc, words", [
    ((slice(0, 4, 2), slice(None)), ValueError, "step 1"),
    ((slice(None),), ValueError, "one entry per axis"),
    ("0:4", TypeError, "region"),
    (((0, 1, 2), slice(None)), TypeError, "region entries"),
    (((0.5, 2), slice(None)), TypeError, "region start"),
])
def test_bad_regions_are_errors(region, exc, words):
    out = np.zeros((4, 4), np.float32)
    with pytest.raises(exc, match=words):
        fastinit.he_normal((8, 8), region=region, out=out)
    assert (out == 0).all()


def test_out_must_have_the_tiles_shape_and_orthogonal_refuses():
    with pytest.raises(ValueError, match="shape"):
        fastinit.normal((8, 8), region=((0, 4), (0, 4)), out=np.empty((8, 8), np.float32))
    with pytest.raises(TypeError, match="full shape"):
        fastinit.normal(None, region=((0, 4),), out=np.empty(4, np.float32))
    with pytest.raises(ValueError, match="cannot be tiled"):
        fastinit.orthogonal((8, 8), region=((0, 4), (0, 8)))
