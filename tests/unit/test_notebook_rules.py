"""Rules every lesson notebook keeps, read from the notebooks' own code (no engine needed).

- it starts a lesson of its own name and ends with a clean-up cell;
- no two notebooks share a lesson name or a published host port (they run concurrently in CI);
- published ports never bind to every interface, and nothing runs privileged;
- the only address outside the machine that appears is 8.8.8.8, and only under net="none";
- every added capability is explained in the notebook's text.
"""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
# 0.0.0.0/8 appears as OSPF router ids and "any" routes, never as a destination.
LOCAL = [ipaddress.ip_network(n) for n in ("127.0.0.0/8", "172.16.0.0/12", "0.0.0.0/8", "255.255.255.255/32")]


def _cells(path: Path, kind: str) -> list[str]:
    notebook = json.loads(path.read_text())
    return ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == kind]


def _lesson(path: Path) -> str:
    found = re.findall(r'start_lesson\("([\w.-]+)"\)', "\n".join(_cells(path, "code")))
    assert len(found) == 1, f"{path.name} should start exactly one lesson"
    return found[0]


def _host_ports(path: Path) -> set[int]:
    code = "\n".join(_cells(path, "code"))
    ports = {int(p) for p in re.findall(r'ports\s*=\s*["\'](?:[\d.]+:)?(\d+):\d+', code)}
    ports |= {int(p) for p in re.findall(r"ports\s*=\s*\{\s*\d+\s*:\s*(\d+)", code)}
    return ports


def test_there_are_lessons():
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_a_notebook_starts_its_lesson_first_and_cleans_up_last(path):
    code = [c for c in _cells(path, "code") if c.strip()]
    assert "start_lesson(" in code[0] or "start_lesson(" in code[1]
    assert "dnb.cleanup()" in code[-1]


def test_lesson_names_and_host_ports_are_unique_across_notebooks():
    lessons = [_lesson(p) for p in NOTEBOOKS]
    assert len(set(lessons)) == len(lessons), lessons
    seen: dict[int, str] = {}
    for path in NOTEBOOKS:
        for port in _host_ports(path):
            assert port not in seen, f"host port {port} is published by {seen.get(port)} and {path.name}"
            seen[port] = path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_safe_defaults_and_the_network_rule(path):
    code = "\n".join(_cells(path, "code"))
    assert "privileged" not in code
    assert not re.search(r'ports\s*=\s*["\'](0\.0\.0\.0|\[?::\]?):', code), "a port published on every interface"
    for line in code.splitlines():
        for text in re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b", line):
            address = ipaddress.ip_address(text)
            if any(address in net for net in LOCAL):
                continue
            assert text == "8.8.8.8" and 'net="none"' in line, f"{path.name}: {line.strip()}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_added_capability_is_explained(path):
    code = "\n".join(_cells(path, "code"))
    text = "\n".join(_cells(path, "markdown"))
    for capability in set(re.findall(r"\b(NET_ADMIN|NET_RAW|SYS_ADMIN)\b", code)):
        assert capability in text, f"{path.name} adds {capability} without saying why"
