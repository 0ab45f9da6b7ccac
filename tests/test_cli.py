"""The main job: `python -m fastinit compare` shows the documents' lessons at
the default seed, writes JSON and a plot, and rejects bad options."""
import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from fastinit.lab import cli
from fastinit.lab import experiment as ex

pytestmark = pytest.mark.slow   # the application, end to end


@pytest.fixture(scope="module")
def default_runs():
    """The whole default experiment (depths 3 and 8), once (about 40 s on 2 cores)."""
    runs = ex.run_all(ex.Config())
    return {(r.init, r.activation, r.depth): r for r in runs}


def test_default_diagnoses_at_depth_8(default_runs):
    v = {(i, a): r.diagnosis for (i, a, d), r in default_runs.items() if d == 8}
    assert v["zeros", "relu"] == v["zeros", "tanh"] == "no-learning"
    assert v["zeros", "sigmoid"] == "symmetric"
    assert all(v["constant", a] == "symmetric" for a in ("relu", "tanh", "sigmoid"))
    assert v["small", "tanh"] == "vanishing"
    assert v["large", "tanh"] == v["large", "sigmoid"] == "saturated"
    assert v["he", "relu"] == v["xavier", "tanh"] == "healthy"
    assert all(r.diagnosis != "trains" for r in default_runs.values())   # renamed: healthy


def test_default_outcomes(default_runs):
    o = {k: r.outcome for k, r in default_runs.items()}
    for d in (3, 8):
        assert o["he", "relu", d] == o["xavier", "tanh", d] == "learned"
        assert all(o["zeros", a, d] == "stalled" for a in ("relu", "tanh", "sigmoid"))
        # one unit per layer learns what one unit can: never the spirals, but
        # with tanh at depth 3 part of the way (0.66 against chance 0.51), the
        # same on every machine now that the products have one order
        assert all(o["constant", a, d] == ("partial" if (a, d) == ("tanh", 3) else "stalled")
                   for a in ("relu", "tanh", "sigmoid"))
    # the documents' own formulas are there, and N(0, 4/fan_in) is not for ReLU
    assert o["heuristic", "tanh", 8] == "learned" and o["sigmoid4", "tanh", 8] == "learned"
    # 4x He's variance: healthy at init; the clip keeps its first steps in
    # bounds (it learns), plain SGD diverges (the documents' warning)
    assert o["sigmoid4", "relu", 8] == "learned"
    cfg = ex.Config(depths=(8,), inits=("sigmoid4",), activations=("relu",), clip=None)
    assert ex.run_all(cfg)[0].outcome == "diverged"
    for r in default_runs.values():
        if r.outcome == "learned":
            assert 1 <= r.epochs_to_target <= len(r.history["val_accuracy"])
            assert ex.progress(r.history["val_accuracy"][r.epochs_to_target - 1], r.chance) >= ex.TARGET
        else:
            assert r.outcome == "diverged" or ex.progress(r.test_accuracy, r.chance) < ex.TARGET


def test_working_inits_beat_the_broken_ones(default_runs):
    broken = [r.test_accuracy for r in default_runs.values() if r.diagnosis in ("symmetric", "no-learning")]
    for good in [("he", "relu", 8), ("xavier", "tanh", 8)]:
        assert default_runs[good].test_accuracy > 0.95
        assert default_runs[good].test_accuracy > max(broken) + 0.3


def test_zero_init_gradients_are_exactly_zero(default_runs):
    for act in ("relu", "tanh"):
        r = default_runs["zeros", act, 8]
        assert all(d["grad_norm"] == 0.0 for d in r.hidden) and not r.hidden_changed
    assert default_runs["zeros", "sigmoid", 8].hidden_changed  # it learns, as one neuron per layer


def test_sigmoid_note_is_measured(default_runs):
    note = ex.sigmoid_note(list(default_runs.values()))
    assert "depth 3" in note and "depth 8" in note
    sig8 = [r for (i, a, d), r in default_runs.items() if a == "sigmoid" and d == 8 and i in ex.SCALED]
    if not any(r.outcome == "learned" for r in sig8):
        assert "at depth 8 none learned" in note


