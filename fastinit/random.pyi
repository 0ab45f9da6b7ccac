"""Type stubs of fastinit/random.py, written by tools/annotate.py: do not edit."""
from typing import Any, Callable, Optional, Sequence, overload

import numpy as np
import numpy.typing as npt

from fastinit import _random
from fastinit._typing import (
    Array, Float32Like, Float64Like, FloatT, RegionLike, SeedLike, ShapeLike,
)
__all__ = ['Generator', 'seed', 'philox4x32', 'uniform', 'normal', 'truncated_normal']

def philox4x32(counter: Sequence[int], key: Sequence[int]) -> npt.NDArray[np.uint32]: ...

class Generator(_random.Streams):
    def __init__(self, seed: SeedLike = ...) -> None: ...
    @property
    def seed_seq(self) -> np.random.SeedSequence: ...
    def __repr__(self) -> str: ...
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]: ...
    def spawn(self, n: int) -> list[Generator]: ...
    def random_raw(self, n: int, *, stream: Optional[int] = ...,
        offset: int = ...) -> npt.NDArray[np.uint32]: ...
    @overload
    def uniform(self, shape: Optional[ShapeLike] = ..., low: float = ..., high: float = ..., *,
        dtype: Float32Like = ..., out: None = ..., stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
    @overload
    def uniform(self, shape: Optional[ShapeLike] = ..., low: float = ..., high: float = ..., *,
        dtype: Float64Like, out: None = ..., stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
    @overload
    def uniform(self, shape: Optional[ShapeLike] = ..., low: float = ..., high: float = ..., *,
        dtype: Any = ..., out: npt.NDArray[FloatT], stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...
    @overload
    def normal(self, shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ..., *,
        dtype: Float32Like = ..., out: None = ..., stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
    @overload
    def normal(self, shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ..., *,
        dtype: Float64Like, out: None = ..., stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
    @overload
    def normal(self, shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ..., *,
        dtype: Any = ..., out: npt.NDArray[FloatT], stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...
    @overload
    def truncated_normal(self, shape: Optional[ShapeLike] = ..., mean: float = ...,
        std: float = ..., lower: float = ..., upper: float = ..., *, dtype: Float32Like = ...,
        out: None = ..., stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
    @overload
    def truncated_normal(self, shape: Optional[ShapeLike] = ..., mean: float = ...,
        std: float = ..., lower: float = ..., upper: float = ..., *, dtype: Float64Like,
        out: None = ..., stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
    @overload
    def truncated_normal(self, shape: Optional[ShapeLike] = ..., mean: float = ...,
        std: float = ..., lower: float = ..., upper: float = ..., *, dtype: Any = ...,
        out: npt.NDArray[FloatT], stream: Optional[int] = ..., offset: int = ...,
        region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

def seed(s: Optional[int] = ...) -> None: ...

@overload
def uniform(shape: Optional[ShapeLike] = ..., low: float = ..., high: float = ..., *,
    dtype: Float32Like = ..., out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def uniform(shape: Optional[ShapeLike] = ..., low: float = ..., high: float = ..., *,
    dtype: Float64Like, out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def uniform(shape: Optional[ShapeLike] = ..., low: float = ..., high: float = ..., *,
    dtype: Any = ..., out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def normal(shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ..., *,
    dtype: Float32Like = ..., out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def normal(shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ..., *,
    dtype: Float64Like, out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def normal(shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ..., *,
    dtype: Any = ..., out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def truncated_normal(shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ...,
    lower: float = ..., upper: float = ..., *, dtype: Float32Like = ..., out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def truncated_normal(shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ...,
    lower: float = ..., upper: float = ..., *, dtype: Float64Like, out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def truncated_normal(shape: Optional[ShapeLike] = ..., mean: float = ..., std: float = ...,
    lower: float = ..., upper: float = ..., *, dtype: Any = ..., out: npt.NDArray[FloatT],
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...
