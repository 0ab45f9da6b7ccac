"""The machinery of ``fastinit.torch.init_context`` and ``reset_parameters_``.

Why no value can be wrong
-------------------------
A context changes one thing: **which generator a random call draws from**.
It never changes *when* a value is written. Every draw is made at its call,
into the tensor's own memory, before the call returns, exactly as the same
call to ``fastinit.torch`` would make it. So at no moment does any memory
hold a value other than the one drawing at once gives, and no reader —
torch, TorchScript, NumPy, a storage, DLPack, pickling, another thread or
process — can see anything else. The argument needs no list of readers:
there is nothing pending for a reader to miss. (An earlier design deferred
draws until torch next touched the memory; readers that torch's
function-mode machinery never sees got uninitialized memory.)

Which context a call belongs to
-------------------------------
The contexts a piece of code is inside are kept in a ``contextvars``
variable: one tuple of open entries per thread and per asyncio task (each
task runs in a copy of its creator's context). A random call draws from the
innermost entry that is open, was entered in this thread and in this
process; none, and torch runs as usual. So:

* the same ``init_context`` object can be entered again (each entry is its
  own; all draw from the object's one generator, so no stream is ever used
  twice);
* asyncio tasks and generators that hold a context across a suspension see
  only their own: exits may come in any order, each removes its own entry;
* threads never see each other's contexts, and a forked child (a
  DataLoader worker) sees none: its draws are torch's, as without fastinit.

torch only offers a per-thread hook for this: a ``TorchFunctionMode`` on
the thread's mode stack. One dispatcher mode per thread is pushed when the
thread's first entry opens and removed (from wherever it sits in the stack)
when its last one closes; it answers random calls for the entry the calling
task is inside and passes every other call through. Nothing of torch is
replaced, for this thread or any other: after the last exit torch's mode
stack is what it was.

While any context is open, torch's global parameter and buffer
registration hooks also hold one function of ours, which notes, for the
calling task's context only, which module registered which tensor
(``reset_parameters_`` keeps what a construction inside a context wrote);
for every other thread and task it does nothing, and it leaves with the
last open context. Entered on the meta device, a context records the
construction too (``_torchrecord``: a dispatch mode on the entering
thread's stack, removed at that entry's exit).

Which calls it sees: torch takes a mode off the stack while the mode
handles a call, so the pass-through keeps it on for what runs inside: a
tensor subclass's own ``__torch_function__`` runs after the mode returns
``NotImplemented`` (with the mode on the stack), and a Python function's
body runs under the mode again, only the call itself skipped. So every
torch call made from Python while the context is open reaches the mode,
except those of fastinit's own fills. Draws made below Python (TorchScript,
C++ extensions) use torch's generator: the docs say so.
"""
import contextvars
import inspect
import os
import threading
from types import FunctionType

import numpy as np
import torch
import torch.nn.init as _tinit
from torch.overrides import TorchFunctionMode

try:
    from torch.overrides import redispatch_function
except ImportError:            # an older torch: a Python function's inner calls go unseen
    def redispatch_function(func, types, args, kwargs):
        with torch.overrides._pop_mode_temporarily():
            return func(*args, **kwargs)

import fastinit as _fi
from fastinit import _torchrecord as _rec
from fastinit import torch as _ft

T = torch.Tensor

# The open entries of the running task (or thread), innermost last.
_entries = contextvars.ContextVar("fastinit_init_context", default=())


class _Thread(threading.local):
    """This thread's dispatcher mode, while one of its entries is open;
    ``spare``: the one its last exit took off the stack, pushed again by
    its next entry (a context's fixed cost, as a model builds with cold
    caches)."""
    mode = None
    spare = None


_thread = _Thread()


class _Entry:
    """One ``with`` of a context: where it was entered, and whether it is
    still open."""
    __slots__ = ("context", "ident", "pid", "mode", "open", "recorder")

    def __init__(self, context, mode):
        self.context = context
        self.ident = threading.get_ident()
        self.pid = _pid
        self.mode = mode
        self.open = True
        self.recorder = None


# This process's id, read once and again in a forked child (os.getpid() is
# a system call, and current() runs at every random call of a context).
_pid = os.getpid()


def _renew_pid():
    global _pid
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_renew_pid)


