"""Every install line in the README, the docs and the package names our
distribution, fastinit-philox, never PyPI's unrelated ``fastinit``."""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
OURS = "fastinit-philox"
# the names of others' projects that a slip would install instead of ours
THEIRS = {"fastinit", "fastinit-cli"}


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def install_lines():
    """(file, line) of every pip install/download/wheel command in the README,
    the docs, the package and the CI script."""
    files = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / ".ci" / "run", ROOT / "pyproject.toml"]
    for folder, patterns in (("docs", ("*.rst", "*.py", "*.md")), ("fastinit", ("*.py", "*.pyx", "*.pxd", "*.pyi"))):
        for pattern in patterns:
            files += sorted((ROOT / folder).rglob(pattern))
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            for m in re.finditer(r"pip(?:3)? (?:install|download|wheel)\b([^`\n;&|)]*)", line):
                yield path.relative_to(ROOT), m.group(1)


def requirements(args):
    """The distribution names an install line's arguments name."""
    for token in args.split():
        token = token.strip("'\"")
        if not token or token.startswith("-") or token.startswith(".") or "/" in token or token == "then":
            continue
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", token)
        if name:
            yield normalized(name.group(0))


def test_the_scan_finds_the_install_lines():
    lines = list(install_lines())
    assert len(lines) > 10
    assert any(OURS in normalized(args) for _, args in lines)


def test_no_install_line_names_another_fastinit():
    wrong = [(str(path), args.strip()) for path, args in install_lines()
             if set(requirements(args)) & THEIRS]
    assert not wrong, f"install lines naming PyPI's unrelated fastinit: {wrong}"


def test_the_distribution_is_ours():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == OURS


def test_the_scan_would_catch_a_slip():
    assert set(requirements(" 'fastinit[torch]'")) & THEIRS
    assert set(requirements(" --force-reinstall fastinit")) & THEIRS
    assert not set(requirements(" 'fastinit-philox[torch]' torch==2.13.0")) & THEIRS
    assert not set(requirements(' -e ".[test,plot]"')) & THEIRS


def test_the_readme_installs_torchs_cpu_build_before_the_extra():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    at = text.index("pip install 'fastinit-philox[torch]'")
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in text[at - 300:at]
