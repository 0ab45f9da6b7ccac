"""The large-model workflow on real models, in one process: for each model of
``zoo.py``'s families (timm every ``--every``-th, torchvision, transformers
small configs), build it on the meta device inside
``fastinit.torch.init_context(seed=0)``, ``to_empty(device="cpu")``,
``fastinit.torch.reset_parameters_(model, seed=0)``, and compare every
parameter and buffer with the same model built on the CPU inside the same
context and reset the same way. Prints one line per model (``same``, ``differs: <names>`` or the
error ``reset_parameters_`` raised) and a count of each.

    python benchmarks/meta_workflow.py [--every 10] [--models a,b] [--max-params 3e8]
"""
import argparse
import collections
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from zoo import families  # noqa: E402

import fastinit.torch as finit  # noqa: E402


def check(build):
    torch.manual_seed(0)
    with finit.init_context(seed=0):
        one = build()
    one = finit.reset_parameters_(one, seed=0)
    with torch.device("meta"), finit.init_context(seed=0):
        meta = build()
    meta.to_empty(device="cpu")
    finit.reset_parameters_(meta, seed=0)
    want = dict(one.named_parameters())
    want.update(one.named_buffers())
    got = dict(meta.named_parameters())
    got.update(meta.named_buffers())
    return [n for n, t in want.items()
            if not torch.equal(t.detach(), got[n].detach()) and not (t.isnan().all() and got[n].isnan().all())]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--models", default="")
    parser.add_argument("--max-params", type=float, default=3e8,
                        help="skip models with more parameters (counted on the meta device)")
    args = parser.parse_args(argv)
    counts = collections.Counter()
    for family, name, build in families(args.every, args.models.split(",") if args.models else ()):
        if args.models and name not in args.models.split(","):
            continue
        try:
            with torch.device("meta"):
                size = sum(p.numel() for p in build().parameters())
            if size > args.max_params:
                print(f"{family:<12} {name:<40} skipped: {size / 1e6:.0f}M parameters", flush=True)
                counts["skipped"] += 1
                continue
            differ = check(build)
            verdict = "same" if not differ else f"differs: {', '.join(differ[:4])}"
            counts["same" if not differ else "differs"] += 1
        except Exception as e:      # noqa: BLE001 - report and go on
            verdict = f"{type(e).__name__}: {str(e).splitlines()[0][:150]}"
            counts["error"] += 1
        print(f"{family:<12} {name:<40} {verdict}", flush=True)
    print(dict(counts))


if __name__ == "__main__":
    main()
