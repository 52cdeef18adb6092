"""The multi-host lesson without an engine: its picture, its checks' judging, node names, and where broad privileges live."""

from __future__ import annotations

import ast
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest
from matplotlib.patches import FancyBboxPatch
from matplotlib.text import Text

from dockernet_nb.display.swarm import draw_swarm
from dockernet_nb.display.topology import figure_png
from dockernet_nb.records import ContainerNode, Endpoint, HostNode, NetworkBox, SwarmSnapshot

PACKAGE = Path(__file__).resolve().parents[2] / "dockernet_nb"


def _snapshot(*, down: bool = False, many: bool = False) -> SwarmSnapshot:
    placement = {"alpha": "node1", "beta": "node2", "gamma": "node3"}
    if many:
        placement |= {"web.1": "node2", "vip.1": "node2", "mesh.1": "node2", "edge@node2": "node2"}
    containers = tuple(ContainerNode(name, "busybox", "running") for name in placement)
    endpoints = tuple(Endpoint(name, "lab", f"172.16.1.{i + 2}", 24) for i, name in enumerate(placement))
    return SwarmSnapshot(
        title="Lesson 'multihost': 3 nodes",
        uplink=NetworkBox("dockernet-nb-engines", "bridge", "172.16.200.0/24", "172.16.200.1", internal=True),
        nodes=(
            HostNode("node1", "172.16.200.2", "manager", "ready", "28.5.2"),
            HostNode("node2", "172.16.200.3", "worker", "ready", "28.5.2"),
            HostNode("node3", "" if down else "172.16.200.4", "worker", "down" if down else "ready", "" if down else "28.5.2"),
        ),
        networks=(NetworkBox("lab", "overlay", "172.16.1.0/24", "172.16.1.1"),),
        containers=containers,
        endpoints=endpoints,
        placement=placement,
        vnis={"lab": 4097},
    )


def _texts(fig) -> dict[str, str]:
    return {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}


def _boxes(fig) -> dict[str, FancyBboxPatch]:
    return {p.get_gid(): p for p in fig.findobj(FancyBboxPatch) if p.get_gid()}


def test_the_picture_shows_each_node_as_a_host_on_the_lan_with_its_containers_on_the_overlay():
    fig = draw_swarm(_snapshot())
    texts, boxes = _texts(fig), _boxes(fig)
    assert {"node:node1", "node:node2", "node:node3", "host", "container:alpha", "container:gamma"} <= set(boxes)
    assert texts["uplink:node2"] == "eth0 172.16.200.3" and texts["uplink:host"] == "gw 172.16.200.1"
    assert texts["endpoint:beta|lab"] == "172.16.1.3"
    assert "VXLAN id 4097" in texts["network:lab-name"] and "the nodes' LAN" in texts["uplink-name"]
    # each container sits inside the box of the node that runs it
    for container, node in (("alpha", "node1"), ("beta", "node2"), ("gamma", "node3")):
        inner, outer = boxes[f"container:{container}"].get_bbox(), boxes[f"node:{node}"].get_bbox()
        assert outer.x0 < inner.x0 < inner.x1 < outer.x1 and outer.y0 < inner.y0 < inner.y1 < outer.y1
    assert figure_png(fig).startswith(b"\x89PNG")


def test_a_node_that_is_down_is_drawn_dashed_and_empty():
    fig = draw_swarm(_snapshot(down=True))
    boxes, texts = _boxes(fig), _texts(fig)
    assert boxes["node:node3"].get_linestyle() == "--" and boxes["node:node1"].get_linestyle() == "-"
    assert "container:gamma" not in boxes
    assert texts["uplink:node3"] == "(down)"


def test_many_containers_in_one_node_wrap_into_rows_whose_lines_pass_between_the_boxes_above():
    fig = draw_swarm(_snapshot(many=True))
    boxes = _boxes(fig)
    first_row = [boxes[f"container:{n}"].get_bbox() for n in ("beta", "edge@node2", "mesh.1")]
    second_row = [boxes[f"container:{n}"].get_bbox() for n in ("vip.1", "web.1")]
    assert len({round(b.y1, 3) for b in first_row}) == 1 and len({round(b.y1, 3) for b in second_row}) == 1
    assert second_row[0].y1 < first_row[0].y0  # containers in a node are placed by name, three to a row
    for low in second_row:
        centre = (low.x0 + low.x1) / 2
        assert not any(high.x0 < centre < high.x1 for high in first_row)


