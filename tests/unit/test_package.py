"""The package's public face: every name resolves, tools see the same API as the lazy loader, imports stay cheap."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import dockernet_nb as dnb

INIT = Path(dnb.__file__)


def _type_checking_imports() -> dict[str, str]:
    """name -> module of every import in the package's ``if TYPE_CHECKING:`` block."""
    tree = ast.parse(INIT.read_text())
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    found = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name}: re-export it as itself so tools see it"
            found[alias.name] = node.module
    return found


def test_every_public_name_resolves_to_a_verb_or_class():
    for name in dnb.__all__:
        assert callable(getattr(dnb, name)), name


def test_tools_see_exactly_the_verbs_the_lazy_loader_serves():
    assert _type_checking_imports() == {name: f"dockernet_nb.{module}" for name, module in dnb._VERBS.items()}


def test_each_verb_is_listed_in_its_modules_all_and_every_verb_module_is_served():
    served: dict[str, set[str]] = {}
    for name, module in dnb._VERBS.items():
        served.setdefault(module, set()).add(name)
    for module, names in served.items():
        declared = set(importlib.import_module(f"dockernet_nb.{module}").__all__)
        assert names <= declared, f"{module}: {sorted(names - declared)} not in its __all__"
    for path in sorted((INIT.parent / "verbs").glob("*.py")):
        if path.stem in ("__init__", "common"):
            continue
        declared = set(importlib.import_module(f"dockernet_nb.verbs.{path.stem}").__all__)
        public_verbs = {n for n in declared if not n[0].isupper() and not n.startswith(("find_", "read_", "parse_", "handle"))}
        assert public_verbs <= set(dnb._VERBS), f"verbs.{path.stem}: {sorted(public_verbs - set(dnb._VERBS))} not served"


def test_no_module_at_the_top_shares_a_public_name():
    # A submodule called like a verb would replace the verb on the package once imported.
    import pkgutil

    modules = {module.name for module in pkgutil.iter_modules(dnb.__path__)}
    assert modules & set(dnb.__all__) == set()


def test_importing_the_package_loads_neither_docker_nor_pandas():
    code = "import sys, dockernet_nb; print(sorted(m for m in ('docker', 'pandas', 'matplotlib') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_every_verb_and_check_loads_without_the_docker_sdk_or_ipywidgets():
    # Replay mode (Binder) has no engine: loading the SDK (and paramiko behind it) or the widgets there
    # only costs each lesson's first cells a second. They are loaded where an engine or a widget is used.
    code = (
        "import sys, importlib, dockernet_nb as dnb\n"
        "for module in sorted(set(dnb._VERBS.values())): importlib.import_module(f'dockernet_nb.{module}')\n"
        "import dockernet_nb.checks\n"
        "print(sorted(m for m in ('docker', 'paramiko', 'requests', 'ipywidgets') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"
