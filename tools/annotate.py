"""Write the typed signatures and dtype/out overloads of the public draws and
initializers (fastinit/random.py, fastinit/initializers.py) from their plain
signatures, so the three overloads of each never drift apart by hand.

    python tools/annotate.py      # rewrites the two files in place; idempotent
"""
import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1] / "fastinit"
TYPES = {
    "shape": "ShapeLike", "low": "float", "high": "float", "mean": "float", "std": "float",
    "lower": "float", "upper": "float", "scale": "float", "gain": "float", "value": "float",
    "a": "float", "nonlinearity": "str", "mode": "str", "distribution": "str",
    "in_axis": "int", "out_axis": "int", "column_axis": "int", "fan_in": "Optional[int]",
    "fan_out": "Optional[int]", "seed": "SeedLike", "stream": "Optional[int]", "offset": "int",
    "dtype": "Any", "out": "Optional[Array]", "region": "Optional[RegionLike]",
}
MARK = "# ---- typed overloads (tools/annotate.py) ----"


def params(fn, kind):
    """The parameter list text for one overload kind (f32, f64, out, impl)."""
    args = fn.args
    pos = args.args[1:] if args.args and args.args[0].arg == "self" else args.args
    defaults = [None] * (len(pos) - len(args.defaults)) + list(args.defaults)
    out = ["self"] if args.args and args.args[0].arg == "self" else []
    for p, d in zip(pos, defaults):
        t = TYPES[p.arg]
        if p.arg == "shape" and (d is not None or kind in ("out", "impl")):
            t = "Optional[ShapeLike]"   # None: out's shape
        out.append(f"{p.arg}: {t}" + ("" if d is None else (" = ..." if kind != "impl" else f" = {ast.unparse(d)}")))
    out.append("*")
    for p, d in zip(args.kwonlyargs, args.kw_defaults):
        t = TYPES[p.arg]
        dflt = f" = {ast.unparse(d)}" if kind == "impl" else " = ..."
        if p.arg == "dtype":
            t, dflt = {"f32": ("Float32Like", " = ..."), "f64": ("Float64Like", ""),
                       "out": ("Any", " = ..."), "impl": ("Any", " = None")}[kind]
        if p.arg == "out":
            t, dflt = {"f32": ("None", " = ..."), "f64": ("None", " = ..."),
                       "out": ("npt.NDArray[FloatT]", ""), "impl": ("Optional[Array]", " = None")}[kind]
        out.append(f"{p.arg}: {t}{dflt}")
    return out


def signature(indent, name, parts, ret):
    """``def name(parts) -> ret`` wrapped at 100 columns."""
    head = f"{indent}def {name}("
    lines, line = [], head
    for k, part in enumerate(parts):
        piece = part + (", " if k < len(parts) - 1 else "")
        if len(line) + len(piece.rstrip()) > 99 and line.strip() != head.strip():
            lines.append(line.rstrip())
            line = indent + " " * 4 + piece
        else:
            line += piece
    tail = f") -> {ret}"
    if len(line.rstrip()) + len(tail) > 99:
        *rest, last = line.rstrip().rsplit(", ", 1) if ", " in line.strip() else [line.rstrip()]
        if rest:
            lines.append(rest[0] + ",")
            line = indent + " " * 4 + last
    lines.append(line.rstrip() + tail)
    return "\n".join(lines)


def strip_overloads(src):
    """The source without its @overload stubs (they are rewritten from the
    implementations, so running this again gives the same file)."""
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list):
            start = node.decorator_list[0].lineno - 1
            end = node.end_lineno
            while end < len(lines) and not lines[end].strip():
                end += 1
            spans.append((start, end))
    for start, end in sorted(spans, reverse=True):
        del lines[start:end]
    return "".join(lines)


def rewrite(path):
    src = strip_overloads(path.read_text())
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        names = {a.arg for a in node.args.kwonlyargs}
        if not {"dtype", "out"} <= names:
            continue
        start = node.lineno - 1 - len(node.decorator_list)
        if any("@overload" in ast.unparse(d) for d in node.decorator_list):
            continue
        body_first = node.body[0].lineno - 1
        indent = re.match(r"\s*", lines[node.lineno - 1]).group(0)
        ret = {"f32": "npt.NDArray[np.float32]", "f64": "npt.NDArray[np.float64]",
               "out": "npt.NDArray[FloatT]", "impl": "Any"}
        text = ""
        for kind in ("f32", "f64", "out"):
            gap = "\n\n" if indent else "\n\n\n"
            text += f"{indent}@overload\n" + signature(indent, node.name, params(node, kind), ret[kind]) + ": ..." + gap
        text += signature(indent, node.name, params(node, "impl"), "Any") + ":\n"
        edits.append((start, body_first, text))
    for start, end, text in sorted(edits, reverse=True):
        lines[start:end] = [text]
    out = "".join(lines)
    if "from fastinit._typing import" not in out:
        out = out.replace("import numpy as np\n", "import numpy as np\n", 1)
        first_import = re.search(r"^(import|from) ", out, re.MULTILINE).start()
        out = (out[:first_import] + "from typing import overload\n\n" + out[first_import:])
        typing_import = ("\nfrom fastinit._typing import (\n    Any, Array, Float32Like, Float64Like, FloatT, "
                         "Optional, RegionLike, SeedLike, ShapeLike,\n    npt,\n)\nfrom fastinit import ")
        out = out.replace("\nfrom fastinit import ", typing_import, 1)
    path.write_text(out)


for name in ("random.py", "initializers.py"):
    rewrite(ROOT / name)