def test_no_nodes_yet_draws_a_hint():
    fig = draw_swarm(SwarmSnapshot(title="empty"))
    assert any("dnb.start_nodes()" in t.get_text() for t in fig.findobj(Text))


def test_the_snapshot_survives_a_recording():
    from dockernet_nb.replay.codec import decode, encode

    snapshot = _snapshot(down=True)
    replayed = decode(encode(snapshot), "note")
    assert replayed.nodes == snapshot.nodes and replayed.uplink == snapshot.uplink
    assert replayed.placement == snapshot.placement and replayed.vnis == {"lab": 4097}


def test_node_names_become_engine_names_of_the_session():
    from dockernet_nb.engine import labels
    from dockernet_nb.engine.spawn.common import check_name
    from dockernet_nb.engine.spawn.nodes import engine_name
    from dockernet_nb.errors import InvalidInput

    name = engine_name("node1", lesson="MultiHost-with-a-long-name", session="3f2a9c1b")
    assert name == "multihost-with-a-3f2a9c1b-node1" and check_name(name) == name
    assert engine_name("node2").endswith(f"-{labels.session_id()}-node2")
    for bad in ("Node1", "node 1", "a-very-long-node-name", ""):
        with pytest.raises(InvalidInput):
            engine_name(bad)


def _calls_with_all_capabilities() -> list[str]:
    """Files of the package that pass cap_add=[..."ALL"...] to anything."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "cap_add"
                and isinstance(node.value, ast.List)
                and any(isinstance(e, ast.Constant) and e.value == "ALL" for e in node.value.elts)
            ):
                found.append(str(path.relative_to(PACKAGE)))
    return found


def test_only_the_engine_containers_get_every_capability():
    assert _calls_with_all_capabilities() == ["engine/spawn/dind.py"]


def test_run_refuses_the_engine_nodes_privileges():
    from dockernet_nb.engine import policy
    from dockernet_nb.errors import InvalidInput

    for caps in (["ALL"], ["SYS_MODULE"], ["SYS_RESOURCE"]):
        with pytest.raises(InvalidInput, match="does not start containers with"):
            policy.check_capabilities(caps, docker_command="docker run ...")


# --- the checks' judging, with the engine's answers given -------------------------------------------


@pytest.fixture
def answers(monkeypatch):
    given: dict[str, object] = {}
    import dockernet_nb.checks.swarm as swarm_checks

    monkeypatch.setattr(swarm_checks, "ask", lambda question, **params: given[question])
    monkeypatch.setattr("dockernet_nb.ledger.attempt", lambda *args, **kwargs: None)
    return given


def test_the_outer_address_check_knows_the_usual_wrong_answers(answers):
    from dockernet_nb import checks

    answers["vxlan_peer"] = {
        "source_node": "node1", "source_address": "172.16.200.2",
        "target_node": "node3", "target_address": "172.16.200.4", "target_overlay": ["172.16.1.6"],
    }
    assert checks.check_vxlan_outer_address("172.16.200.4").ok
    inner = checks.check_vxlan_outer_address("172.16.1.6")
    assert not inner.ok and "inside the tunnel" in inner.message
    source = checks.check_vxlan_outer_address("172.16.200.2")
    assert not source.ok and "come from" in source.message
    assert not checks.check_vxlan_outer_address(None).ok


def test_the_replicas_check_wants_exactly_the_nodes_that_run_them(answers):
    from dockernet_nb import checks

    answers["service_nodes"] = ["node2"]
    assert checks.check_replicas_after_failure({"node2"}).ok
    assert checks.check_replicas_after_failure(["node2"]).ok
    wrong = checks.check_replicas_after_failure({"node2", "node3"})
    assert not wrong.ok and "no replica runs on node3" in wrong.message
    assert not checks.check_replicas_after_failure(set()).ok
