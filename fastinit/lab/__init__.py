"""The application on top of the library: the initialization experiment
(``experiment``, ``report``), its data sets (``data``), the command line
(``cli``: ``python -m fastinit``) and the benchmark runner (``bench``,
``bench_dense``, ``benchcase``). It reads only fastinit's public names."""
