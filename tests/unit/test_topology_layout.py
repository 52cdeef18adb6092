"""The topology drawing from hand-made snapshots: no engine, only the Figure's artists."""

from __future__ import annotations

import random

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from dockernet_nb.display.topology import draw_topology as draw_typed
from dockernet_nb.display.topology import figure_png
from dockernet_nb.records import ContainerNode, Endpoint, NetworkBox, TopologySnapshot


def draw_topology(snapshot: dict, **options):
    """The drawing of a snapshot written as plain dicts (easier to read in a test than the records)."""
    typed = TopologySnapshot(
        title=snapshot.get("title", ""),
        networks=tuple(NetworkBox(**n) for n in snapshot.get("networks", [])),
        containers=tuple(ContainerNode(**{**c, "ports": tuple(c.get("ports", ()))}) for c in snapshot.get("containers", [])),
        endpoints=tuple(Endpoint(**e) for e in snapshot.get("endpoints", [])),
    )
    return draw_typed(typed, **options)


def _snapshot() -> dict:
    return {
        "title": "Lesson 'demo'",
        "networks": [
            {"name": "front", "driver": "bridge", "subnet": "172.24.0.0/24", "gateway": "172.24.0.1", "internal": False},
            {"name": "back", "driver": "bridge", "subnet": "172.24.1.0/24", "gateway": "172.24.1.1", "internal": True},
            {"name": "lan", "driver": "macvlan", "subnet": "172.30.9.0/24", "gateway": "172.30.9.1", "internal": False},
        ],
        "containers": [
            {"name": "web", "image": "uptime", "status": "running", "ports": ["127.0.0.1:8000 -> 8000/tcp"], "network_mode": "front"},
            {"name": "db", "image": "redis", "status": "running", "ports": [], "network_mode": "back"},
            {"name": "sleeper", "image": "busybox", "status": "exited", "ports": [], "network_mode": "back"},
            {"name": "lonely", "image": "busybox", "status": "running", "ports": [], "network_mode": "none"},
        ],
        "endpoints": [
            {"container": "web", "network": "front", "ipv4": "172.24.0.2", "prefixlen": 24},
            {"container": "web", "network": "back", "ipv4": "172.24.1.3", "prefixlen": 24},
            {"container": "db", "network": "back", "ipv4": "172.24.1.2", "prefixlen": 24},
            {"container": "sleeper", "network": "back", "ipv4": "", "prefixlen": None},
        ],
    }


def _texts(fig) -> dict[str, str]:
    """gid -> text of every Text artist that carries a gid."""
    return {t.get_gid(): t.get_text() for t in fig.findobj(Text) if t.get_gid()}


