"""Type aliases of the public API (see the overloads in random.py and
initializers.py): float32 unless ``dtype`` says float64, or ``out``'s dtype."""
from typing import TYPE_CHECKING, Any, Literal, Optional, Sequence, SupportsIndex, TypeVar, Union

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from fastinit.random import Generator

ShapeLike = Union[SupportsIndex, Sequence[SupportsIndex]]
RegionLike = Sequence[Union[slice, tuple[Optional[int], Optional[int]]]]
SeedLike = Union[None, int, "Generator"]
Float32Like = Union[None, type[np.float32], np.dtype[np.float32], Literal["float32", "f4", "single"]]
Float64Like = Union[type[np.float64], type[float], np.dtype[np.float64],
                    Literal["float64", "f8", "double"]]
FloatT = TypeVar("FloatT", np.float32, np.float64)
Array = npt.NDArray[Any]

__all__ = ["ShapeLike", "RegionLike", "SeedLike", "Float32Like", "Float64Like", "FloatT", "Array", "Optional",
           "npt", "np", "Any"]