def current():
    """The innermost open context of the calling task, thread and process, or None."""
    entries = _entries.get()
    if entries:
        ident, pid = threading.get_ident(), _pid
        for e in reversed(entries):
            if e.open and e.ident == ident and e.pid == pid:
                return e.context
    return None


def recording():
    """The Log of the construction the calling task records, or None."""
    context = current()
    return None if context is None else context.record


def _unroutable(name):
    def refuse(context, *args, **kwargs):
        raise TypeError(
            f"{name} was called inside fastinit.torch.init_context (or reset_parameters_), which "
            "draws every initial value through fastinit; fastinit has no equivalent for it, so "
            "its values could not follow the seed. Call it outside the context.")
    return refuse


# ---- how each random call is answered: handler(context, *args, **kwargs) ----------------------
def _nn(fill, renames=None):
    """A fill called as torch.nn.init's is: the context's generator unless
    the call names one. ``renames``: a tensor method's keyword names
    (``from``/``to`` of ``Tensor.uniform_``) as the fill's (``a``/``b``)."""
    def handler(context, tensor, *args, generator=None, **kwargs):
        if tensor.is_meta and context.record is None:   # as torch: nothing to fill
            return tensor
        if renames and kwargs:
            kwargs = {renames.get(k, k): v for k, v in kwargs.items()}
        fill(tensor, *args, generator=generator,
             seed=None if generator is not None else context.gen, **kwargs)
        if context.track:
            context.note(tensor)
        return tensor
    return handler


# ---- the common draws, answered without fastinit.torch's layers ------------------------------
# A model's construction makes its draws one after another, each small, with
# cold caches: every Python frame and keyword dict between the mode and the
# kernel shows. For the common case (no generator, number arguments, a
# tensor fill_view takes, a call torch accepts), these handlers make the
# core call fastinit.torch's function makes, with the same arguments, so
# the same values; anything else goes to that function (``slow``).
_NUMBER = (int, float)
_INF = float("inf")
_fill_view = _ft._fill_view


def _drawn(context, tensor):
    """After a draw into the tensor's memory: its version moves, as
    fastinit.torch's fills move it, and a tracking context notes it."""
    _ft._bump_version(tensor)
    if context.track:
        context.note(tensor)
    return tensor


def _at_once(context, tensor, core, p, q):
    """``core(p, q)`` of fastinit drawn into the tensor, as fastinit.torch
    draws it; False when fill_view does not take the tensor."""
    view = _fill_view(tensor)
    if view is None:
        return False
    core(None, p, q, out=view, seed=context.gen)
    _drawn(context, tensor)
    return True


def _uniform(slow):
    """``torch.nn.init.uniform_(tensor, a, b)`` (torch passes every argument by name)."""
    def handler(context, tensor, a=0.0, b=1.0, generator=None, **rest):
        if (generator is None and not rest and type(a) in _NUMBER and type(b) in _NUMBER
                and -_INF < a <= b < _INF and _at_once(context, tensor, _fi.uniform, a, b)):
            return tensor
        return slow(context, tensor, a, b, generator=generator, **rest)
    return handler


def _uniform_method(slow):
    """``Tensor.uniform_(from, to)``, its bounds given by position."""
    def handler(context, tensor, *args, generator=None, **kwargs):
        if generator is None and not kwargs and len(args) == 2:
            a, b = args
            if (type(a) in _NUMBER and type(b) in _NUMBER and -_INF < a <= b < _INF
                    and _at_once(context, tensor, _fi.uniform, a, b)):
                return tensor
        return slow(context, tensor, *args, generator=generator, **kwargs)
    return handler


def _normal(slow):
    """``torch.nn.init.normal_`` and ``Tensor.normal_`` (the same names)."""
    def handler(context, tensor, mean=0.0, std=1.0, generator=None, **rest):
        if (generator is None and not rest and type(mean) in _NUMBER and type(std) in _NUMBER
                and std >= 0 and _at_once(context, tensor, _fi.normal, mean, std)):
            return tensor
        return slow(context, tensor, mean, std, generator=generator, **rest)
    return handler