def _all_text(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def _patch_gids(fig) -> set[str]:
    return {p.get_gid() for p in fig.axes[0].patches if p.get_gid()}


def test_every_endpoint_is_an_edge_labelled_with_its_address():
    texts = _texts(draw_topology(_snapshot()))
    assert texts["endpoint:web|front"] == "172.24.0.2"
    assert texts["endpoint:web|back"] == "172.24.1.3"
    assert texts["endpoint:db|back"] == "172.24.1.2"
    assert texts["endpoint:sleeper|back"] == "(stopped)"
    assert not any(gid.startswith("endpoint:lonely") for gid in texts)


def test_networks_are_boxes_with_name_subnet_and_gateway():
    fig = draw_topology(_snapshot())
    texts = _texts(fig)
    assert {"network:front", "network:back", "network:lan"} <= _patch_gids(fig)
    assert texts["network-name:front"] == "front"
    assert texts["network-name:back"] == "back  (internal)"
    assert texts["network-name:lan"] == "lan  [macvlan]"
    assert texts["network-details:front"] == "subnet 172.24.0.0/24\ngateway 172.24.0.1"


def test_the_host_joins_bridge_networks_at_their_gateway_only():
    fig = draw_topology(_snapshot())
    texts = _texts(fig)
    assert "host" in _patch_gids(fig)
    assert texts["gateway:front"] == "gw 172.24.0.1"
    assert texts["gateway:back"] == "gw 172.24.1.1"
    assert "gateway:lan" not in texts  # a macvlan network is not reachable from its host by design


def test_published_ports_show_on_the_container_and_a_none_container_is_apart():
    fig = draw_topology(_snapshot())
    assert "127.0.0.1:8000 -> 8000/tcp" in _all_text(fig)
    assert _texts(fig)["apart:lonely"] == "no network (--net none)"
    assert "container:lonely" in _patch_gids(fig)


def test_host_and_shared_namespaces_are_marked_apart():
    snapshot = _snapshot()
    snapshot["containers"] += [
        {"name": "hosty", "image": "busybox", "status": "running", "ports": [], "network_mode": "host"},
        {"name": "sidecar", "image": "busybox", "status": "running", "ports": [], "network_mode": "container:web"},
    ]
    texts = _texts(draw_topology(snapshot))
    assert texts["apart:hosty"] == "host's network (--net host)"
    assert texts["apart:sidecar"] == "shares web's network"


def test_layout_does_not_depend_on_the_order_of_the_snapshot():
    shuffled = _snapshot()
    for key in ("networks", "containers", "endpoints"):
        random.Random(7).shuffle(shuffled[key])
    first, second = draw_topology(_snapshot()), draw_topology(shuffled)
    positions = lambda fig: sorted((t.get_text(), t.get_position()) for t in fig.findobj(Text))  # noqa: E731
    assert positions(first) == positions(second)
    assert first.get_size_inches().tolist() == second.get_size_inches().tolist()


def test_the_figure_is_closed_and_titled():
    fig = draw_topology(_snapshot(), title="My picture")
    assert fig.number not in plt.get_fignums()
    assert "My picture" in _all_text(fig)
    assert "Lesson 'demo'" in _all_text(draw_topology(_snapshot()))


def test_an_empty_session_says_what_to_do():
    fig = draw_topology({"networks": [], "containers": [], "endpoints": []})
    assert any("dnb.create_net" in text for text in _all_text(fig))
    assert figure_png(fig).startswith(b"\x89PNG")


def _crowded(containers: int, networks: int) -> dict:
    nets = [
        {"name": f"net{k}", "driver": "bridge", "subnet": f"172.24.{k}.0/24", "gateway": f"172.24.{k}.1", "internal": False}
        for k in range(networks)
    ]
    boxes, endpoints = [], []
    for j in range(containers):
        name = f"container-{j:02d}"
        boxes.append({"name": name, "image": "busybox", "status": "running", "ports": [], "network_mode": "net0"})
        for k in range(networks):
            if (j + k) % 3 == 0 or k == j % networks:
                endpoints.append({"container": name, "network": f"net{k}", "ipv4": f"172.24.{k}.{200 + j}", "prefixlen": 24})
    return {"networks": nets, "containers": boxes, "endpoints": endpoints}


@pytest.mark.parametrize(("containers", "networks"), [(2, 2), (5, 3), (6, 4), (10, 6)])
def test_address_labels_never_overlap_and_stay_inside_the_picture(containers, networks):
    fig = draw_topology(_crowded(containers, networks))
    canvas = FigureCanvasAgg(fig)  # a closed figure keeps only a bare canvas; lay it out on an Agg one
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [t for t in fig.findobj(Text) if (t.get_gid() or "").startswith(("endpoint:", "gateway:"))]
    assert len(labels) == sum(1 for _ in _crowded(containers, networks)["endpoints"]) + networks
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in labels]
    figure_box = fig.bbox
    for i, box in enumerate(boxes):
        assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1, labels[i].get_gid()
        for j in range(i + 1, len(boxes)):
            assert not box.overlaps(boxes[j]), (labels[i].get_gid(), labels[j].get_gid())
    # Big enough to read: ~6 networks and ~10 containers still fit a notebook-sized picture.
    width, height = fig.get_size_inches()
    assert width <= 16 and height <= 13
