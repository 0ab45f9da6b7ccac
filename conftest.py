"""Which folder a pytest run collects: plain `pytest` runs the tests;
`pytest --benchmark-only` runs the benchmarks (as users type it, from the
repository root) and nothing else. The docstring examples
(`pytest --doctest-modules fastinit`) and the docs' (`pytest
--doctest-glob="*.rst" docs`) see `np` and `fastinit`, as a user's session
would."""
import pytest


def pytest_addoption(parser):
    parser.addoption("--benchmark-heavy", action="store_true", default=False,
                     help="with --benchmark-only: also the heavy sections (at scale, whole models, "
                          "a busy machine), several minutes more")


def pytest_ignore_collect(collection_path, config):
    bench_only = bool(config.getoption("benchmark_only", default=False))
    parts = collection_path.parts
    if "benchmarks" in parts and not bench_only:
        return True
    if "tests" in parts and bench_only:
        return True
    if collection_path.name == "__main__.py":   # importing it runs the command line
        return True
    if collection_path.name == "conf.py" and "docs" in parts:   # importing it runs the docs' runs
        return True
    return None


@pytest.fixture(scope="session", autouse=True)
def _doctest_names(doctest_namespace):
    import numpy as np

    import fastinit
    doctest_namespace["np"] = np
    doctest_namespace["fastinit"] = fastinit
