"""How the extension was built, as show_config() says it: no flag twice,
and no debug info unless FASTINIT_DEBUG=1 asked for it."""
import pytest

import fastinit
from fastinit import _random


def test_show_config_names_each_flag_once():
    flags = _random.build_info()[1].split()
    assert len(flags) == len(set(flags)), flags


def test_a_default_build_has_no_debug_info():
    flags = _random.build_info()[1].split()
    if "-g" in flags:
        pytest.skip("built with FASTINIT_DEBUG=1 (the sanitizer leg): debug info asked for")
    if not any(f.startswith("/") for f in flags):      # MSVC has no -g0
        assert "-g0" in flags
    assert fastinit.have_openmp() == ("-fopenmp" in flags or any("openmp" in f for f in flags))
