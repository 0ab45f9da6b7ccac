"""The machinery of ``fastinit.torch.init_context`` and ``reset_parameters_``.

A ``torch.overrides.TorchFunctionMode`` sees every torch call made while it
is active: the ``torch.nn.init`` functions that check for overrides
(``uniform_``, ``normal_``, ``kaiming_uniform_``), and the tensor methods and
factories every other initializer ends in (``Tensor.normal_``,
``Tensor.uniform_``, ``torch.randn``, ...). Those that draw are answered by
``fastinit.torch`` on the next stream of one ``fastinit.Generator``, in call
order; everything else runs as usual. ``torch.nn.init.trunc_normal_`` is
answered whole (it is sampled exactly by the inverse CDF, in one draw),
whichever name the caller holds it by.

Deferred draws. A draw into a whole plain CPU tensor is checked and given
its stream at its call, and made later: when anything else reads or
writes that memory (any torch call with a tensor on the same storage among
its arguments, except the few below that read only the shape), or when
the context exits. A draw that a later draw replaces whole is never made,
nor one whose memory is freed before it is needed: a model's constructor
draws a weight, and its ``_init_weights`` draws it again (transformers),
or the weight is tied away (GPT-2's ``lm_head``). The values are those
of drawing at once, bit for bit: each draw keeps its own stream. Two
things go around the mode while it is open: memory handed to C without a
torch call (``torch.utils.dlpack.to_dlpack``, which the context wraps, or a
pybind11 function of one's own taking the tensor), and another thread
reading the tensor (a mode sees its own thread's calls). Do those after the
context, or read the tensor with a torch call first (``tensor.data_ptr()``
will do).
"""
import numbers
from types import FunctionType
import weakref

import torch
import torch.nn.init as _tinit
from torch.multiprocessing.reductions import StorageWeakRef
from torch.overrides import TorchFunctionMode

import fastinit as _fi
from fastinit import torch as _ft

T = torch.Tensor

# Calls that read a tensor's shape, never its values: they leave a deferred
# draw deferred (every property getter, ``Tensor.data`` included, is such a
# call: it reaches the mode as ``__get__``).
_SHAPE_ONLY = {T.dim, T.ndimension, T.size, T.numel, T.nelement, T.stride, T.storage_offset,
               T.is_contiguous, T.element_size, T.is_floating_point, T.is_complex,
               T.requires_grad_, T.get_device}
# Arguments that hold no tensor; anything else unknown may (a module, say),
# and settles every deferred draw.
_PLAIN_ARGS = (numbers.Number, str, bytes, type(None), torch.dtype, torch.device, torch.layout,
               torch.memory_format, slice, type(Ellipsis))


def _unroutable(name):
    def refuse(*args, **kwargs):
        raise TypeError(
            f"{name} was called inside fastinit.torch.init_context (or reset_parameters_), which "
            "draws every initial value through fastinit; fastinit has no equivalent for it, so "
            "its values could not follow the seed. Call it outside the context.")
    return refuse


