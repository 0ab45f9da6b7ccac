"""What a model's construction wrote, recorded on the meta device and made
again after ``to_empty``: the part of ``init_context`` that serves
``reset_parameters_`` in the large-model workflow.

Why the values are the construction's, exactly
----------------------------------------------
A model built on the meta device inside ``init_context`` runs its
construction as it would on the CPU; only the memory is missing. While it
runs, a ``TorchDispatchMode`` (one per recording entry, on the entering
thread's stack) logs every ATen operation that reads or writes a meta
tensor: the operator, its arguments (a meta tensor as the storage it lives
in and its view of it; a real tensor by its value, copied) and the storages
it writes (its outputs' and the arguments its schema marks written). A
random call the context answers logs, in place of torch's operation, the
fastinit call that makes it with the stream reserved for it now, in call
order, so that stream is the one the same call on the CPU draws from.
``torch.tensor`` data reaching the meta device is logged by its value.

To make a tensor again, the log is sliced backwards from its storage: an
operation is kept when it writes a storage still wanted, and then the
storages it reads are wanted too. The kept operations run forward on CPU
storages standing in for the meta ones, in their recorded order, so every
read sees what it saw in the construction; nothing outside the slice can
change a value in it (the slice holds every write to every storage it
reads). The result is the tensor the same construction on the CPU gives
under the same seed, bit for bit. An operation the log cannot make again
(torch's own random kernels reached from C++ or TorchScript) raises when a
slice needs it; a storage no logged operation made raises too.

Which tensors are the model's
-----------------------------
Modules register their parameters and buffers through ``nn.Module``;
torch's registration hooks (installed while a context is open, answering
only for the task that opened it) note each (module, name). At the exit of
the entry those modules are remembered, weakly, with where each tensor
lives at that moment (``param.data = ...`` included). FSDP2, tensor
parallel and ``to_empty`` keep the module objects and the names, so
``reset_parameters_`` finds, for a tensor no reset writes, the slice that
makes it, and copies it in (a DTensor: this rank's blocks of it).
"""
import threading
import weakref

import torch
from torch.utils import _pytree
from torch.utils._python_dispatch import TorchDispatchMode

_HOOKS: list = []             # torch's registration hook handles, while any context is open
_HOOK_USERS = [0]
_HOOK_LOCK = threading.Lock()
# module -> {name: (Log, _Ref): made on the meta device; or (None, data pointer): made
# in memory, where it still is}
MADE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNINITIALIZED = {"empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided"}


def on_meta(t):
    """Whether ``t`` is on the meta device, asked as fastinit: not through
    ``Tensor.is_meta``, which a recording context notes when a model's own
    code asks it (``_torchmode._is_meta``)."""
    return t.device.type == "meta"


class _Ref:
    """A meta tensor as the log knows it: its storage and its view of it."""
    __slots__ = ("key", "offset", "size", "stride", "dtype")

    def __init__(self, t):
        self.key = t.untyped_storage()._cdata
        self.offset = t.storage_offset()
        self.size = tuple(t.shape)
        self.stride = tuple(t.stride())
        self.dtype = t.dtype


class _Const:
    """A real tensor an operation read, by its value then."""
    __slots__ = ("value",)

    def __init__(self, t):
        with torch._C.DisableTorchFunction():
            self.value = t.detach().clone()


def _encode(leaf, log):
    if isinstance(leaf, torch.Tensor):
        if on_meta(leaf):
            log.keep(leaf)
            return _Ref(leaf)
        return _Const(leaf)
    return leaf


class _Op:
    """One logged operation: ``run(args, kwargs)`` on the decoded leaves."""
    __slots__ = ("run", "leaves", "spec", "outs", "writes", "reads", "name", "index")

    def __init__(self, run, leaves, spec, outs, writes, name, index):
        self.run, self.leaves, self.spec, self.outs = run, leaves, spec, outs
        self.writes = writes
        self.reads = {leaf.key for leaf in leaves if isinstance(leaf, _Ref)}
        self.name = name
        self.index = index