def _kaiming_uniform(slow):
    """``torch.nn.init.kaiming_uniform_``, once torch has accepted its
    arguments for a tensor of this many dimensions (fastinit.torch's
    cache of torch's checks)."""
    accepted = _ft._TORCH_ACCEPTED

    def handler(context, tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None, **rest):
        if (generator is None and not rest and type(mode) is str and type(nonlinearity) is str
                and type(a) in _ft._SCALARS):
            view = _fill_view(tensor)
            if view is not None and view.size and (mode, nonlinearity, a, view.ndim >= 2) in accepted:
                _fi.he_uniform(None, out=view, seed=context.gen, a=a, mode=mode.lower(),
                               nonlinearity=nonlinearity, in_axis=1, out_axis=0)
                return _drawn(context, tensor)
        return slow(context, tensor, a, mode, nonlinearity, generator=generator, **rest)
    return handler


def _made(kwargs):
    """torch.empty's keywords of a factory call, and its requires_grad."""
    return {k: v for k, v in kwargs.items() if k != "requires_grad"}, bool(kwargs.get("requires_grad"))


def _factory(fill):
    draw = _nn(fill)

    def handler(context, *size, generator=None, **kwargs):
        made, grad = _made(kwargs)
        t = torch.empty(*size, **made)
        draw(context, t, generator=generator)
        return t.requires_grad_(grad)
    return handler


def _like(fill):
    draw = _nn(fill)

    def handler(context, other, generator=None, **kwargs):
        made, grad = _made(kwargs)
        t = torch.empty_like(other, **made)
        draw(context, t, generator=generator)
        return t.requires_grad_(grad)
    return handler


class _Fixed:
    """A context whose generator draws the stream a random call reserved
    when it was recorded (a meta tensor's draw, made again later)."""
    record = None
    track = False

    def __init__(self, context, generator):
        src, stream = _ft._pinned(_ft._source(generator, None) if generator is not None
                                  else context.gen, None)
        self.gen = _fi.Generator(src) if stream is None else _fi.random._restore(src.seed_seq, stream)

    def note(self, tensor):
        pass


def _words(context, generator, n):
    """n uint64 words of the context's next stream (or of one seed drawn
    from ``generator``)."""
    src = _ft._source(generator, None) if generator is not None else context.gen
    g = src if isinstance(src, _fi.Generator) else _fi.Generator(src)
    return g.random_raw(2 * n).view(np.uint64)


# torch's default ``to`` of random_() per dtype: the type's range, or 2**mantissa + 1 for floats
_RANDOM_TO = {torch.bool: 2, torch.uint8: 2 ** 8, torch.int8: 2 ** 7, torch.int16: 2 ** 15,
              torch.int32: 2 ** 31, torch.int64: 2 ** 63, torch.float16: 2 ** 11 + 1,
              torch.bfloat16: 2 ** 8 + 1, torch.float32: 2 ** 24 + 1, torch.float64: 2 ** 53 + 1}


def _random_(context, tensor, *args, generator=None, **kwargs):
    """``Tensor.random_([from,] to)``: integers uniform on [from, to), each
    from one 64-bit word of the context's stream (modulo the range, as
    torch's CPU kernel reduces its words)."""
    if tensor.is_meta:
        if context.record is not None:
            fixed = _Fixed(context, generator)
            context.record.draw(tensor, lambda t: _random_(fixed, t, *args, **kwargs))
        return tensor
    low, high = 0, None
    if "from" in kwargs or "to" in kwargs:
        low, high = kwargs.pop("from", 0), kwargs.pop("to", None)
    elif len(args) == 1:
        high = args[0]
    elif len(args) == 2:
        low, high = args
    if kwargs or len(args) > 2:
        raise TypeError(f"random_() got unexpected arguments {args} {kwargs}")
    if tensor.dtype not in _RANDOM_TO:
        raise TypeError(f"fastinit's random_ fills real and integer tensors, got {tensor.dtype}")
    high = _RANDOM_TO[tensor.dtype] + low if high is None else high
    if not high > low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    values = _words(context, generator, tensor.numel()) % np.uint64(high - low)
    with torch.no_grad():
        tensor.copy_((torch.from_numpy(values.astype(np.int64)) + low).reshape(tensor.shape))
    context.note(tensor)
    return tensor


def _randint(context, *args, generator=None, **kwargs):
    """``torch.randint([low,] high, size)``."""
    if "size" in kwargs:
        args = args + (kwargs.pop("size"),)
    if "high" in kwargs:
        args = (kwargs.pop("low", 0), kwargs.pop("high")) + args
    low, high, size = (0, *args) if len(args) == 2 else args
    made, grad = _made({"dtype": torch.int64, **kwargs})
    t = torch.empty(size, **made)
    _random_(context, t, low, high, generator=generator)
    return t.requires_grad_(grad)


