"""Sphinx configuration of the fastinit docs.

Two pages are generated from runs made while the docs build, never stored:
the experiment's figure and tables (``python -m fastinit compare``) and the
performance page (``python -m fastinit bench --quick``), both written to
``_generated/``. Set FASTINIT_DOCS_SKIP_RUNS=1 to reuse the files already
there (a quicker rebuild of the prose).
"""
import os
import pathlib
import platform
import re
import subprocess
import sys

import fastinit

HERE = pathlib.Path(__file__).resolve().parent
GENERATED = HERE / "_generated"

project = "fastinit"
author = "the fastinit developers"
copyright = "the fastinit developers"
release = fastinit.__version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc"]
autodoc_default_options = {"members": False}
autodoc_typehints = "none"            # the types live in the stubs; the docstrings say them
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
html_title = f"fastinit {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
html_sidebars = {"experiment": [], "performance": []}   # their tables and figure take the width


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run(args, out):
    """Run ``python -m fastinit args`` from / (the installed package) into ``out``."""
    res = subprocess.run([sys.executable, "-m", "fastinit", *args], capture_output=True,
                         text=True, cwd="/", timeout=900)
    if res.returncode != 0:
        raise RuntimeError(f"fastinit {' '.join(args)} failed:\n{res.stderr}")
    out.write_text(res.stdout)


def bench_table(text):
    """The bench output as an rst list-table: the case, then the columns
    the run printed (a time is a number and its unit), torch's left blank
    where absent."""
    lines = text.splitlines()
    head = lines[1].split()
    head = [h if h != "ratio" else f"vs {head[k - 1]}" for k, h in enumerate(head)]   # the two ratios
    out = [".. list-table::", "   :header-rows: 1", ""]
    for line in lines[1:2] + [ln for ln in lines[3:] if ln.strip()]:
        cells = re.findall(r"\S+ (?:ns|us|ms|s)\b|\S+x\b", line[46:])
        row = head if line is lines[1] else [line[:46].strip()] + cells
        row += [""] * (len(head) - len(row))
        out.append(f"   * - {row[0]}")
        out.extend(f"     - {cell or ' '}" for cell in row[1:])
    return lines[0] + "\n\n" + "\n".join(out) + "\n"


def generate():
    GENERATED.mkdir(exist_ok=True)
    made = [GENERATED / name for name in ("compare.png", "compare.txt", "bench.txt", "machine.rst")]
    if not (os.environ.get("FASTINIT_DOCS_SKIP_RUNS") and all(p.exists() for p in made)):
        run(["compare", "--no-progress", "--plot", str(GENERATED / "compare.png")],
            GENERATED / "compare.txt")
        run(["bench", "--quick"], GENERATED / "bench.txt")
        (GENERATED / "machine.rst").write_text(
            f"**{cpu_name()}**, {os.cpu_count()} CPUs; Python {platform.python_version()}, "
            f"NumPy {__import__('numpy').__version__}, fastinit {release}, "
            f"SIMD level {fastinit.simd_level()}, {fastinit.get_num_threads()} threads.\n")
    (GENERATED / "bench.rst").write_text(bench_table((GENERATED / "bench.txt").read_text()))


generate()
