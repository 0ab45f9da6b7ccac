"""Write the typing stubs of the public draws and initializers
(fastinit/random.pyi, fastinit/initializers.pyi) from the plain signatures in
random.py and initializers.py, so the code reads top-down and the three
overloads of each draw never drift apart by hand:

- a draw or initializer that takes ``dtype`` and ``out`` gets three
  overloads: float32 by default, float64 by ``dtype=``, ``out``'s own dtype;
- every other public function, class, alias and re-export gets one typed
  signature (types by parameter name, TYPES; returns by function, RETURNS).

    python tools/annotate.py           # write the stubs
    python tools/annotate.py --check   # exit 1 if a committed stub differs (CI)
"""
import ast
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1] / "fastinit"
MODULES = ("random.py", "initializers.py")
TYPES = {
    "shape": "ShapeLike", "low": "float", "high": "float", "mean": "float", "std": "float",
    "lower": "float", "upper": "float", "scale": "float", "gain": "float", "value": "float",
    "a": "float", "nonlinearity": "str", "mode": "str", "distribution": "str",
    "in_axis": "int", "out_axis": "int", "column_axis": "int", "fan_in": "Optional[int]",
    "fan_out": "Optional[int]", "seed": "SeedLike", "stream": "Optional[int]", "offset": "int",
    "dtype": "Any", "out": "Optional[Array]", "region": "Optional[RegionLike]",
    "n": "int", "counter": "Sequence[int]", "key": "Sequence[int]", "s": "Optional[int]",
    "name": "str", "param": "Optional[float]",
}
RETURNS = {
    "compute_fans": "tuple[int, int]", "calculate_gain": "float", "available": "list[str]",
    "get": "Callable[..., Any]", "seed": "None", "philox4x32": "npt.NDArray[np.uint32]",
    "random_raw": "npt.NDArray[np.uint32]", "spawn": "list[Generator]", "__init__": "None",
    "seed_seq": "np.random.SeedSequence", "__repr__": "str",
    "__reduce__": "tuple[Any, tuple[Any, ...]]",
}
OVERLOAD_RETURNS = {"f32": "npt.NDArray[np.float32]", "f64": "npt.NDArray[np.float64]",
                    "out": "npt.NDArray[FloatT]"}
HEADER = '''"""Type stubs of fastinit/{name}, written by tools/annotate.py: do not edit."""
from typing import Any, Callable, Optional, Sequence, overload

import numpy as np
import numpy.typing as npt

from fastinit import _random
from fastinit._typing import (
    Array, Float32Like, Float64Like, FloatT, RegionLike, SeedLike, ShapeLike,
)
'''


def is_draw(fn):
    """Whether ``fn`` gets the three dtype/out overloads."""
    return {"dtype", "out"} <= {a.arg for a in fn.args.kwonlyargs}


def params(fn, kind):
    """The typed parameters of ``fn`` for one overload kind (f32, f64, out),
    or for its single signature (kind None)."""
    args = fn.args
    pos = args.args
    defaults = [None] * (len(pos) - len(args.defaults)) + list(args.defaults)
    out = []
    for p, d in zip(pos, defaults):
        if p.arg == "self":
            out.append("self")
            continue
        t = TYPES[p.arg]
        if p.arg == "shape" and (d is not None or kind == "out"):
            t = "Optional[ShapeLike]"   # None: out's shape
        out.append(f"{p.arg}: {t}" + ("" if d is None else " = ..."))
    if args.kwonlyargs:
        out.append("*")
    for p in args.kwonlyargs:
        t, dflt = TYPES[p.arg], " = ..."
        if kind is not None and p.arg == "dtype":
            t, dflt = {"f32": ("Float32Like", " = ..."), "f64": ("Float64Like", ""),
                       "out": ("Any", " = ...")}[kind]
        if kind is not None and p.arg == "out":
            t, dflt = {"f32": ("None", " = ..."), "f64": ("None", " = ..."),
                       "out": ("npt.NDArray[FloatT]", "")}[kind]
        out.append(f"{p.arg}: {t}{dflt}")
    return out


def signature(indent, name, parts, ret):
    """``def name(parts) -> ret: ...`` wrapped at 100 columns."""
    head = f"{indent}def {name}("
    lines, line = [], head
    for k, part in enumerate(parts):
        piece = part + (", " if k < len(parts) - 1 else "")
        if len(line) + len(piece.rstrip()) > 99 and line.strip() != head.strip():
            lines.append(line.rstrip())
            line = indent + " " * 4 + piece
        else:
            line += piece
    tail = f") -> {ret}: ..."
    if len(line.rstrip()) + len(tail) > 99:
        *rest, last = line.rstrip().rsplit(", ", 1) if ", " in line.strip() else [line.rstrip()]
        if rest:
            lines.append(rest[0] + ",")
            line = indent + " " * 4 + last
    lines.append(line.rstrip() + tail)
    return "\n".join(lines)


def function_stub(fn, indent=""):
    """The stub text of one function (its overloads, or one signature)."""
    deco = [ast.unparse(d) for d in fn.decorator_list]
    if is_draw(fn):
        return "\n".join(f"{indent}@overload\n" + signature(indent, fn.name, params(fn, kind),
                                                            OVERLOAD_RETURNS[kind])
                         for kind in ("f32", "f64", "out"))
    text = "".join(f"{indent}@{d}\n" for d in deco)
    return text + signature(indent, fn.name, params(fn, None), RETURNS[fn.name])


def public(name):
    return not name.startswith("_") or name in ("__init__", "__repr__", "__reduce__")


def stub(path):
    """The .pyi text for one module."""
    tree = ast.parse(path.read_text())
    parts = [HEADER.format(name=path.name)]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "fastinit.random":
            names = ", ".join(f"{a.name} as {a.name}" for a in node.names)
            parts.append(f"from fastinit.random import {names}\n")
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name) and (public(node.targets[0].id)
                                                or node.targets[0].id == "__all__"):
            target = node.targets[0].id
            if target == "__all__" or isinstance(node.value, ast.Name):
                parts.append(f"{ast.unparse(node)}\n")
        elif isinstance(node, ast.FunctionDef) and public(node.name):
            parts.append("\n" + function_stub(node) + "\n")
        elif isinstance(node, ast.ClassDef) and public(node.name):
            bases = ", ".join(ast.unparse(b) for b in node.bases)
            body = [function_stub(m, "    ") for m in node.body
                    if isinstance(m, ast.FunctionDef) and public(m.name)]
            parts.append(f"\nclass {node.name}({bases}):\n" + "\n".join(body) + "\n")
    return "".join(parts)


def main(argv):
    stale = []
    for name in MODULES:
        path = (ROOT / name).with_suffix(".pyi")
        text = stub(ROOT / name)
        if "--check" in argv:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print(f"stale stubs: {', '.join(stale)}; run python tools/annotate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