class Log:
    """The operations of one recorded construction, in order."""

    def __init__(self):
        self.ops = []
        self.storages = {}       # key -> the meta storage, kept so no key is reused
        self.lock = threading.Lock()
        self.asked = set()       # storages construction code asked is_meta of
        self.first_branch = float("inf")   # the index of the first op logged after such a question

    def branched(self, t):
        """Construction code asked whether ``t`` is on the meta device: what
        it then writes may differ from the CPU's, and so may how many
        random calls it makes (torch's ``trunc_normal_`` makes none on the
        meta device, a data-dependent number on the CPU), so every draw
        logged from here on may have another stream on the CPU."""
        self.keep(t)
        with self.lock:
            self.asked.add(t.untyped_storage()._cdata)
            self.first_branch = min(self.first_branch, len(self.ops))

    def keep(self, t):
        s = t.untyped_storage()
        self.storages.setdefault(s._cdata, s)

    def add(self, run, args, kwargs, out, written, name):
        leaves, spec = _pytree.tree_flatten((args, kwargs))
        enc = [_encode(leaf, self) for leaf in leaves]
        outs = [_encode(o, self) if isinstance(o, torch.Tensor) and on_meta(o) else None
                for o in _pytree.tree_leaves(out)]
        writes = {r.key for r in outs if r is not None}
        for t in written:
            self.keep(t)
            writes.add(t.untyped_storage()._cdata)
        with self.lock:
            self.ops.append(_Op(run, enc, spec, outs, writes, name, len(self.ops)))

    def draw(self, tensor, replay):
        """A random fill of the meta ``tensor``; ``replay(real)`` makes it
        on a CPU tensor standing in for it."""
        self.add(lambda args, kwargs: replay(args[0]), (tensor,), {}, None, (tensor,), "draw")

    # ---- making tensors again -----------------------------------------------------------------
    def cone(self, keys):
        """The operations that make the storages ``keys`` (in reverse
        order), and every storage they read."""
        wanted, kept = set(keys), []
        for op in reversed(self.ops):
            if op.writes & wanted:
                kept.append(op)
                wanted |= op.reads
        return kept, wanted

    def refusal(self, ref):
        """Why the tensor cannot be made again, or None: "branched" when it
        is made from a storage code asked is_meta of, or from a draw logged
        after such a question; "unwritten" when nothing but an allocation
        wrote its storage."""
        kept, wanted = self.cone([ref.key])
        if wanted & self.asked or any(op.name == "draw" and op.index >= self.first_branch
                                      for op in kept):
            return "branched"
        if all(op.name in _UNINITIALIZED for op in kept if ref.key in op.writes):
            return "unwritten"
        return None

    def replay(self, refs):
        """CPU tensors equal to the meta tensors ``refs`` at the end of the
        recording: the slice of the log that makes them, run forward."""
        kept, _ = self.cone([r.key for r in refs])
        real = {}

        def decode(leaf):
            if isinstance(leaf, _Ref):
                if leaf.key not in real:
                    raise ValueError("fastinit.torch could not make a tensor of this model again: "
                                     "its construction read memory that no operation it recorded "
                                     "made (a tensor created outside the init_context)")
                return torch.empty(0, dtype=leaf.dtype).set_(real[leaf.key], leaf.offset,
                                                             leaf.size, leaf.stride)
            if isinstance(leaf, _Const):
                return leaf.value.clone()
            if isinstance(leaf, torch.device) and leaf.type == "meta":
                return torch.device("cpu")
            return leaf

        with torch.no_grad(), torch._C.DisableTorchFunction():
            for op in reversed(kept):
                args, kwargs = _pytree.tree_unflatten([decode(x) for x in op.leaves], op.spec)
                out = op.run(args, kwargs)
                for ref, t in zip(op.outs, _pytree.tree_leaves(out)):
                    if ref is None or not isinstance(t, torch.Tensor) or ref.key in real:
                        continue
                    if t.storage_offset() != ref.offset or tuple(t.stride()) != ref.stride:
                        t = torch.empty_strided(ref.size, ref.stride, dtype=t.dtype).copy_(t) \
                            if ref.offset == 0 else None
                        if t is None:
                            raise RuntimeError(f"{op.name} made a tensor on the CPU laid out unlike "
                                               "its meta tensor; please report it to fastinit")
                    real[ref.key] = t.untyped_storage()
            return [decode(r).clone() for r in refs]


def _aten_runner(func):
    if torch.Tag.nondeterministic_seeded in getattr(func, "tags", ()):
        def refuse(args, kwargs):
            raise ValueError(
                f"fastinit.torch cannot make this tensor again from the model's construction on the "
                f"meta device: it was drawn by {func} with torch's own generator, below the Python "
                "calls init_context sees (C++ or TorchScript code), so its values follow no seed. "
                "Initialize it after to_empty(), e.g. inside fastinit.torch.init_context(seed=...).")
        return refuse

    def run(args, kwargs):
        return func(*args, **kwargs)
    return run


