"""What ``fastinit.torch.init_context`` costs per torch call, per draw, and
on a small model, against torch alone and against the floor of any design
that routes draws through a per-thread ``TorchFunctionMode``.

    python benchmarks/context_cost.py [--model test_vit] [--rounds 11]

1. Per call (timeit, best of 5): a few non-random torch calls plain, under a
   mode that does nothing, and inside ``init_context``.
2. Per draw: ``Tensor.uniform_`` and ``torch.nn.init`` fills plain and
   inside the context.
3. A model (timm's ``--model`` when timm is installed, else a stack of
   small ``nn.Linear``): built by torch alone, inside ``init_context``, and
   inside a context whose draw handlers only zero the tensor (the cheapest
   write a mode could make: the floor), alternating, best of ``--rounds``.
   Prints each as torch's time over its time.
"""
import argparse
import gc
import sys
import time
import timeit

import torch
from torch.overrides import TorchFunctionMode

import fastinit
import fastinit._torchmode as tm
import fastinit.torch as ft
from fastinit._config import cpu_name


class Nop(TorchFunctionMode):
    """A mode that passes every call through: what torch's machinery costs."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))


def per_call(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def table(title, cases, number):
    print(f"\n{title} (us per call)")
    print(f"{'call':28s} {'plain':>8s} {'nop mode':>9s} {'context':>8s}")
    for name, fn in cases.items():
        plain = per_call(fn, number)
        with Nop():
            nop = per_call(fn, number)
        with ft.init_context(seed=0):
            ctx = per_call(fn, number)
        print(f"{name:28s} {plain:8.2f} {nop:9.2f} {ctx:8.2f}")


def zero_handlers():
    """The context's handlers, each replaced by one torch zero_ of its tensor."""
    def zero(context, tensor=None, *args, **kwargs):
        if isinstance(tensor, torch.Tensor) and not tensor.is_meta:
            torch.Tensor.zero_(tensor.detach())
        return tensor
    return {k: zero for k in tm._HANDLERS}, {k: zero for k in tm._BY_NAME}


def builder(name):
    try:
        import timm
        return name, lambda: timm.create_model(name, pretrained=False)
    except ImportError:
        def stack():
            return torch.nn.Sequential(*[torch.nn.Linear(64, 64) for _ in range(40)])
        return "40 x nn.Linear(64, 64) (timm not installed)", stack


def model_floor(name, rounds):
    label, build = builder(name)
    saved = dict(tm._HANDLERS), dict(tm._BY_NAME)
    zeros = zero_handlers()

    def ctx():
        with ft.init_context(seed=0):
            build()

    def floor():
        tm._HANDLERS.update(zeros[0])
        tm._BY_NAME.update(zeros[1])
        try:
            with ft.init_context(seed=0):
                build()
        finally:
            tm._HANDLERS.update(saved[0])
            tm._BY_NAME.update(saved[1])

    def nop():
        with Nop():
            build()

    ways = {"torch": build, "init_context": ctx, "floor (zero_ handlers)": floor, "nop mode": nop}
    for fn in ways.values():
        fn()
    best = dict.fromkeys(ways, float("inf"))
    for _ in range(rounds):
        for k, fn in ways.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - start)
    print(f"\n{label}: best of {rounds}, alternating; torch's time / each way's")
    for k, v in best.items():
        print(f"  {k:24s} {v * 1e3:8.2f} ms  {best['torch'] / v:5.3f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="test_vit")
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    fastinit.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, CPU: {cpu_name()}")
    x = torch.zeros(4)
    table("non-random calls", {
        "torch._C._set_grad_enabled": lambda: torch._C._set_grad_enabled(True),
        "x.dim()": lambda: x.dim(),
        "x.zero_()": lambda: x.zero_(),
        "torch.empty(4)": lambda: torch.empty(4),
    }, 20000)
    b = torch.empty(64)
    w = torch.empty(64, 64)
    table("draws", {
        "x.uniform_(-.1, .1), 64": lambda: b.uniform_(-0.1, 0.1),
        "init.uniform_(x, -.1, .1), 64": lambda: torch.nn.init.uniform_(b, -0.1, 0.1),
        "init.kaiming_uniform_, 64x64": lambda: torch.nn.init.kaiming_uniform_(w, a=5 ** 0.5),
    }, 5000)
    model_floor(args.model, args.rounds)


if __name__ == "__main__":
    sys.exit(main())
