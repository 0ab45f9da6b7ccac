"""The model zoo: how long real models take to build under
``fastinit.torch.init_context`` against torch's own construction.

    python benchmarks/zoo.py [--every 10] [--rounds 3] [--threads 2] [--json zoo.json]

Models: every ``--every``-th name of ``timm.list_models()``, torchvision's
classification models (every ``--every``-th) and every detection and
segmentation model, and small transformers configs (BERT, GPT-2, ViT, T5,
Llama). timm, torchvision and transformers are benchmark-only peers; a
family whose package is missing is skipped and said so. Each model is built
``--rounds`` times each way (two, for a model that takes over 2 s),
alternating, and the best of each is kept; the
ratio is torch's time over fastinit's (above 1: fastinit builds faster).
Prints every model, then min / median / max and the five slowest, with the
CPU.
"""
import argparse
import gc
import json
import statistics
import sys
import time




def families(every, names=()):
    """(family, name, build) of every model to time (every ``every``-th, and
    any of ``names``)."""
    out = []
    try:
        import timm
        for name in sorted(set(timm.list_models()[::every]) | (set(names) & set(timm.list_models()))):
            out.append(("timm", name, lambda name=name: timm.create_model(name, pretrained=False)))
    except ImportError:
        print("timm not installed: its models are skipped", file=sys.stderr)
    try:
        import torchvision.models as tvm
        for name in tvm.list_models(module=tvm)[::every]:
            out.append(("torchvision", name, lambda name=name: tvm.get_model(name, weights=None)))
        for module in (tvm.detection, tvm.segmentation):
            for name in tvm.list_models(module=module):
                out.append(("torchvision", name, lambda name=name: tvm.get_model(
                    name, weights=None, weights_backbone=None)))
    except ImportError:
        print("torchvision not installed: its models are skipped", file=sys.stderr)
    try:
        import transformers as tf
        small = dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024)
        configs = {
            "bert-small": lambda: tf.BertModel(tf.BertConfig(**small)),
            "vit-small": lambda: tf.ViTModel(tf.ViTConfig(**small)),
            "llama-small": lambda: tf.LlamaForCausalLM(tf.LlamaConfig(vocab_size=32000, **small)),
            "t5-small": lambda: tf.T5ForConditionalGeneration(tf.T5Config(d_model=256, d_ff=1024, num_layers=4,
                                                                         num_heads=4)),
            "gpt2-2-layer": lambda: tf.GPT2LMHeadModel(tf.GPT2Config(n_layer=2)),
            "gpt2": lambda: tf.GPT2LMHeadModel(tf.GPT2Config()),
        }
        out += [("transformers", name, build) for name, build in configs.items()]
    except ImportError:
        print("transformers not installed: its models are skipped", file=sys.stderr)
    return out


def timed(fn):
    gc.collect()
    start = time.perf_counter()
    model = fn()
    elapsed = time.perf_counter() - start
    del model
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", default=None, help="write every model's times here")
    parser.add_argument("--only", default=None, help="a comma-separated list of families")
    parser.add_argument("--models", default=None, help="a comma-separated list of model names")
    args = parser.parse_args(argv)

    import torch
    import fastinit
    from fastinit._config import cpu_name
    import fastinit.torch as finit
    torch.set_num_threads(args.threads)
    fastinit.set_num_threads(args.threads)

    def ours(build):
        def run():
            with finit.init_context(seed=0):
                return build()
        return run

    rows = []
    for family, name, build in families(args.every, args.models.split(",") if args.models else ()):
        if args.only and family not in args.only.split(","):
            continue
        if args.models and name not in args.models.split(","):
            continue
        try:
            warm = timed(build)                           # warm up: imports, first allocations
            theirs, mine = [], []
            rounds = args.rounds
            if warm > 2.0:                                # a large model: the warm-up counts,
                theirs, rounds = [warm], 2                # and two rounds each way
            for _ in range(rounds):
                theirs.append(timed(build))
                mine.append(timed(ours(build)))
        except Exception as e:                            # a model torch itself cannot build here
            print(f"{family:12s} {name:40s} skipped: {type(e).__name__}: {str(e)[:80]}", flush=True)
            continue
        ratio = min(theirs) / min(mine)
        rows.append(dict(family=family, model=name, torch_s=min(theirs), fastinit_s=min(mine), ratio=ratio))
        print(f"{family:12s} {name:40s} torch {min(theirs) * 1e3:9.1f} ms  init_context "
              f"{min(mine) * 1e3:9.1f} ms  {ratio:6.2f}x", flush=True)
    ratios = sorted(r["ratio"] for r in rows)
    print(f"\n{len(rows)} models, {args.threads} threads, best of {args.rounds} alternating, "
          f"torch {torch.__version__}, CPU: {cpu_name()}")
    if ratios:
        print(f"ratio (torch time / init_context time): min {ratios[0]:.2f}x, median "
              f"{statistics.median(ratios):.2f}x, max {ratios[-1]:.2f}x")
        print("five slowest:", ", ".join(f"{r['model']} {r['ratio']:.2f}x"
                                         for r in sorted(rows, key=lambda r: r["ratio"])[:5]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(cpu=cpu_name(), threads=args.threads, rows=rows), f, indent=1)


if __name__ == "__main__":
    main()