def _mutated(func, args, kwargs):
    """The tensor arguments the operator's schema marks written."""
    schema = getattr(func, "_schema", None)
    if schema is None:
        return []
    found = []
    for i, a in enumerate(schema.arguments):
        if a.alias_info is None or not a.alias_info.is_write:
            continue
        v = args[i] if i < len(args) else kwargs.get(a.name)
        found.extend(t for t in _pytree.tree_leaves(v) if isinstance(t, torch.Tensor) and on_meta(t))
    return found


class Recorder(TorchDispatchMode):
    """Logs every ATen operation on meta tensors made by the task that
    opened ``context``."""

    def __init__(self, context, log, current):
        super().__init__()
        self.context = context
        self.log = log
        self.current = current       # the calling task's context (_torchmode.current)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.current() is not self.context:
            return out
        meta = any(isinstance(t, torch.Tensor) and on_meta(t)
                   for t in _pytree.tree_leaves((args, kwargs, out)))
        if meta:
            name = func.overloadpacket.__name__ if hasattr(func, "overloadpacket") else str(func)
            self.log.add(_aten_runner(func), args, kwargs, out, _mutated(func, args, kwargs), name)
        return out


def log_data(log, func, args, kwargs, out):
    """``torch.tensor(data)`` and its kin reaching the meta device make no
    ATen operation that carries the data: logged by the same call on the CPU."""
    kw = dict(kwargs, device="cpu")
    with torch._C.DisableTorchFunction():
        value = func(*args, **kw)
    log.add(lambda a, k, value=value: value.clone(), (), {}, out, (), "tensor")


DATA_CALLS = {torch.tensor, torch.as_tensor, torch.asarray, torch.Tensor.new_tensor}


# ---- which tensors are a module's ----------------------------------------------------------------
# torch's global registration hook tables, when this torch keeps them where
# register_module_*_registration_hook puts them: an entry of ours is put in
# and taken out under one key of its own (no RemovableHandle to make, at
# every context); else the public functions
_mm = torch.nn.modules.module
_HOOK_TABLES = [getattr(_mm, "_global_parameter_registration_hooks", None),
                getattr(_mm, "_global_buffer_registration_hooks", None)]
_HOOK_KEY = -0x66696E6974    # torch's handles count up from 0


def hooks_on(noted):
    """Install ``noted(module, name, tensor)`` as torch's parameter and
    buffer registration hook, once for all open contexts."""
    with _HOOK_LOCK:
        _HOOK_USERS[0] += 1
        if _HOOK_USERS[0] == 1:
            if all(isinstance(t, dict) for t in _HOOK_TABLES):
                for table in _HOOK_TABLES:
                    table[_HOOK_KEY] = noted
            else:
                _HOOKS[:] = [_mm.register_module_parameter_registration_hook(noted),
                             _mm.register_module_buffer_registration_hook(noted)]


def hooks_off():
    with _HOOK_LOCK:
        _HOOK_USERS[0] -= 1
        if _HOOK_USERS[0] == 0:
            if _HOOKS:
                for h in _HOOKS:
                    h.remove()
                _HOOKS.clear()
            else:
                for table in _HOOK_TABLES:
                    table.pop(_HOOK_KEY, None)


def remember(made, log):
    """At an entry's exit: where each tensor the task registered lives now."""
    with torch._C.DisableTorchFunction():       # attribute reads, not the model's calls
        _remember(made, log)


def _remember(made, log):
    found = {}
    last = names = None
    for module, name in made:           # a module's registrations come one after another
        t = module._parameters.get(name)
        if t is None:                   # (a name is a parameter's or a buffer's, never both)
            t = module._buffers.get(name)
            if not isinstance(t, torch.Tensor):
                continue
        try:
            ptr = t.data_ptr()          # 0 on the meta device (and for no elements)
        except RuntimeError:            # no storage of its own
            ptr = None
        if ptr or not t.is_meta:
            if ptr is None:
                continue
            entry = (None, ptr)
        else:
            if log is None:
                continue                # made on meta without a recording: nothing to make again
            log.keep(t)
            entry = (log, _Ref(t))
        if module is not last:
            mine = found.get(id(module))
            if mine is None:
                mine = found[id(module)] = (module, {})
            last, names = module, mine[1]
        names[name] = entry
    for module, names in found.values():
        known = MADE.setdefault(module, names)
        if known is not names:
            known.update(names)
