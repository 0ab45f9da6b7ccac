"""Which folder a pytest run collects: plain `pytest` runs the tests;
`pytest --benchmark-only` runs the benchmarks (as users type it, from the
repository root) and nothing else."""


def pytest_ignore_collect(collection_path, config):
    bench_only = bool(config.getoption("benchmark_only", default=False))
    parts = collection_path.parts
    if "benchmarks" in parts and not bench_only:
        return True
    if "tests" in parts and bench_only:
        return True
    return None
