"""The public API is typed: annotations at run time, and mypy reading the
README's tour (tests/typing_snippet.py) reveals float32 by default, float64
by dtype=, and out='s own dtype."""
import pathlib

import pytest

import fastinit

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(set(fastinit.available()) - {"get"}))
def test_public_functions_are_annotated(name):
    f = fastinit.get(name)
    assert f.__annotations__.get("return") is not None
    assert "shape" in f.__annotations__ and "dtype" in f.__annotations__


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
