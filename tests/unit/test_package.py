"""The package's public face: every name in __all__ resolves, and importing it stays cheap."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import dockernet_nb as dnb


def test_every_public_name_resolves_to_a_verb_or_class():
    for name in dnb.__all__:
        assert callable(getattr(dnb, name)), name


def test_no_module_shares_a_public_name():
    # A submodule called like a verb would replace the verb on the package once imported.
    modules = {module.name for module in pkgutil.iter_modules(dnb.__path__)}
    assert modules & set(dnb.__all__) == set()


def test_importing_the_package_loads_neither_docker_nor_pandas():
    code = "import sys, dockernet_nb; print(sorted(m for m in ('docker', 'pandas', 'matplotlib') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
