import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import fastinit

# The suite's products are small: one BLAS thread, so a busy machine (or CI
# sharing its cores) does not starve spinning BLAS threads.
_BLAS_LIMIT = threadpool_limits(1, user_api="blas")


@pytest.fixture(autouse=True)
def _restore_threads():
    n = fastinit.get_num_threads()
    yield
    fastinit.set_num_threads(n)


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    """Each float dtype the kernels take."""
    return request.param


@pytest.fixture(params=fastinit.simd_levels())
def simd_level(request):
    """Each SIMD level this CPU runs, restored afterwards."""
    before = fastinit.simd_level()
    yield fastinit.set_simd_level(request.param)
    fastinit.set_simd_level(before)