def _randperm(context, n, *, generator=None, out=None, **kwargs):
    """``torch.randperm(n)``: the stable argsort of n uniform 64-bit keys."""
    made, grad = _made({"dtype": torch.int64, **kwargs})
    if torch.device(made.get("device") or torch.get_default_device()).type == "meta":
        t = torch.empty(n, **made) if out is None else out.resize_(n)
        if context.record is not None:
            fixed = _Fixed(context, generator)
            context.record.draw(t, lambda real: real.copy_(_randperm(fixed, n)))
        return t.requires_grad_(grad) if out is None else t
    perm = torch.from_numpy(np.argsort(_words(context, generator, n), kind="stable"))
    if out is not None:
        return out.resize_(n).copy_(perm)
    return perm.to(**made).requires_grad_(grad)


# torch.nn.init's functions that check for overrides, each read once
_NN_HOOKED = (_tinit.uniform_, _tinit.normal_, _tinit.kaiming_uniform_)
_HANDLERS = {
    _NN_HOOKED[0]: _uniform(_nn(_ft.uniform_)),
    _NN_HOOKED[1]: _normal(_nn(_ft.normal_)),
    _NN_HOOKED[2]: _kaiming_uniform(_nn(_ft.kaiming_uniform_)),
    T.uniform_: _uniform_method(_nn(_ft.uniform_, {"from": "a", "to": "b"})),
    T.normal_: _normal(_nn(_ft.normal_)),
    T.random_: _random_,
    torch.randn: _factory(_ft.normal_),
    torch.rand: _factory(_ft.uniform_),
    torch.randn_like: _like(_ft.normal_),
    torch.rand_like: _like(_ft.uniform_),
    torch.randint: _randint,
    torch.randperm: _randperm,
}
for _name in ("bernoulli_", "exponential_", "geometric_", "cauchy_", "log_normal_"):
    _HANDLERS[getattr(T, _name)] = _unroutable(f"Tensor.{_name}")
for _name in ("normal", "bernoulli", "multinomial", "poisson", "randint_like"):
    _HANDLERS[getattr(torch, _name)] = _unroutable(f"torch.{_name}")


def _data(func):
    """``torch.tensor(data)`` and kin: torch's, logged when a recording
    context makes a meta tensor of the data."""
    def handler(context, *args, **kwargs):
        out = func(*args, **kwargs)
        if context.record is not None and isinstance(out, T) and out.is_meta:
            _rec.log_data(context.record, func, args, kwargs, out)
        return out
    return handler


for _f in _rec.DATA_CALLS:
    _HANDLERS[_f] = _data(_f)


def _is_meta(context, tensor):
    """``Tensor.is_meta``; asked of a meta tensor while a construction is
    recorded, it marks the tensor's storage: code that asks may write
    something else on the CPU (``torch.nn.init.trunc_normal_`` skips meta
    tensors), so a tensor made from it is refused, never made wrong."""
    meta = tensor.is_meta
    if meta and context.record is not None:
        context.record.branched(tensor)
    return meta


_HANDLERS[T.is_meta.__get__] = _is_meta  # type: ignore[attr-defined]
# A torch.nn.init function reaches the mode as whatever object its module's
# global holds: a wrapper when a library patched it (transformers guards
# torch.nn.init this way). Same name, same job.
_BY_NAME = {f.__name__: _HANDLERS[f] for f in _NN_HOOKED}


_TENSOR = (T,)
# nn.Parameter, whose __torch_function__ torch disables: a call on
# parameters is told from a subclass's by one identity test, asked at each
# call (_own_handler's probe costs more than the rest of a pass-through)
_PARAM = torch.nn.Parameter
_PARAMETER = (_PARAM,)
_DISABLED = torch._C._disabled_torch_function_impl
_DEFAULT = (getattr(T.__torch_function__, "__func__", None), _DISABLED)


def _own_handler(types):
    """Whether a subclass among ``types`` has a __torch_function__ of its own."""
    return any(getattr(t.__torch_function__, "__func__", t.__torch_function__) not in _DEFAULT
               for t in types)


