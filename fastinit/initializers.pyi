"""Type stubs of fastinit/initializers.py, written by tools/annotate.py: do not edit."""
from typing import Any, Callable, Optional, Sequence, overload

import numpy as np
import numpy.typing as npt

from fastinit import _random
from fastinit._typing import (
    Array, Float32Like, Float64Like, FloatT, RegionLike, SeedLike, ShapeLike,
)
from fastinit.random import normal as normal, truncated_normal as truncated_normal, uniform as uniform
__all__ = ['compute_fans', 'calculate_gain', 'variance_scaling', 'he_normal', 'he_uniform', 'kaiming_normal', 'kaiming_uniform', 'xavier_normal', 'xavier_uniform', 'glorot_normal', 'glorot_uniform', 'lecun_normal', 'lecun_uniform', 'normal', 'uniform', 'truncated_normal', 'zeros', 'ones', 'constant', 'orthogonal', 'get', 'available']

def compute_fans(shape: ShapeLike, in_axis: int = ..., out_axis: int = ...) -> tuple[int, int]: ...

def calculate_gain(nonlinearity: str, param: Optional[float] = ...) -> float: ...

@overload
def variance_scaling(shape: ShapeLike, scale: float = ..., mode: str = ...,
    distribution: str = ..., *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float32Like = ...,
    out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def variance_scaling(shape: ShapeLike, scale: float = ..., mode: str = ...,
    distribution: str = ..., *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float64Like, out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def variance_scaling(shape: Optional[ShapeLike], scale: float = ..., mode: str = ...,
    distribution: str = ..., *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Any = ...,
    out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def he_normal(shape: ShapeLike, *, a: float = ..., nonlinearity: str = ..., mode: str = ...,
    in_axis: int = ..., out_axis: int = ..., fan_in: Optional[int] = ...,
    fan_out: Optional[int] = ..., dtype: Float32Like = ..., out: None = ..., seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def he_normal(shape: ShapeLike, *, a: float = ..., nonlinearity: str = ..., mode: str = ...,
    in_axis: int = ..., out_axis: int = ..., fan_in: Optional[int] = ...,
    fan_out: Optional[int] = ..., dtype: Float64Like, out: None = ..., seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def he_normal(shape: Optional[ShapeLike], *, a: float = ..., nonlinearity: str = ...,
    mode: str = ..., in_axis: int = ..., out_axis: int = ..., fan_in: Optional[int] = ...,
    fan_out: Optional[int] = ..., dtype: Any = ..., out: npt.NDArray[FloatT], seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def he_uniform(shape: ShapeLike, *, a: float = ..., nonlinearity: str = ..., mode: str = ...,
    in_axis: int = ..., out_axis: int = ..., fan_in: Optional[int] = ...,
    fan_out: Optional[int] = ..., dtype: Float32Like = ..., out: None = ..., seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def he_uniform(shape: ShapeLike, *, a: float = ..., nonlinearity: str = ..., mode: str = ...,
    in_axis: int = ..., out_axis: int = ..., fan_in: Optional[int] = ...,
    fan_out: Optional[int] = ..., dtype: Float64Like, out: None = ..., seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def he_uniform(shape: Optional[ShapeLike], *, a: float = ..., nonlinearity: str = ...,
    mode: str = ..., in_axis: int = ..., out_axis: int = ..., fan_in: Optional[int] = ...,
    fan_out: Optional[int] = ..., dtype: Any = ..., out: npt.NDArray[FloatT], seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def xavier_normal(shape: ShapeLike, gain: float = ..., *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float32Like = ...,
    out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def xavier_normal(shape: ShapeLike, gain: float = ..., *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float64Like, out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def xavier_normal(shape: Optional[ShapeLike], gain: float = ..., *, in_axis: int = ...,
    out_axis: int = ..., fan_in: Optional[int] = ..., fan_out: Optional[int] = ...,
    dtype: Any = ..., out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def xavier_uniform(shape: ShapeLike, gain: float = ..., *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float32Like = ...,
    out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def xavier_uniform(shape: ShapeLike, gain: float = ..., *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float64Like, out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def xavier_uniform(shape: Optional[ShapeLike], gain: float = ..., *, in_axis: int = ...,
    out_axis: int = ..., fan_in: Optional[int] = ..., fan_out: Optional[int] = ...,
    dtype: Any = ..., out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def lecun_normal(shape: ShapeLike, *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float32Like = ...,
    out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def lecun_normal(shape: ShapeLike, *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float64Like, out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def lecun_normal(shape: Optional[ShapeLike], *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Any = ...,
    out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def lecun_uniform(shape: ShapeLike, *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float32Like = ...,
    out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def lecun_uniform(shape: ShapeLike, *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Float64Like, out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def lecun_uniform(shape: Optional[ShapeLike], *, in_axis: int = ..., out_axis: int = ...,
    fan_in: Optional[int] = ..., fan_out: Optional[int] = ..., dtype: Any = ...,
    out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def constant(shape: ShapeLike, value: float = ..., *, dtype: Float32Like = ..., out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def constant(shape: ShapeLike, value: float = ..., *, dtype: Float64Like, out: None = ...,
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def constant(shape: Optional[ShapeLike], value: float = ..., *, dtype: Any = ...,
    out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def zeros(shape: ShapeLike, *, dtype: Float32Like = ..., out: None = ..., seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def zeros(shape: ShapeLike, *, dtype: Float64Like, out: None = ..., seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def zeros(shape: Optional[ShapeLike], *, dtype: Any = ..., out: npt.NDArray[FloatT],
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def ones(shape: ShapeLike, *, dtype: Float32Like = ..., out: None = ..., seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def ones(shape: ShapeLike, *, dtype: Float64Like, out: None = ..., seed: SeedLike = ...,
    stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def ones(shape: Optional[ShapeLike], *, dtype: Any = ..., out: npt.NDArray[FloatT],
    seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...

@overload
def orthogonal(shape: ShapeLike, gain: float = ..., column_axis: int = ..., *,
    dtype: Float32Like = ..., out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[np.float32]: ...
@overload
def orthogonal(shape: ShapeLike, gain: float = ..., column_axis: int = ..., *, dtype: Float64Like,
    out: None = ..., seed: SeedLike = ..., stream: Optional[int] = ..., offset: int = ...,
    region: Optional[RegionLike] = ...) -> npt.NDArray[np.float64]: ...
@overload
def orthogonal(shape: Optional[ShapeLike], gain: float = ..., column_axis: int = ..., *,
    dtype: Any = ..., out: npt.NDArray[FloatT], seed: SeedLike = ..., stream: Optional[int] = ...,
    offset: int = ..., region: Optional[RegionLike] = ...) -> npt.NDArray[FloatT]: ...
kaiming_normal = he_normal
kaiming_uniform = he_uniform
glorot_normal = xavier_normal
glorot_uniform = xavier_uniform

def available() -> list[str]: ...

def get(name: str) -> Callable[..., Any]: ...
