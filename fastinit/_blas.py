"""How many BLAS threads fastinit's own loops let NumPy's BLAS use.

OpenBLAS keeps a product with m*n*k under 262144 on one thread by itself,
but larger small products (a 1500 x 64 x 64 evaluation, say) wake its
threads, which then spin waiting for the next one. On a machine whose cores
are busy with other work those spinning threads are starved and everything
waits for them (docs/guide/threads.rst). So ``fastinit.nn``'s loops (fit,
train_epoch, evaluate, diagnostics) run with one BLAS thread while their
products are small, and with ``fastinit.get_num_threads()`` BLAS threads when
they are large (a 256 x 1024 x 1024 batch and up). Outside those loops BLAS
is left as the user set it, unless ``set_num_threads(n, blas=True)``.

This uses threadpoolctl (the library scikit-learn uses for the same job);
without it, or without a BLAS it knows, nothing is limited.
"""
import contextlib

from fastinit import _common

# m * n * k of the largest product from which BLAS threads pay for themselves.
LARGE_PRODUCT = 256 * 1024 * 1024

_controller = None


def _blas():
    """threadpoolctl's controller of the loaded BLAS libraries (cached), or None."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController().select(user_api="blas")
        except Exception:  # no threadpoolctl, or a BLAS it cannot drive
            _controller = False
    return _controller or None


def threads_for(product):
    """BLAS threads for products of at most ``product`` multiply-adds."""
    return _common.get_threads() if product >= LARGE_PRODUCT else 1


@contextlib.contextmanager
def limit(product):
    """Run the block with threads_for(product) BLAS threads at most."""
    c = _blas()
    if c is None or not c.lib_controllers:
        yield
        return
    with c.limit(limits=threads_for(product)):
        yield


def set_blas_threads(n):
    """Set every loaded BLAS library's thread count to ``n`` (process-wide)."""
    c = _blas()
    if c is not None:
        for lib in c.lib_controllers:
            lib.set_num_threads(n)