class _Dispatch(TorchFunctionMode):
    """One thread's hook into torch: random calls go to the calling task's
    context, all else through. ``open``: this thread's open entries;
    ``tracking``: those that record writes (reset_parameters_)."""

    def __init__(self):
        super().__init__()
        self.open = 0
        self.tracking = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        # (most calls come without keywords: no dict is made for them)
        handler = _HANDLERS.get(func)
        if handler is None and type(func) is FunctionType:
            handler = _BY_NAME.get(func.__name__)
        if handler is not None:
            context = current()
            if context is not None:
                return handler(context, *args, **kwargs) if kwargs else handler(context, *args)
        if (types and types != _TENSOR and not (types == _PARAMETER and _PARAM.__torch_function__ is _DISABLED)
                and _own_handler(types) and torch._C._is_torch_function_enabled()):
            # a tensor subclass with a __torch_function__ of its own: torch
            # runs it next, with this mode still on the stack (so a draw it
            # makes is seen)
            return NotImplemented
        if type(func) is FunctionType:
            # a Python function: run its body with this mode on the stack,
            # skipping only this one hop (its inner calls are seen)
            with self:
                result = redispatch_function(func, types, args, kwargs or {})
        elif kwargs:
            result = func(*args, **kwargs)
        else:
            result = func(*args)
        if self.tracking and args and isinstance(args[0], T):
            name = getattr(func, "__name__", "")
            if name.endswith("_") and not name.endswith("__"):
                context = current()
                if context is not None:
                    context.note(args[0])
        return result


_FUNCTION_STACK = (torch._C._len_torch_function_stack, torch._C._pop_torch_function_stack,
                   torch._C._push_on_torch_function_stack)
_DISPATCH_STACK = (torch._C._len_torch_dispatch_stack,
                   lambda: torch._C._pop_torch_dispatch_stack(None),
                   torch._C._push_on_torch_dispatch_stack)


def _remove_mode(mode, stack=_FUNCTION_STACK):
    """Take ``mode`` off this thread's torch function-mode (or dispatch-mode)
    stack, wherever it is; the modes above it go back in their order."""
    length, pop, push = stack
    above = []
    while length():
        top = pop()
        if top is mode:
            break
        above.append(top)
    else:
        raise RuntimeError("fastinit's init_context mode was not on this thread's stack")
    for m in reversed(above):
        push(m)


def _noted(module, name, value):
    """torch's registration hook while contexts are open: the calling
    task's context notes which module registered which tensor."""
    if value is not None:
        context = current()
        if context is not None:
            context.made.append((module, name))


def _default_is_meta():
    """``torch.get_default_device().type == "meta"``, called while this
    thread's dispatcher mode is on its stack. torch keeps a default device
    as a DeviceContext mode on the thread's stack (``with
    torch.device(...)``, ``torch.set_default_device``, which also notes it
    in a thread-local): with neither, the default is the CPU, known without
    get_default_device's cost (80 us with cold caches, at every context)."""
    if (_DEVICE_CONTEXT is None or torch._C._len_torch_function_stack() > 1
            or getattr(_DEVICE_CONTEXT, "device_context", None) is not None):
        return torch.get_default_device().type == "meta"
    return False


# where torch.set_default_device notes the default (None: ask get_default_device)
_DEVICE_CONTEXT = getattr(torch, "_GLOBAL_DEVICE_CONTEXT", None)


