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
"""
from types import FunctionType

import torch
import torch.nn.init as _tinit
from torch.overrides import TorchFunctionMode

import fastinit as _fi
from fastinit import torch as _ft

T = torch.Tensor


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
        return super().__enter__()

    def __exit__(self, *exc):
        try:
            return super().__exit__(*exc)
        finally:
            _tinit.trunc_normal_ = self._patched


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
