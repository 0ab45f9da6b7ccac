"""The main job: `python -m fastinit compare` shows the documents' lessons at
the default seed, writes JSON and a plot, and rejects bad options."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from fastinit.lab import cli
from fastinit.lab import experiment as ex


@pytest.fixture(scope="module")
def default_runs():
    """The whole default experiment, once (about 20 s on 2 cores)."""
    runs = ex.run_all(ex.Config())
    return {(r.init, r.activation): r for r in runs}


def test_default_verdicts(default_runs):
    v = {k: r.verdict for k, r in default_runs.items()}
    assert v["zeros", "relu"] == v["zeros", "tanh"] == "no-learning"
    assert v["zeros", "sigmoid"] == "symmetric"
    assert all(v["constant", a] == "symmetric" for a in ("relu", "tanh", "sigmoid"))
    assert v["small", "tanh"] == "vanishing"
    assert v["large", "tanh"] == v["large", "sigmoid"] == "saturated"
    assert v["he", "relu"] == v["xavier", "tanh"] == "trains"


def test_working_inits_beat_the_broken_ones(default_runs):
    acc = {k: r.summary()["test_accuracy"] for k, r in default_runs.items()}
    broken = [acc[k] for k, r in default_runs.items() if r.verdict in ("symmetric", "vanishing")]
    for good in [("he", "relu"), ("xavier", "tanh")]:
        assert acc[good] > 0.95
        assert acc[good] > max(broken) + 0.3


def test_zero_init_gradients_are_exactly_zero(default_runs):
    for act in ("relu", "tanh"):
        r = default_runs["zeros", act]
        assert all(d["grad_norm"] == 0.0 for d in r.hidden) and not r.hidden_changed
    assert default_runs["zeros", "sigmoid"].hidden_changed  # it learns, as one neuron per layer


def test_deep_relu_he_trains_and_lecun_does_not():
    """He et al. 2015: at depth 30, ReLU needs the factor 2."""
    cfg = ex.Config(depth=30, inits=("he", "lecun"), activations=("relu",))  # the command
    he, lecun = ex.run_all(cfg)
    assert he.verdict == "trains" and he.summary()["test_accuracy"] > 0.9
    assert lecun.verdict != "trains"
    assert lecun.std_ratio() < 1e-3


def test_verdict_rules_in_order():
    """Unit test of the rule order on synthetic runs."""
    def fake(units=64, grad=(1.0, 1.0), std=(1.0, 1.0), sat=0.0, changed=True, diverged=False):
        layer = lambda g, s: {"grad_norm": g, "act_std": s, "saturated": sat, "distinct_units": units}  # noqa: E731
        at_init = [layer(grad[0], std[0]), layer(1.0, std[1]), layer(grad[1], 1.0)]
        hist = {"loss": [1.0], "val_accuracy": [0.5], "diverged": diverged}
        return ex.Run("x", "tanh", at_init, at_init, hist, changed, 0.0)

    assert ex.verdict(fake(changed=False))[0] == "no-learning"
    assert ex.verdict(fake(changed=False, sat=0.9))[0] == "saturated"  # the cause first
    assert ex.verdict(fake(units=1, changed=False, sat=0.9))[0] == "symmetric"
    assert ex.verdict(fake(units=1, diverged=True))[0] == "symmetric"
    assert ex.verdict(fake(diverged=True))[0] == "exploding"
    assert ex.verdict(fake(grad=(1e4, 1.0)))[0] == "exploding"
    assert ex.verdict(fake(std=(1.0, 1e4)))[0] == "exploding"
    assert ex.verdict(fake(sat=0.6, grad=(1e-9, 1.0)))[0] == "saturated"
    assert ex.verdict(fake(grad=(1e-4, 1.0)))[0] == "vanishing"
    assert ex.verdict(fake(std=(1.0, 1e-4)))[0] == "vanishing"
    assert ex.verdict(fake())[0] == "trains"


def test_cli_json_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    js, png = tmp_path / "out.json", tmp_path / "out.png"
    code = cli.main(["compare", "--init", "zeros,he", "--activation", "relu,tanh", "--depth", "3",
                     "--epochs", "3", "--samples", "200", "--json", str(js), "--plot", str(png)])
    assert code == 0
    out = capsys.readouterr()
    assert "verdict" in out.out and "he" in out.out and "no-learning" in out.out
    assert "4/4" in out.err  # the progress bar
    doc = json.loads(js.read_text())
    assert doc["config"]["depth"] == 3 and len(doc["runs"]) == 4
    run = doc["runs"][0]
    assert {"verdict", "at_init", "after_training", "history", "activation_histograms"} <= set(run)
    assert len(run["at_init"]) == 4 and len(run["history"]["loss"]) == 3
    assert len(run["history"]["test_accuracy"]) == 3 and len(run["activation_histograms"]) == 3
    import matplotlib.pyplot as plt
    img = plt.imread(png)
    assert img.shape[0] > 400 and img.shape[1] > 400


def test_plot_without_matplotlib_says_how_to_get_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code = cli.main(["compare", "--init", "he", "--activation", "relu", "--depth", "2", "--epochs", "1",
                     "--plot", str(tmp_path / "x.png"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "pip install 'fastinit[plot]'" in err and not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("argv", [
    ["compare", "--init", "zeros,bogus"],
    ["compare", "--activation", "gelu"],
    ["compare", "--depth", "0"],
    ["compare", "--lr", "-1"],
    ["compare", "--epochs", "two"],
    ["compare", "--data", "mnist"],
    ["compare", "--frobnicate"],
    ["compare", "--lr", "inf"],
    ["compare", "--lr", "nan"],
    ["compare", "--noise", "inf"],
    ["compare", "--momentum", "1.5"],
    ["compare", "--momentum", "1"],
    ["explode"],
])
def test_bad_options_one_line_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error" in err


@pytest.mark.parametrize("argv, words", [
    (["--json", "/nonexistent/dir/x.json"], "does not exist"),
    (["--plot", "/nonexistent/dir/x.png"], "does not exist"),
    (["--json", "{tmp}"], "is a folder"),
    (["--width", "100000000"], "GiB"),
    (["--depth", "100000"], "GiB"),
])
def test_bad_runs_are_refused_before_training(argv, words, tmp_path, capsys, monkeypatch):
    def no_training(*a, **k):
        raise AssertionError("training started")
    monkeypatch.setattr(ex, "run_all", no_training)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code = cli.main(["compare", "--no-progress"] + argv)
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


def test_no_subcommand_prints_the_help(capsys):
    assert cli.main([]) == 0
    assert "compare" in capsys.readouterr().out


def test_json_to_stdout_and_the_table_to_stderr():
    res = subprocess.run([sys.executable, "-m", "fastinit", "compare", "--init", "he", "--activation",
                          "relu", "--depth", "2", "--epochs", "2", "--samples", "64", "--no-progress",
                          "--json", "-"], capture_output=True, text=True, cwd="/", timeout=120)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["runs"][0]["init"] == "he"
    assert "networks in" in res.stderr


def test_ctrl_c_writes_what_is_done_and_exits_130(tmp_path):
    import signal
    path = tmp_path / "partial.json"
    proc = subprocess.Popen([sys.executable, "-m", "fastinit", "compare", "--init", "he,xavier,lecun",
                             "--activation", "relu", "--depth", "2", "--samples", "256",
                             "--epochs", "2000", "--json", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd="/")
    # the progress bar names the second network once the first has finished
    line = ""
    while "xavier" not in line:
        line = proc.stderr.readline()
        assert line, "compare ended early"
        if "he + relu" in line:
            continue
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and "interrupted after 1 of 3" in err
    assert json.loads(path.read_text())["runs"][0]["init"] == "he"


def test_help_documents_the_rules(capsys):
    with pytest.raises(SystemExit):
        cli.main(["compare", "--help"])
    text = capsys.readouterr().out
    for name, _ in ex.RULES:
        assert name in text
    assert "first match wins" in text


def test_module_entry_point_and_bench_run(tmp_path):
    """`python -m fastinit` runs from outside the tree, and the bench command completes."""
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-m", "fastinit", "compare", "--init", "he", "--activation",
                          "relu", "--depth", "2", "--epochs", "2", "--samples", "64", "--no-progress"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "trains" in out.stdout or "vanishing" in out.stdout
    out = subprocess.run([sys.executable, "-m", "fastinit", "bench", "--quick", "--min-time", "0.002"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert re.search(r"he_normal out= float32 64x64 t1 .* \d+\.\d\dx", out.stdout), out.stdout
    assert "dense_forward relu 32x64x64" in out.stdout


def test_data_sets_are_deterministic():
    from fastinit.lab import data
    for name in data.DATASETS:
        a, b = data.make(name, 100, seed=3), data.make(name, 100, seed=3)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert abs(a[0].mean()) < 1e-5 and np.allclose(a[0].std(axis=0), 1, atol=1e-4)


def test_source_folder_without_kernels_says_what_to_run(tmp_path):
    """Importing a source checkout whose kernels are not built names the
    problem and the command, instead of a 'circular import' message."""
    import shutil
    src = tmp_path / "fastinit"
    src.mkdir()
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fastinit")
    for name in os.listdir(here):
        if name.endswith((".py", ".pyx")):
            shutil.copy(os.path.join(here, name), src)
    # -S: no site-packages, so neither an installed nor an editable fastinit
    # can answer; the folder in the working directory is what gets imported
    res = subprocess.run([sys.executable, "-S", "-c", "import fastinit"], capture_output=True,
                         text=True, cwd=tmp_path)
    assert res.returncode != 0
    last = res.stderr.strip().splitlines()[-1]
    assert "not built" in last and "pip install -e" in last and "circular" not in last.split("(")[0]