def test_deep_relu_he_learns_first():
    """He et al. 2015, Figure 3: at depth 30 ReLU needs the factor 2; LeCun's
    net is vanishing at init and, if it learns, learns later."""
    cfg = ex.Config(depths=(30,), inits=("he", "lecun"), activations=("relu",))
    he, lecun = ex.run_all(cfg)
    assert he.diagnosis == "healthy" and he.outcome == "learned"
    assert lecun.diagnosis == "vanishing" and lecun.std_ratio() < 1e-3
    assert lecun.outcome != "learned" or lecun.epochs_to_target > he.epochs_to_target
    if lecun.outcome == "learned":
        assert "learned anyway after" in lecun.why


def _fake(units=64, grad=(1.0, 1.0), std=(1.0, 1.0), sat=0.0, changed=True, diverged=False,
          accs=(0.5,), chance=0.5):
    layer = lambda g, s: {"grad_norm": g, "act_std": s, "saturated": sat, "distinct_units": units}  # noqa: E731
    at_init = [layer(grad[0], std[0]), layer(1.0, std[1]), layer(grad[1], 1.0)]
    hist = {"loss": [1.0], "val_accuracy": list(accs), "diverged": diverged}
    return ex.Run("x", "tanh", 2, chance, at_init, at_init, hist, changed, 0.0)


def test_diagnosis_rules_in_order():
    """Unit test of the rule order on synthetic runs."""
    d = lambda **k: ex.diagnosis(_fake(**k))[0]  # noqa: E731
    assert d(changed=False) == "no-learning"
    assert d(changed=False, sat=0.9) == "saturated"  # the cause first
    assert d(units=1, changed=False, sat=0.9) == "symmetric"
    assert d(units=1, diverged=True) == "symmetric"
    assert d(diverged=True) == "healthy"        # at init only: divergence is an outcome
    assert d(grad=(1e4, 1.0)) == "exploding"
    assert d(std=(1.0, 1e4)) == "exploding"
    assert d(sat=0.6, grad=(1e-9, 1.0)) == "saturated"
    assert d(grad=(1e-4, 1.0)) == "vanishing"
    assert d(std=(1.0, 1e-4)) == "vanishing"
    assert d() == "healthy"


def test_outcomes_relative_to_chance():
    o = lambda **k: ex.outcome(_fake(**k))  # noqa: E731
    assert o(accs=(0.5, 0.7, 0.96, 0.97))[0::2] == ("learned", 3)   # 0.96: 92% of the way
    assert o(accs=(0.5, 0.8))[0] == "partial"
    assert o(accs=(0.5, 0.55))[0] == "stalled"
    assert o(accs=(0.2, 0.35), chance=0.1)[0] == "partial"           # 10 classes
    assert o(accs=(0.5,), diverged=True)[0] == "diverged"
    run = _fake(grad=(1e-4, 1.0), accs=(0.5, 0.99))
    run.diagnosis, why = ex.diagnosis(run)
    run.outcome, out_why, run.epochs_to_target = ex.outcome(run)
    story = ex.story(run, why, out_why)
    assert story.startswith("vanishing at init") and "learned anyway after 2 epochs" in story


