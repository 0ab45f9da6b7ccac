import numpy as np
import pytest

import fastinit


@pytest.fixture(autouse=True)
def _restore_threads():
    n = fastinit.get_num_threads()
    yield
    fastinit.set_num_threads(n)


DTYPES = [np.float32, np.float64]