class InitMode(TorchFunctionMode):
    """Draw every initial value through fastinit on ``Generator(seed)``'s
    streams; record which tensors in-place operations write (for
    ``reset_parameters_``)."""

    def __init__(self, seed=None):
        super().__init__()
        self.gen = seed if isinstance(seed, _fi.Generator) else _fi.Generator(seed)
        self.written = set()          # data_ptr() of tensors an in-place op wrote
        self._patched = None
        self._outer = None
        # storage data_ptr -> (weakref to the tensor, StorageWeakRef, shape, dtype, draw)
        self.pending = {}
        self.handlers = {
            _tinit.uniform_: self._nn(_ft.uniform_),
            _tinit.normal_: self._nn(_ft.normal_),
            _tinit.kaiming_uniform_: self._nn(_ft.kaiming_uniform_),
            T.uniform_: self._method(_ft.uniform_, {"from": "a", "to": "b"}),
            T.normal_: self._method(_ft.normal_, {}),
            torch.randn: self._factory(_ft.normal_),
            torch.rand: self._factory(_ft.uniform_),
            torch.randn_like: self._like(_ft.normal_),
            torch.rand_like: self._like(_ft.uniform_),
        }
        self.by_name = {f.__name__: self.handlers[f]
                        for f in (_tinit.uniform_, _tinit.normal_, _tinit.kaiming_uniform_)}
        for name in ("random_", "bernoulli_", "exponential_", "geometric_", "cauchy_",
                     "log_normal_"):
            self.handlers[getattr(T, name)] = _unroutable(f"Tensor.{name}")
        for name in ("randint", "randperm", "normal", "bernoulli", "multinomial", "poisson",
                     "randint_like"):
            self.handlers[getattr(torch, name)] = _unroutable(f"torch.{name}")

    # -- how each kind of call is answered ------------------------------------------------
    def _draw(self, fill, tensor, args, kwargs):
        if tensor.is_meta:                      # as torch: nothing to fill
            return tensor
        generator = kwargs.pop("generator", None)
        seed = None if generator is not None else self.gen
        fill(tensor, *args, generator=generator, seed=seed, **kwargs)
        self.written.add(tensor.data_ptr())
        return tensor

    def _nn(self, fill):
        def handler(tensor, *args, **kwargs):
            return self._draw(fill, tensor, args, dict(kwargs))
        return handler

    def _method(self, fill, renames):
        """A tensor method: its keyword names (``from``/``to`` of
        ``Tensor.uniform_``) renamed to the fill's (``a``/``b``)."""
        def handler(tensor, *args, **kwargs):
            kwargs = {renames.get(k, k): v for k, v in kwargs.items()}
            return self._draw(fill, tensor, args, kwargs)
        return handler

    def _factory(self, fill):
        def handler(*size, generator=None, **kwargs):
            t = torch.empty(*size, **{k: v for k, v in kwargs.items() if k != "requires_grad"})
            self._draw(fill, t, (), {"generator": generator})
            return t.requires_grad_(bool(kwargs.get("requires_grad", False)))
        return handler

    def _like(self, fill):
        def handler(other, generator=None, **kwargs):
            t = torch.empty_like(other, **{k: v for k, v in kwargs.items() if k != "requires_grad"})
            self._draw(fill, t, (), {"generator": generator})
            return t.requires_grad_(bool(kwargs.get("requires_grad", False)))
        return handler

    # -- deferred draws ----------------------------------------------------------------------
    @staticmethod
    def _storage_key(tensor):
        return tensor.untyped_storage().data_ptr()

    def can_defer(self, tensor):
        """A plain CPU tensor the core writes in place that covers its whole
        storage, so a later draw into it replaces this one whole."""
        return (tensor.dim() >= 1 and tensor.numel() > 0 and _ft._direct(tensor)
                and tensor.storage_offset() == 0
                and tensor.numel() * tensor.element_size() == tensor.untyped_storage().nbytes())

    def defer(self, tensor, draw):
        """Make ``draw`` into ``tensor`` later; its version moves now, as the
        draw's call would move it."""
        storage = tensor.untyped_storage()
        self.pending[storage.data_ptr()] = (
            weakref.ref(tensor), StorageWeakRef(storage), tuple(tensor.shape), tensor.dtype, draw)
        with torch.no_grad():
            torch.autograd.graph.increment_version(tensor)

    def _make(self, key):
        ref, storage_ref, shape, dtype, draw = self.pending.pop(key)
        tensor = ref()
        if tensor is None:
            # The tensor object is gone; its memory may live on in another
            # tensor (a Parameter made of it, a view): write it there.
            storage = torch.UntypedStorage._new_with_weak_ptr(storage_ref.cdata)
            if storage is None:
                return                           # freed: no one can read the draw
            tensor = torch.empty(0, dtype=dtype).set_(storage, 0, shape)
        _ft._write(tensor, draw, bump=False)

    def settle(self, tensor):
        """Make the deferred draw into ``tensor``'s memory, if any."""
        if self.pending:
            key = self._storage_key(tensor)
            if key in self.pending:
                self._make(key)

    def settle_all(self):
        while self.pending:
            self._make(next(iter(self.pending)))

    def _settle_args(self, func, args, kwargs):
        """Before a torch call that may read or write memory a deferred draw
        is for: make those draws."""
        if func in _SHAPE_ONLY or getattr(func, "__name__", "") == "__get__":
            return
        stack = [args, kwargs]
        while stack:
            a = stack.pop()
            if isinstance(a, T):
                try:
                    self.settle(a)
                except RuntimeError:             # no storage (sparse, nested): settle all
                    self.settle_all()
                    return
            elif isinstance(a, (list, tuple)):
                stack.extend(a)
            elif isinstance(a, dict):
                stack.extend(a.values())
            elif not isinstance(a, _PLAIN_ARGS):
                self.settle_all()
                return

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        handler = self.handlers.get(func)
        if handler is None and type(func) is FunctionType:
            # A torch.nn.init function reaches the mode as whatever object its
            # module's global holds: a wrapper when a library patched it
            # (transformers guards torch.nn.init this way). Same name, same job.
            handler = self.by_name.get(func.__name__)
        if handler is not None:
            return handler(*args, **kwargs)
        if self.pending:
            self._settle_args(func, args, kwargs)
        result = func(*args, **kwargs)
        name = getattr(func, "__name__", "")
        if name.endswith("_") and not name.endswith("__") and args and isinstance(args[0], T):
            self.written.add(args[0].data_ptr())
        return result

    # -- trunc_normal_ has no override hook: answer it by name while active ------------------
    def _trunc_normal_(self, tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
        if tensor.is_meta:
            return tensor
        return self._draw(_ft.trunc_normal_, tensor, (mean, std, a, b), {"generator": generator})

    def __enter__(self):
        self._patched = _tinit.trunc_normal_
        _tinit.trunc_normal_ = self._trunc_normal_
        self._outer = _ft._local.sink
        if self._outer is not None:
            self._outer.settle_all()     # an inner context's draws come after the outer's
        _ft._local.sink = self
        self._to_dlpack = torch.utils.dlpack.to_dlpack
        torch.utils.dlpack.to_dlpack = self._settled_to_dlpack
        return super().__enter__()

    def _settled_to_dlpack(self, tensor):
        if isinstance(tensor, T):
            self.settle(tensor)
        return self._to_dlpack(tensor)

    def __exit__(self, *exc):
        try:
            return super().__exit__(*exc)
        finally:
            _tinit.trunc_normal_ = self._patched
            torch.utils.dlpack.to_dlpack = self._to_dlpack
            _ft._local.sink = self._outer
            self.settle_all()


def _post_order(module, seen):
    for child in module.children():
        yield from _post_order(child, seen)
    if id(module) not in seen:
        seen.add(id(module))
        yield module


def _reset_of(module):
    for name in ("reset_parameters", "_reset_parameters"):
        fn = getattr(module, name, None)
        if callable(fn):
            return fn
    return None


def reset_module(module, seed=None):
    """fastinit.torch.reset_parameters_."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    targets = dict(module.named_parameters())
    targets.update(module.named_buffers())
    for name, t in targets.items():
        if t.is_meta:
            raise ValueError(f"{name} is on the meta device and has no memory to fill: call "
                             "module.to_empty(device='cpu') first")
    before = {name: t._version for name, t in targets.items()}
    mode = InitMode(seed)
    with torch.no_grad(), mode:
        for m in _post_order(module, set()):
            reset = _reset_of(m)
            if reset is not None:
                reset()
    missed = [name for name, t in targets.items()
              if t._version == before[name] and t.data_ptr() not in mode.written and t.numel()]
    if missed:
        raise ValueError(
            f"reset_parameters_ could not re-initialize {', '.join(missed)}: no reset_parameters() "
            "or _reset_parameters() of their modules writes them. Give those modules a "
            "reset_parameters(), or initialize those tensors yourself (e.g. inside "
            "fastinit.torch.init_context(seed=...)).")
    return module