def test_cli_json_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    js, png = tmp_path / "out.json", tmp_path / "out.png"
    code = cli.main(["compare", "--init", "zeros,he", "--activation", "relu,tanh", "--depth", "2,3",
                     "--epochs", "3", "--samples", "200", "--json", str(js), "--plot", str(png)])
    assert code == 0
    out = capsys.readouterr()
    for words in ("diagnosis", "outcome", "epochs", "'why'", "depth 2:", "depth 3:", "no-learning",
                  "by init and depth"):
        assert words in out.out
    assert max(len(line) for line in out.out.splitlines()) <= 100
    assert "std 1st/last:" in out.out and "units:" in out.out       # the legend
    assert out.out.rstrip().splitlines()[-1].endswith("--help for every option.")
    assert "--seeds 5" in out.out and "--plot" not in out.out.split("Next:")[1]   # what was not used
    assert "8/8" in out.err  # the progress bar
    doc = json.loads(js.read_text())
    assert doc["config"]["depths"] == [2, 3] and len(doc["runs"]) == 8
    run = doc["runs"][0]
    assert {"init", "activation", "depth", "diagnosis", "outcome", "epochs_to_target", "test_accuracy",
            "why", "verdict", "at_init", "after_training", "history", "activation_histograms"} <= set(run)
    assert run["verdict"] == run["diagnosis"]
    assert len(run["at_init"]) == 3 and len(run["history"]["loss"]) == 3
    assert len(run["history"]["test_accuracy"]) == 3 and len(run["activation_histograms"]) == 2
    import matplotlib.pyplot as plt
    for act in ("relu", "tanh"):                      # one figure per activation
        name = tmp_path / f"out-{act}.png"
        assert f"wrote {name}" in out.out
        img = plt.imread(name)
        assert img.shape[1] == 800 and img.shape[0] > 600
    assert not png.exists()


@pytest.fixture(scope="module")
def figure_runs():
    """The default grid's inits and activations, at two depths, briefly trained."""
    return ex.run_all(ex.Config(depths=(2, 8), epochs=2, samples=200))


def test_figure_per_activation_teaches_a_row_per_init(figure_runs):
    """One figure per activation: a row per init in the documents' order, each
    with one histogram line per hidden layer at the deepest depth and a note
    of the diagnosis and outcome; gradient, accuracy and by-depth panels; a
    title naming which inits learned; a caption of how to read it."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from fastinit.lab import report
    runs = figure_runs
    for act in ex.ACTIVATIONS:
        fig = report.figure(runs, act)
        deep = [r for r in runs if r.activation == act and r.depth == 8]
        rows = [ax for ax in fig.axes if ax.get_ylabel() in ex.DEFAULT_INITS]
        labels = [ax.get_ylabel() for ax in sorted(rows, key=lambda a: -a.get_position().y0)]
        assert labels == list(ex.DEFAULT_INITS)
        assert all(len(ax.lines) == 8 for ax in rows)           # a line per hidden layer
        notes = [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "row note"]
        assert len(notes) == len(deep)
        for r, note in zip(deep, notes):
            flat = " ".join(note.split())
            assert flat.startswith(f"{r.diagnosis} at init") and r.outcome in flat
            assert flat == " ".join(report._row_note(r).split())
        titles = {ax.get_title() for ax in fig.axes}
        assert {"gradient norm at init", "test accuracy", "final test accuracy by depth"} <= titles
        assert [ax for ax in fig.axes if ax.get_title() == "gradient norm at init"][0].get_yscale() == "log"
        learned = [r.init for r in deep if r.outcome == "learned"]
        title = " ".join(fig.subfigs[0].get_suptitle().split())
        assert title.startswith(f"{act}, 8 hidden layers") and report._lesson(deep) in title
        if learned:
            assert f"learned: {', '.join(learned)}" in title
        caption = [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == "caption"]
        assert len(caption) == 1 and " ".join(caption[0].split()) == report.caption(runs, act)
        plt.close(fig)
    with pytest.raises(ValueError, match="activation"):
        report.figure([r for r in runs if r.activation == "relu"], "tanh")


def _overlaps(boxes):
    return [(a, c) for k, (a, _, b) in enumerate(boxes) for (c, _, d) in boxes[k + 1:]
            if b.x0 < d.x1 - 0.5 and d.x0 < b.x1 - 0.5 and b.y0 < d.y1 - 0.5 and d.y0 < b.y1 - 0.5]


@pytest.mark.parametrize("grid", [
    dict(),                                                         # the default inits, two depths
    dict(inits=("he",), activations=("relu",), depths=(3,)),        # one row, one depth
    dict(inits=("zeros", "large"), activations=("relu", "sigmoid"), depths=(30,)),  # many layers
])
def test_figure_text_is_readable_at_its_saved_size(grid, figure_runs, tmp_path):
    """Through the figure object, at the dpi it is saved with: every line of
    text the renderer draws is at least 8 pt, inside the canvas, and overlaps
    no other; the saved PNG is the width the docs show it at."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from fastinit.lab import report
    runs = figure_runs if not grid else ex.run_all(ex.Config(epochs=1, samples=128, **grid))
    for act in dict.fromkeys(r.activation for r in runs):
        fig = report.figure(runs, act)
        boxes = report.text_boxes(fig)
        assert len(boxes) > 20
        assert min(size for _, size, _ in boxes) >= 8
        width, height = fig.bbox.width, fig.bbox.height
        outside = [s for s, _, b in boxes
                   if b.x0 < -0.5 or b.y0 < -0.5 or b.x1 > width + 0.5 or b.y1 > height + 0.5]
        assert not outside
        assert not _overlaps(boxes)
        fig.savefig(tmp_path / "f.png", dpi=report.DPI)
        assert plt.imread(tmp_path / "f.png").shape[1] == round(width) == 800
        plt.close(fig)


