"""Lessons 03 and 07 keep the facts issue 13 corrected (read from the notebooks and their stored outputs).

- 03 says what really carried the host's request (docker-proxy) instead of "the same way as traffic
  from any other network", and points to lesson 07;
- 07 does not claim that a port published on a gateway address is open to that network only, nor that
  the container cannot tell clients apart; it tests the visitor's address instead of printing a fixed claim;
- the checks' hints name sections the lessons have, and those sections set up what the checks need;
- every exercise has a revealable solution with a wrong answer; the time is stated at the top.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dockernet_nb import curriculum
from dockernet_nb.checks import ports

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LESSON_03 = NOTEBOOKS / "03-publishing-ports.ipynb"
LESSON_07 = NOTEBOOKS / "07-where-a-published-port-goes.ipynb"


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _markdown(path: Path) -> str:
    return "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")


def _output_text(cell: dict) -> str:
    texts = []
    for output in cell.get("outputs", []):
        texts.append("".join(output.get("text", "")) or "".join(output.get("data", {}).get("text/plain", "")))
    return "\n".join(texts)


def _section(path: Path, number: int) -> list[dict]:
    """The cells from the heading '## N.' up to the next '## ' heading."""
    found, inside = [], False
    for cell in _cells(path):
        text = _source(cell)
        if cell["cell_type"] == "markdown" and re.search(rf"^## {number}\. ", text, re.MULTILINE):
            inside = True
            found.append(cell)
            continue
        if inside and cell["cell_type"] == "markdown" and re.search(r"^## ", text, re.MULTILINE):
            break
        if inside:
            found.append(cell)
    return found


def test_03_says_what_carried_the_hosts_request_and_points_to_07():
    text = _markdown(LESSON_03).lower()
    assert "no special back door" not in text
    assert "the same way traffic from any other network would arrive" not in text
    assert "docker-proxy" in text and "dnat" in text and "07" in text
    assert "keeps its own address" in text


def test_07_does_not_say_a_gateway_port_is_open_to_one_network_only():
    text = _markdown(LESSON_07).lower()
    assert "only this machine and the containers on" not in text
    assert "to nothing else" not in text
    assert "any of its own addresses" in text
    assert "cannot tell a host program from any other client" not in text


def test_07_tests_the_visitors_address_instead_of_claiming_it():
    cell = next(c for c in _cells(LESSON_07) if c["cell_type"] == "code" and "def last_visitor" in _source(c))
    assert "the default bridge's gateway:" not in _source(cell)
    output = _output_text(cell)
    seen = re.search(r"come from ([\d.]+); the default bridge's gateway is ([\d.]+)\.", output)
    assert seen, output
    assert f"the same address: {seen.group(1) == seen.group(2)}" in output


def test_03_compares_the_visitor_with_the_gateway_in_its_stored_output():
    cell = next(c for c in _cells(LESSON_03) if c["cell_type"] == "code" and "the same address:" in _source(c))
    output = _output_text(cell)
    came, gateway = re.search(r"came from\s+([\d.]+)", output).group(1), re.search(r"gateway\s+([\d.]+)", output).group(1)
    assert f"the same address: {came == gateway}" in output and came == gateway


@pytest.mark.parametrize(
    ("path", "section", "needs"),
    [
        (LESSON_03, ports.SERVER_SECTION_03, 'dnb.run("uptime", name="nc", ports="8000:8000"'),
        (LESSON_07, ports.OTHERNET_SECTION_07, 'ports=f"{othernet.gateway}:8007:8000"'),
    ],
)
def test_the_checks_name_sections_that_exist_and_set_up_what_they_need(path, section, needs):
    number = int(section.split()[-1])
    cells = _section(path, number)
    assert cells, f"{path.name} has no section {number}"
    assert any(needs in _source(c) for c in cells if c["cell_type"] == "code")


def test_the_checks_name_no_other_sections():
    source = Path(ports.__file__).read_text(encoding="utf-8")
    named = set(re.findall(r"section \d+", source))
    assert named == {ports.SERVER_SECTION_03, ports.OTHERNET_SECTION_07}


@pytest.mark.parametrize("path", [LESSON_03, LESSON_07], ids=lambda p: p.name)
def test_every_exercise_has_a_revealable_solution_with_a_wrong_answer(path):
    lesson = curriculum.read_lesson(path)
    assert lesson.exercises
    solved = {s.exercise: s for s in lesson.solutions}
    assert set(solved) == set(lesson.exercises)
    for solution in solved.values():
        assert "answer =" in solution.code and "checks.check_" in solution.code
        assert solution.wrong.startswith("answer =")
    for cell in _cells(path):
        if "solution" in cell.get("metadata", {}).get("tags", []):
            assert cell["cell_type"] == "markdown" and _source(cell).startswith("<details><summary>Show a solution</summary>")


@pytest.mark.parametrize("path", [LESSON_03, LESSON_07], ids=lambda p: p.name)
def test_the_time_and_the_glossary_come_first(path):
    first = _source(_cells(path)[0])
    assert re.search(r"\*\*Time:\*\* about \d+ minutes", first), first
    links = set(re.findall(r"\(glossary\.md#([\w-]+)\)", _markdown(path)))
    assert {"dnat", "docker-proxy"} <= links if path == LESSON_03 else {"nat", "dnat", "conntrack", "masquerade", "gateway"} <= links
