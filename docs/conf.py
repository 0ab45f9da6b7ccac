"""Sphinx configuration of the fastinit docs.

Two pages are generated from runs of the installed package, never stored in
the repository: the experiment's figure and tables (``python -m fastinit
compare``) and the performance page (``python -m fastinit bench --quick``),
written to ``_generated/``. They are cached there under a key of the
package's sources and version, so a rebuild with nothing changed makes no
run (under a minute); ``FASTINIT_DOCS_RERUN=1`` forces them, and
``FASTINIT_DOCS_SKIP_RUNS=1`` reuses what is there whatever changed.

The optional engines are mocked (``autodoc_mock_imports``): the API pages of
``fastinit.torch`` and ``fastinit.dask`` are read from their docstrings
whether or not torch and dask are installed, so the docs build the same in
a venv with only the ``docs`` extra as in one with everything.
"""
import hashlib
import os
import pathlib
import platform
import re
import subprocess
import sys

import fastinit
from fastinit._config import cpu_name

HERE = pathlib.Path(__file__).resolve().parent
GENERATED = HERE / "_generated"

project = "fastinit"
author = "the fastinit developers"
copyright = "the fastinit developers"
release = fastinit.__version__
version = ".".join(release.split(".")[:2])

extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc", "myst_parser"]
autodoc_mock_imports = ["torch", "dask", "distributed"]
myst_heading_anchors = 3
autodoc_default_options = {"members": False}
autodoc_typehints = "none"            # the types live in the stubs; the docstrings say them
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
exclude_patterns = ["_build", "_generated"]   # _generated/ is included, not a page
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
# Pages with no section of their own take the width (their tables and
# figure); the guide and the API reference list their pages in the sidebar.
html_sidebars = {page: [] for page in ("index", "experiment", "performance", "changelog")}




def run(args, out):
    """Run ``python -m fastinit args`` in _generated/ (the installed package;
    relative paths, so no path of the build machine reaches a page) into ``out``."""
    res = subprocess.run([sys.executable, "-m", "fastinit", *args], capture_output=True,
                         text=True, cwd=GENERATED, timeout=900)
    if res.returncode != 0:
        raise RuntimeError(f"fastinit {' '.join(args)} failed:\n{res.stderr}")
    out.write_text(res.stdout)


def sources_key():
    """A hash of what the generated pages depend on: the package's sources
    (Python, Cython, C), its version and the runs' arguments."""
    h = hashlib.sha256(f"{release} {RUNS}".encode())
    package = HERE.parent / "fastinit"
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".pyx", ".pxd", ".c", ".h") and "_generated" not in path.parts:
            if path.suffix == ".c" and (path.parent == package):   # Cython's output, not a source
                continue
            h.update(path.relative_to(package).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


RUNS = (("compare", "--no-progress", "--plot", "compare.png"), ("bench", "--quick"))


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
    made = [GENERATED / name for name in ("compare-relu.png", "compare-tanh.png", "compare-sigmoid.png",
                                          "compare.txt", "bench.txt", "machine.rst")]
    key, stamp = sources_key(), GENERATED / "key.txt"
    have = all(p.exists() for p in made)
    fresh = have and stamp.exists() and stamp.read_text() == key
    if os.environ.get("FASTINIT_DOCS_RERUN") or not (fresh or (have and os.environ.get("FASTINIT_DOCS_SKIP_RUNS"))):
        print("fastinit docs: running compare and bench --quick (cached in docs/_generated/ until the "
              "package's sources change)", flush=True)
        run(list(RUNS[0]), GENERATED / "compare.txt")
        run(list(RUNS[1]), GENERATED / "bench.txt")
        stamp.write_text(key)
        (GENERATED / "machine.rst").write_text(
            f"**{cpu_name()}**, {os.cpu_count()} CPUs; Python {platform.python_version()}, "
            f"NumPy {__import__('numpy').__version__}, fastinit {release}, "
            f"SIMD level {fastinit.simd_level()}, {fastinit.get_num_threads()} threads.\n")
    (GENERATED / "bench.rst").write_text(bench_table((GENERATED / "bench.txt").read_text()))


generate()