class InitContext:
    """What ``fastinit.torch.init_context`` returns (see its docstring).
    ``track``: record the tensors in-place calls write (reset_parameters_
    reads ``written`` to name what no reset wrote)."""

    def __init__(self, seed=None, track=False):
        self.gen = seed if isinstance(seed, _fi.Generator) else _fi.Generator(seed)
        self.track = track
        self.written = set()        # data_ptr() of what in-place calls wrote (with track)
        self._opened = []           # this object's open entries, any task or thread
        self.record = None          # the Log of a construction on the meta device, while open
        self.made = []              # (module, name) registered inside, until the exit

    def note(self, tensor):
        if self.track:
            if _ft._is_dtensor(tensor):   # known by itself (see reset_module)
                self.written.add(id(tensor))
                return
            try:
                self.written.add(tensor.data_ptr())
            except RuntimeError:     # no storage of its own (a functorch wrapper, a sparse tensor)
                pass

    def __enter__(self):
        mode = _thread.mode
        if mode is None:
            mode = _thread.mode = _thread.spare or _Dispatch()
            _thread.spare = None
            torch._C._push_on_torch_function_stack(mode)
        mode.open += 1
        mode.tracking += self.track
        entry = _Entry(self, mode)
        self._opened.append(entry)
        _entries.set(_entries.get() + (entry,))
        _rec.hooks_on(_noted)
        if self.record is None and not self.track and _default_is_meta():
            # a construction on the meta device: recorded, so reset_parameters_
            # can make what no reset writes (see _torchrecord)
            self.record = _rec.Log()
            entry.recorder = _rec.Recorder(self, self.record, current)
            _DISPATCH_STACK[2](entry.recorder)
        return self

    def __exit__(self, *exc):
        # This object's newest open entry of the calling task and thread,
        # else (an exit from elsewhere: a generator finalized by another
        # task) its newest open entry anywhere.
        mine = [e for e in _entries.get() if e.context is self and e.open]
        ident = threading.get_ident()
        here = [e for e in mine if e.ident == ident]
        entry = (here or mine or [e for e in self._opened if e.open] or [None])[-1]
        if entry is None:
            raise RuntimeError("this init_context is not open")
        entry.open = False
        self._opened.remove(entry)
        entries = _entries.get()
        if entry in entries:
            _entries.set(tuple(e for e in entries if e is not entry))
        _rec.hooks_off()
        made, self.made = self.made, []
        _rec.remember(made, self.record)
        if entry.recorder is not None:
            self.record = None
            _remove_mode(entry.recorder, _DISPATCH_STACK)
        mode = entry.mode
        mode.open -= 1
        mode.tracking -= self.track
        if mode.open == 0 and entry.ident == ident and _thread.mode is mode:
            _thread.mode = None
            _remove_mode(mode)
            _thread.spare = mode
        return False


def _pointer(tensor):
    """The tensor's data pointer, or None (a DTensor, a functorch wrapper:
    no storage of its own)."""
    try:
        return tensor.data_ptr()
    except RuntimeError:
        return None


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


def _init_weights_of(module):
    """A module's own ``init_weights``, as its construction calls it, when
    that call can be made again exactly: one that takes no arguments (timm's
    blocks: layer-scale gammas), or
    timm's meta-device convention, ``init_weights(..., needs_reset=...)``,
    whose module stores the mode it was built with (called with
    ``needs_reset=False``: the resets have run). One taking a mode it does
    not store (``init_weights(mode='')`` of an older model) is not called:
    its construction's argument is unknown. transformers models have their
    own path (``_rerun_transformers_init``)."""
    fn = getattr(module, "init_weights", None)
    if not callable(fn) or _is_transformers_model(module):
        return None
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None
    if any(p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
           for p in params.values()):
        return None
    if "needs_reset" in params:
        return lambda: fn(needs_reset=False)
    named = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return None if named else fn


def _is_transformers_model(m):
    """A transformers ``PreTrainedModel``, known by its API (no import)."""
    return callable(getattr(m, "initialize_weights", None)) and callable(getattr(m, "_init_weights", None))


def _transformers_models(module):
    """The outermost transformers models in ``module`` (itself or submodules)."""
    found, inside = [], []
    for name, m in module.named_modules():
        if any(name.startswith(p) for p in inside):
            continue
        if _is_transformers_model(m):
            found.append(m)
            inside.append(name + "." if name else "")
    return found


def _rerun_transformers_init(model):
    """A transformers model's own whole-model init, as its construction ran
    it (``post_init`` -> ``initialize_weights``): every module's
    ``_init_weights``, children first, each by the nearest transformers
    model above it. Done here rather than through ``initialize_weights``,
    which skips what it marked initialized (``_is_hf_initialized``: after
    ``to_empty`` nothing is) and treats a class it does not know as remote
    code (FSDP2's ``fully_shard`` renames the class), skipping modules
    without parameters of their own (GPT-2's attention, whose
    ``_init_weights`` scales ``c_proj``)."""
    def walk(module, owner):
        for child in module.children():
            walk(child, child if _is_transformers_model(child) else owner)
        owner._init_weights(module)
        if hasattr(module, "_is_hf_initialized"):
            module._is_hf_initialized = True
    for m in model.modules():
        for t in list(m.parameters(recurse=False)) + list(m.buffers(recurse=False)):
            if getattr(t, "_is_hf_initialized", False):
                t._is_hf_initialized = False
    tie = getattr(model, "tie_weights", None)
    if callable(tie) and not any(hasattr(p, "device_mesh") for p in model.parameters()):
        # to_empty unties tied weights (each module gets its own tensor);
        # construction initializes them tied, so the last write wins in both
        tie()
    walk(model, model)