def test_text_boxes_sees_an_overlap():
    """The overlap check can fail: two texts put on top of each other are
    found, a hidden one is not."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt
    from fastinit.lab import report
    fig, ax = plt.subplots(figsize=(4, 3), dpi=report.DPI)
    ax.text(0.5, 0.5, "one text")
    ax.text(0.52, 0.5, "another one")
    ax.text(0.52, 0.5, "hidden", visible=False)
    ax.set_ylabel("rotated label")
    boxes = report.text_boxes(fig)
    found = {frozenset(p) for p in _overlaps(boxes)}
    assert frozenset(("one text", "another one")) in found
    assert not any("hidden" in p for p in found)
    label = [b for s, _, b in boxes if s == "rotated label"][0]
    assert label.height > label.width                         # its box turns with it
    plt.close(fig)


def test_caption_reads_the_spread_per_layer():
    """The caption's words follow the numbers: a spread that shrinks by a
    constant factor per layer is called so, with the factor."""
    from fastinit.lab import report
    r = ex.Run("lecun", "relu", 4, 0.5, [{"act_std": 1.0 * 0.5 ** k, "distinct_units": 64,
                                          "grad_norm": 1.0, "saturated": 0.0} for k in range(4)]
               + [{"grad_norm": 1.0}], [], {"val_accuracy": [0.5], "diverged": False, "loss": [1.0]},
               True, 0.0)
    assert report._std_phrase(r) == "std shrinks 0.5x per layer (1 -> 0.12)"
    r.at_init[:4] = [dict(d, act_std=0.8) for d in r.at_init[:4]]
    assert report._std_phrase(r).startswith("std steady across 4 layers")


def test_digits_needs_scikit_learn_or_runs(monkeypatch, capsys):
    argv = ["compare", "--data", "digits", "--init", "zeros,he", "--activation", "relu",
            "--depth", "2", "--epochs", "2", "--no-progress"]
    try:
        import sklearn  # noqa: F401
    except ImportError:
        assert cli.main(argv) == 2
        assert "pip install 'fastinit-philox[data]'" in capsys.readouterr().err
        return
    assert cli.main(argv) == 0
    assert "digits" in capsys.readouterr().out
    monkeypatch.setitem(sys.modules, "sklearn", None)
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'fastinit-philox[data]'" in err


def test_plot_without_matplotlib_says_how_to_get_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code = cli.main(["compare", "--init", "he", "--activation", "relu", "--depth", "2", "--epochs", "1",
                     "--plot", str(tmp_path / "x.png"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "pip install 'fastinit-philox[plot]'" in err and not (tmp_path / "x.png").exists()


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
    ["compare", "--depth", "100000"],
    ["compare", "--depth", "3,x"],
    ["explode"],
])
def test_bad_options_one_line_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "error" in err


@pytest.mark.parametrize("argv, words", [
    (["--plot", "{tmp}"], "is a folder"),
    (["--plot", ""], "needs a file name"),
    (["--json", ""], "needs a file name"),
    (["--json", "/nonexistent/dir/x.json"], "does not exist"),
    (["--plot", "/nonexistent/dir/x.png"], "does not exist"),
    (["--json", "{tmp}"], "is a folder"),
    (["--width", "100000000"], "GiB"),
    (["--depth", "1000", "--width", "4096"], "GiB"),
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


def test_a_healthy_init_that_diverges_says_both():
    run = _fake(diverged=True, accs=(0.5,))
    run.diagnosis, why = ex.diagnosis(run)
    run.outcome, out_why, run.epochs_to_target = ex.outcome(run)
    assert (run.diagnosis, run.outcome) == ("healthy", "diverged")
    assert ex.story(run, why, out_why).startswith("healthy at init") and "diverged" in ex.story(run, why, out_why)


@pytest.mark.parametrize("name", ["fig.xyz", "fig.PNG2", "fig.docx"])
def test_plot_format_is_checked_before_training(tmp_path, capsys, name):
    pytest.importorskip("matplotlib")
    t0 = time.perf_counter()
    code = cli.main(["compare", "--plot", str(tmp_path / name), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and time.perf_counter() - t0 < 5
    assert err.count("\n") == 1 and "cannot write" in err and ".png" in err and ".pdf" in err
    assert not list(tmp_path.iterdir())


def test_plot_without_extension_writes_and_names_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    stem = tmp_path / "fig"
    code = cli.main(["compare", "--init", "he", "--activation", "relu", "--depth", "2",
                     "--epochs", "2", "--samples", "128", "--plot", str(stem), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0 and (tmp_path / "fig-relu.png").exists() and not stem.exists()
    assert f"wrote {stem}-relu.png" in out


def test_help_wraps_between_names_and_says_what_the_figure_shows(capsys):
    with pytest.raises(SystemExit):
        cli.main(["compare", "--help"])
    text = capsys.readouterr().out
    words = set(" ".join(text.split()).replace(",", " ").replace(")", " ").replace("(", " ").split())
    for name in ex.INITS:
        assert name in words, f"{name} broken across lines in --help"
    assert "histograms" in text and "gradient norm" in text and "caption" in text
    assert "one figure per activation" in " ".join(text.split())


def test_ctrl_c_writes_what_is_done_and_exits_130(tmp_path):
    import signal
    path = tmp_path / "partial.json"
    proc = subprocess.Popen([sys.executable, "-m", "fastinit", "compare", "--init", "he,xavier,lecun",
                             "--activation", "relu", "--depth", "2,3", "--samples", "256",
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
    assert "Traceback" not in err and "interrupted after 1 of 6" in err     # 3 inits x 2 depths
    assert json.loads(path.read_text())["runs"][0]["init"] == "he"
    # the finished run's table, and no table row of the unfinished ones
    assert "depth 2:" in out and "\nhe " in out and "1 networks in" in out and "before the interrupt" in out
    assert "\nxavier " not in out


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
    assert "learned" in out.stdout or "stalled" in out.stdout or "partial" in out.stdout
    out = subprocess.run([sys.executable, "-m", "fastinit", "bench", "--quick", "--min-time", "0.002"],
                         capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert re.search(r"he_normal out= float32 64x64 t1 .* \d+\.\d\dx", out.stdout), out.stdout
    assert "dense_forward relu 32x64x64" in out.stdout


@pytest.mark.parametrize("name", ["spirals", "xor", "moons", "blobs", "digits"])
def test_data_sets_are_deterministic(name):
    from fastinit.lab import data
    if name == "digits":
        pytest.importorskip("sklearn", reason="digits needs scikit-learn (fastinit[data])")
    a, b = data.make(name, 100, seed=3), data.make(name, 100, seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    std = a[0].std(axis=0)
    assert abs(a[0].mean()) < 1e-5 and np.allclose(std[std > 0], 1, atol=1e-4)


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


@pytest.mark.parametrize("module, words", [("fastinit.torch", "pip install torch"),
                                           ("fastinit.dask", "fastinit-philox[dask]")])
def test_optional_engines_say_how_to_get_them(module, words):
    engine = module.split(".")[1]
    code = (f"import sys; sys.modules[{engine!r}] = None; sys.modules[{engine!r} + '.array'] = None\n"
            f"import {module}")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/")
    assert res.returncode != 0 and words in res.stderr.strip().splitlines()[-1]


def test_seeds_report_rates_in_table_matrix_and_json(tmp_path, capsys):
    js = tmp_path / "seeds.json"
    code = cli.main(["compare", "--init", "zeros,he", "--activation", "relu", "--depth", "2,3",
                     "--epochs", "3", "--samples", "200", "--seeds", "3", "--seed", "4",
                     "--json", str(js), "--no-progress"])
    out = capsys.readouterr().out
    assert code == 0
    assert "seeds 4-6" in out and "outcomes over 3 seeds" in out and "learned  partial  stalled" in out
    assert "0/3 learned" in out                                   # zeros never learns
    doc = json.loads(js.read_text())
    assert [r["seed"] for r in doc["runs"]] == [4] * 4 + [5] * 4 + [6] * 4
    cell = next(c for c in doc["cells"] if c["init"] == "zeros" and c["depth"] == 2)
    assert cell["n"] == 3 and sum(cell["rates"].values()) == 3 and cell["rates"]["stalled"] == 3
    assert doc["config"]["seeds"] == [4, 5, 6]


def test_each_seed_makes_its_own_data_and_weights():
    cfg = ex.Config(inits=("he",), activations=("relu",), depths=(2,), epochs=2, samples=200,
                    seeds=(0, 1))
    a, b = ex.run_all(cfg)
    assert (a.seed, b.seed) == (0, 1) and a.at_init[0]["act_std"] != b.at_init[0]["act_std"]
    again = ex.run_all(ex.Config(inits=("he",), activations=("relu",), depths=(2,), epochs=2,
                                 samples=200, seed=1))[0]
    assert again.history["loss"] == b.history["loss"]              # seed 1 alone: the same run


@pytest.mark.parametrize("bad", ["0", "x", "1,-2", "", "2000", "-1,2", "-3"])
def test_bad_seeds_are_one_line_and_exit_2(bad, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["compare", "--seeds", bad])
    assert e.value.code == 2 and capsys.readouterr().err.count("\n") == 1


def test_clip_option(capsys):
    for bad in ["0", "-1", "nan", "x"]:
        with pytest.raises(SystemExit) as e:
            cli.main(["compare", "--clip", bad])
        assert e.value.code == 2
    capsys.readouterr()
    code = cli.main(["compare", "--init", "he", "--activation", "relu", "--depth", "2", "--epochs", "2",
                     "--samples", "128", "--clip", "none", "--no-progress"])
    assert code == 0 and "gradient-norm clip none" in capsys.readouterr().out


def test_sigmoid_note_blames_depth_only_when_no_scaling_learned():
    def fake(init, act, depth, outcome, acc, seed=0):
        r = _fake(accs=(acc,))
        r.init, r.activation, r.depth, r.outcome, r.seed = init, act, depth, outcome, seed
        return r
    base = [fake("he", "tanh", d, "learned", 0.99) for d in (3, 8)]
    failing = base + [fake("he", "sigmoid", 3, "learned", 0.9), fake("he", "sigmoid", 8, "stalled", 0.5)]
    assert "whatever the scaling" in ex.sigmoid_note(failing)
    learning = failing + [fake("sigmoid4", "sigmoid", 8, "learned", 0.95)]
    note = ex.sigmoid_note(learning)
    assert "whatever the scaling" not in note and "at depth 8 sigmoid4 learned" in note
