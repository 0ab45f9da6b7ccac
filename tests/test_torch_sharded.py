"""Sharded models get the one-process weights (gloo on the CPU, one process
per rank, each under a timeout): FSDP2 alone, tensor parallel alone and
FSDP2 + TP on a 2-D mesh, on a Llama-shaped model of the tests
(``dist_models.TinyLlama``: every module's reset, and its own
``init_weights`` under ``init_context``) and on transformers' GPT-2 with 2
layers; world sizes 1 to 4, meshes (4,) and (2, 2), uneven shards (67 and
40 rows); and every fill of ``fastinit.torch`` on DTensors of each
placement. Each rank checks its local shard and the full tensor against the
model built in one process under the same seed (``tests/dist_models.py``);
a rank that fails or hangs fails the test, naming the rank."""
import os
import pathlib
import socket
import subprocess
import sys

import pytest

pytest.importorskip("torch")
import torch.distributed as dist  # noqa: E402

if not dist.is_available() or not dist.is_gloo_available():
    pytest.skip("torch.distributed with gloo is not available", allow_module_level=True)

WORKER = pathlib.Path(__file__).with_name("dist_models.py")
TIMEOUT = 240


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(world, scenarios):
    """Run the worker on ``world`` ranks; every rank must exit 0 in time."""
    port = _free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1", FASTINIT_NUM_THREADS="1",
               TORCH_CPP_LOG_LEVEL="ERROR", PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(r), str(world), str(port), scenarios],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                              cwd=WORKER.parent)
             for r in range(world)]
    outputs, failed = [], []
    try:
        for r, p in enumerate(procs):
            try:
                out, _ = p.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                for q in procs:
                    q.kill()
                out, _ = p.communicate()
                failed.append(f"rank {r} hung (over {TIMEOUT} s)")
            outputs.append(out)
            if p.returncode:
                failed.append(f"rank {r} exited {p.returncode}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    if failed:
        detail = "\n".join(f"--- rank {r}\n" + "\n".join(o.splitlines()[-25:]) for r, o in enumerate(outputs))
        pytest.fail("; ".join(failed) + "\n" + detail)
    return outputs


def _needs(scenarios):
    if "gpt2" in scenarios:
        pytest.importorskip("transformers")


CASES = [
    (1, "llama:reset:fsdp,llama:init:tp,gpt2:reset:fsdp,vit:reset:fsdp"),
    (2, "llama:reset:fsdp,llama:init:fsdp,llama:reset:tp,llama:init:tp"),
    (2, "gpt2:reset:fsdp,gpt2:reset:tp,vit:reset:fsdp,vit:reset:tp,unrecorded,fills"),
    (3, "llama:init:fsdp,llama:reset:tp,gpt2:reset:fsdp,vit:reset:fsdp"),
    (4, "llama:reset:fsdp,llama:init:tp,llama:init:fsdp+tp,llama:reset:fsdp+tp,llama:reset:mesh2d"),
    (4, "gpt2:reset:fsdp+tp,gpt2:reset:mesh2d,vit:reset:fsdp+tp,vit:reset:mesh2d,fills"),
]


@pytest.mark.parametrize("world, scenarios", CASES, ids=[f"world{w}-{s}" for w, s in CASES])
def test_sharded_models_equal_the_one_process_model(world, scenarios):
    _needs(scenarios)
    outputs = launch(world, scenarios)
    for r, out in enumerate(outputs):
        for scenario in scenarios.split(","):
            assert f"rank {r}/{world} {scenario}:" in out or (scenario == "fills" and "fills:" in out), out
    if "fsdp+tp" in scenarios:               # FSDP2 + TP on one dimension: strided shards
        assert "_S(0" in outputs[0]