def _construct_again(module, names, targets):
    """Of the tensors ``names`` that no reset wrote, give those built inside
    ``init_context`` the values their construction gave them: kept where
    they still hold them, made again from the recording of a construction
    on the meta device (``_torchrecord``); returns the names left."""
    left, branched, wanted = [], [], {}
    for name in names:
        owner, _, local = name.rpartition(".")
        info = _rec.MADE.get(module.get_submodule(owner), {}).get(local)
        t = targets[name]
        if info is None:
            left.append(name)
        elif info[0] is None:
            if _pointer(t) != info[1]:
                left.append(name)           # not the memory its construction wrote
        else:
            why = info[0].refusal(info[1])
            if why == "branched":
                branched.append(name)
            elif why == "unwritten":
                left.append(name)           # its construction only allocated it
            else:
                wanted.setdefault(info[0], []).append((name, info[1]))
    if branched:
        raise ValueError(
            f"fastinit.torch cannot make {', '.join(branched)} again from the model's construction "
            "on the meta device: that construction asked whether a tensor they are made from was "
            "on the meta device (as torch.nn.init.trunc_normal_ does, to skip its draw), so on the "
            "CPU it may write something else. Initialize them after to_empty(), e.g. inside "
            "fastinit.torch.init_context(seed=...).")
    for log, items in wanted.items():
        try:
            values = log.replay([ref for _, ref in items])
        except ValueError as e:
            raise ValueError(f"{', '.join(name for name, _ in items)}: {e}") from None
        for (name, _), value in zip(items, values):
            t = targets[name]
            if tuple(value.shape) != tuple(t.shape):
                raise ValueError(f"{name} has shape {tuple(t.shape)}, but its construction made "
                                 f"{tuple(value.shape)}; it changed after the model was built")
            _ft._copy_whole(t, value)
    return left


def _tensors(module):
    """A module's parameters and buffers by name."""
    found = dict(module.named_parameters())
    found.update(module.named_buffers())
    return found


RESET_STREAMS = 2 ** 63      # where reset_parameters_'s streams of an int seed start


def reset_module(module, seed=None):
    """fastinit.torch.reset_parameters_."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    targets = _tensors(module)
    for name, t in targets.items():
        if t.is_meta:
            raise ValueError(f"{name} is on the meta device and has no memory to fill: call "
                             "module.to_empty(device='cpu') first")
    before = {name: t._version for name, t in targets.items()}
    if not isinstance(seed, _fi.Generator):
        # streams 2**63, 2**63 + 1, ... of Generator(seed): init_context(seed)
        # draws 0, 1, 2, ..., so a model built in one and reset with the
        # same seed never reads a stream twice
        seed = _fi.random._restore(_fi.Generator(seed).seed_seq, RESET_STREAMS)
    context = InitContext(seed, track=True)
    with torch.no_grad(), context:
        for m in _post_order(module, set()):
            reset = _reset_of(m)
            if reset is not None:
                reset()
            init = _init_weights_of(m)
            if init is not None:
                init()
        for model in _transformers_models(module):
            _rerun_transformers_init(model)
    # A DTensor's version counter is its local shard's, which FSDP2 may
    # share with other shards (views of one buffer): its writes are known by
    # the tensor itself, as the context noted them. A tensor a reset
    # replaced (registered anew: timm's swin masks) is the reset's.
    now = _tensors(module)
    missed = [name for name, t in targets.items()
              if t.numel() and now.get(name) is t
              and (id(t) not in context.written if _ft._is_dtensor(t) else
                   t._version == before[name] and _pointer(t) not in context.written)]
    if missed:
        missed = _construct_again(module, missed, targets)
    if missed:
        raise ValueError(
            f"reset_parameters_ could not re-initialize {', '.join(missed)}: no reset_parameters() "
            "or _reset_parameters() of their modules writes them. Give those modules a "
            "reset_parameters(), or initialize those tensors yourself (e.g. inside "
            "fastinit.torch.init_context(seed=...)).")
    return module
