"""The public API is typed: stubs beside the modules that tools/annotate.py
writes (and CI checks against it and with mypy.stubtest), and mypy reading the
README's tour (tests/typing_snippet.py) reveals float32 by default, float64
by dtype=, and out='s own dtype."""
import pathlib
import subprocess
import sys

import pytest

import fastinit

ROOT = pathlib.Path(__file__).resolve().parents[1]


STUBS = {p: (ROOT / "fastinit" / p).read_text() for p in ("initializers.pyi", "random.pyi")}


@pytest.mark.parametrize("name", sorted(set(fastinit.available()) - {"get", "available"}))
def test_public_functions_have_typed_stubs(name):
    # the dtype overloads of every draw and initializer live in the stubs beside the modules
    text = "\n".join(STUBS.values())
    assert f"\ndef {name}(" in text or f"\n{name} = " in text or f"{name} as {name}" in text
    if f"\ndef {name}(" in text:
        assert text.count(f"\ndef {name}(") == 3                 # float32, float64, out's dtype


def test_the_stubs_are_what_the_tool_writes():
    res = subprocess.run([sys.executable, str(ROOT / "tools" / "annotate.py"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr


def test_mypy_reveals_the_dtypes():
    api = pytest.importorskip("mypy.api")
    snippet = ROOT / "tests" / "typing_snippet.py"
    out, err, code = api.run(["--no-incremental", "--config-file", str(ROOT / "pyproject.toml"),
                              "--follow-imports=silent", str(snippet)])
    assert code == 0, out + err
    revealed = [line.split("Revealed type is ")[1] for line in out.splitlines() if "Revealed type" in line]
    assert len(revealed) == 4, out
    w, w64, same, w1 = revealed
    assert "_32Bit" in w or "float32" in w
    assert "float64" in w64
    assert "_32Bit" in same or "float32" in same
    assert "_32Bit" in w1 or "float32" in w1


def _source_signatures(module):
    """name -> (parameter names, their kinds) of the top-level functions and
    methods written in fastinit/<module>.py."""
    import ast
    tree = ast.parse((ROOT / "fastinit" / f"{module}.py").read_text())
    found = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
                and not any(getattr(d, "id", None) == "property" for d in node.decorator_list)):
            a = node.args
            found.setdefault(node.name, (
                [p.arg for p in a.posonlyargs + a.args] + [p.arg for p in a.kwonlyargs],
                len(a.kwonlyargs), len(a.defaults) + len(a.kw_defaults)))
    return found


@pytest.mark.parametrize("module", ["initializers", "random"])
def test_the_compiled_modules_keep_the_written_signatures(module):
    # random.py and initializers.py are compiled by Cython (setup.py) so their
    # keyword arguments parse in C; help(), inspect and the docs still see
    # the signatures and docstrings as written
    import importlib
    import inspect
    mod = importlib.import_module(f"fastinit.{module}")
    for name, (params, n_kwonly, n_defaults) in _source_signatures(module).items():
        fn = getattr(mod, name, None) or getattr(mod.Generator, name)
        sig = inspect.signature(fn)
        assert list(sig.parameters) == params, name
        kinds = [p.kind for p in sig.parameters.values()]
        assert kinds.count(inspect.Parameter.KEYWORD_ONLY) == n_kwonly, name
        assert sum(p.default is not inspect.Parameter.empty for p in sig.parameters.values()) == n_defaults, name
        assert fn.__doc__ and fn.__doc__.strip(), name
