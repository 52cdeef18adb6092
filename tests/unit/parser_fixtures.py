"""Recorded parser fixtures: which parser reads which file, and the expected frame beside it.

Layout (jc style)::

    tests/fixtures/<image>/<command>--<case>.txt     what the command printed, byte for byte
    tests/fixtures/<image>/<command>--<case>.pcap    or a capture file, for the pcap parser
    tests/fixtures/<image>/<command>--<case>.json    the expected frame, or the expected ParseError
    tests/fixtures/malformed/<parser>--<case>.<ext>  hand-made or cut-short input, same .json beside

``<command>`` is the command as typed, dashed (``ip-j-d-link``); :data:`COMMANDS` maps it to the
parser module. In ``malformed/`` the prefix is the parser module's own name. The ``.json`` is
``{"columns", "records", "attrs"}`` or ``{"error": "ParseError", "message": ...}``.

The ``.json`` files are written BY THE PARSERS (``python -m tests.unit.parser_fixtures [FILE...]``, run by
``tests/record_fixtures.sh``): after writing them, read ``git diff tests/fixtures`` and check every
changed value against its recording by eye before committing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from dockernet_nb.errors import ParseError
from dockernet_nb.parsers import (
    bridge_fdb,
    bridge_link,
    compose_progress,
    compose_ps,
    docker_proxy,
    frr_ospf_neighbors,
    frr_routes,
    getent,
    ifconfig,
    ip_addr,
    ip_link,
    ip_route,
    iptables,
    pcap,
    ping,
    route,
    uptime_log,
)

__all__ = [
    "FIXTURES",
    "COMMANDS",
    "PARSERS",
    "BINARY_SUFFIXES",
    "name_of",
    "inputs",
    "parser_for",
    "read",
    "fixture",
    "frame_to_json",
    "expected_of",
    "write_expected_json",
]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# Capture files are bytes; everything else is text.
BINARY_SUFFIXES = {".pcap"}
INPUT_SUFFIXES = {".txt"} | BINARY_SUFFIXES

# Recorded file name prefix (the command as typed, dashed) -> parser.
COMMANDS: dict[str, ModuleType] = {
    "ifconfig": ifconfig,
    "ip-addr": ip_addr,
    "ip-s-addr": ip_addr,
    "ip-j-addr": ip_addr,
    "ip-j-s-addr": ip_addr,
    "ip-o-addr": ip_addr,
    "ip-route": ip_route,
    "ip-6-route": ip_route,
    "ip-j-route": ip_route,
    "ip-j-6-route": ip_route,
    "route-n": route,
    "route-n-A-inet6": route,
    "ping": ping,
    "ping-6": ping,
    "ping6": ping,
    "iptables-save": iptables,
    "iptables-S": iptables,
    "iptables-S-t-nat": iptables,
    "show-ip-ospf-neighbor-json": frr_ospf_neighbors,
    "show-ip-route-json": frr_routes,
    "docker-logs": uptime_log,
    "ps-C-docker-proxy": docker_proxy,
    "ip-link": ip_link,
    "ip-d-link": ip_link,
    "ip-j-link": ip_link,
    "ip-j-d-link": ip_link,
    "bridge-link": bridge_link,
    "bridge-j-link": bridge_link,
    "bridge-fdb-show": bridge_fdb,
    "bridge-j-fdb-show": bridge_fdb,
    "tcpdump": pcap,
    # the everyday lessons (08-12): tests/record_everyday_fixtures.sh
    "getent-hosts": getent,
    "getent-ahosts": getent,
    "getent-ahostsv4": getent,
    "docker-compose-ps-format-json": compose_ps,
    "docker-compose-progress-json": compose_progress,
}
PARSERS: list[ModuleType] = sorted(set(COMMANDS.values()), key=lambda m: m.__name__)


def name_of(parser: ModuleType) -> str:
    """``dockernet_nb.parsers.ip_link`` -> ``ip_link`` (also the prefix of its malformed fixtures)."""
    return parser.__name__.rsplit(".", 1)[1]


def inputs() -> list[Path]:
    """Every recorded or malformed input under tests/fixtures, sorted."""
    return sorted(p for p in FIXTURES.glob("*/*") if p.suffix in INPUT_SUFFIXES)


def parser_for(path: Path) -> ModuleType:
    prefix = path.name.split("--")[0]
    if path.parent.name == "malformed":
        return {name_of(m): m for m in PARSERS}[prefix]
    return COMMANDS[prefix]


def read(path: Path) -> str | bytes:
    if path.suffix in BINARY_SUFFIXES:
        return path.read_bytes()
    # newline="" keeps the text byte-for-byte (no \r translation); bad bytes cannot stop a test.
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        return f.read()


def fixture(name: str) -> Any:
    """``fixture("debian/ping--by-name")``: the recording with that name, whatever its suffix."""
    for suffix in sorted(INPUT_SUFFIXES):
        path = FIXTURES / f"{name}{suffix}"
        if path.exists():
            return read(path)
    raise FileNotFoundError(f"no fixture {name} with a suffix in {sorted(INPUT_SUFFIXES)}")


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def frame_to_json(df: pd.DataFrame) -> dict[str, Any]:
    records = [{col: _jsonable(v) for col, v in zip(df.columns, row, strict=True)} for row in df.itertuples(index=False)]
    # Round-trip attrs through JSON so tuples/ints compare like the stored file.
    return {"columns": list(df.columns), "records": records, "attrs": json.loads(json.dumps(df.attrs))}


def expected_of(path: Path) -> dict[str, Any]:
    try:
        return frame_to_json(parser_for(path).parse(read(path)))
    except ParseError as e:
        return {"error": "ParseError", "message": str(e)}


def write_expected_json(paths: Iterable[str | Path]) -> None:
    for p in map(Path, paths):
        out = p.with_suffix(".json")
        out.write_text(json.dumps(expected_of(p), indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":  # python -m tests.unit.parser_fixtures [FILE...]: all of them when none is named
    write_expected_json(sys.argv[1:] or inputs())
