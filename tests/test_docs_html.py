"""The built docs (sphinx-build docs docs/_build/html, which CI runs in a
venv with only the docs extra): every page has content, none shows a path
of the machine that built it, and no page shows raw Markdown. Skipped when
the docs have not been built (DOCS_HTML names another build folder)."""
import html.parser
import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILT = pathlib.Path(os.environ.get("DOCS_HTML", ROOT / "docs" / "_build" / "html"))
PAGES = sorted(p for p in BUILT.rglob("*.html") if not {"_static", "_sources"} & set(p.parts)
               and p.name not in ("genindex.html", "search.html", "py-modindex.html"))
pytestmark = pytest.mark.skipif(not PAGES, reason=f"the docs are not built in {BUILT}")


class Main(html.parser.HTMLParser):
    """The text of a page's <article> (the pydata theme's main content)."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag == "article" or self.depth:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def article(path):
    parser = Main()
    parser.feed(path.read_text(encoding="utf-8"))
    return "".join(parser.text)


def test_the_expected_pages_are_built():
    names = {p.relative_to(BUILT).as_posix() for p in PAGES}
    assert {"index.html", "experiment.html", "performance.html", "changelog.html",
            "guide/integrations.html", "api/core.html", "api/torch.html", "api/dask.html",
            "api/nn.html"} <= names


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(BUILT).as_posix() for p in PAGES])
def test_every_page_has_content_and_no_machine_path_or_raw_markdown(page):
    text = article(page)
    assert len(text.split()) > 30, "an empty page"
    raw = page.read_text(encoding="utf-8")
    for local in {str(ROOT), str(pathlib.Path.home()), "/tmp/", "/work/"}:
        assert local not in raw, f"the build machine's path {local!r} is on the page"
    assert "```" not in text and not re.search(r"^#{1,6} ", text, re.M), "raw Markdown on the page"


@pytest.mark.parametrize("page, names", [
    ("api/torch.html", ["init_context", "reset_parameters_", "kaiming_uniform_", "trunc_normal_",
                        "init_shard_"]),
    ("api/dask.html", ["he_normal", "normal", "uniform"]),
    ("api/nn.html", ["MLP", "fit", "diagnostics"]),
    ("api/core.html", ["he_normal", "Generator", "dense_forward"]),
])
def test_every_api_page_lists_its_functions(page, names):
    text = article(BUILT / page)
    for name in names:
        assert name in text, f"{name} missing from {page}"
