"""Drawing several hosts: engine nodes on their LAN, the overlay networks across them, containers on each.

:func:`draw_swarm` turns a :class:`~dockernet_nb.records.SwarmSnapshot` into a matplotlib Figure and
touches nothing else, so it is tested without an engine. The picture, top to bottom:

- each overlay network is a wide bar across every node (name, subnet, VXLAN id);
- each node is a box, a host of its own: its containers inside, a line from each container up to the
  overlays it joins, labelled with its address there; the node's name, role, state and engine below;
- the uplink, the nodes' LAN, is a bar at the bottom: each node joins it at its own address (its
  eth0), and this machine joins it at the gateway.

A node that is down is drawn dashed and grey, empty. Every element carries a ``gid``
("node:node1", "network:lab", "container:alpha", "endpoint:alpha|lab", "uplink", "uplink:node1",
"host") for tests and tools.
"""

from __future__ import annotations

from dockernet_nb.records import ContainerNode, Endpoint, HostNode, SwarmSnapshot

__all__ = ["draw_swarm"]

MARGIN = 0.3
TITLE_H = 0.55
LABEL_W = 2.15  # a bar's name and details, at its left end
NET_H = 0.62
NET_GAP = 0.62
LINE_GAP = 0.62  # between the lowest overlay and the node boxes: room for address labels
HOST_W = 1.7
CONTAINER_H = 0.5
PER_ROW = 3  # containers side by side in a node; more go in further rows
ROW_GAP = 0.15
NODE_FOOT = 0.62  # the node's name, role and engine under its containers
UPLINK_GAP = 0.62
CHAR_W = 0.6 / 72

OVERLAY_COLOURS = ("#6a1b9a", "#00838f", "#ad1457", "#4e342e")
UPLINK_COLOUR = "#1565c0"
NODE_EDGE = "#37474f"
DOWN_COLOUR = "#9e9e9e"


def _width(text: str, size: float) -> float:
    return len(text) * size * CHAR_W


def _node_lines(node: HostNode) -> tuple[str, str]:
    role = node.role or "not in a swarm"
    state = node.state or "?"
    engine = f" · Engine {node.engine}" if node.engine else ""
    return node.name, f"{role} · {state}{engine}"


def draw_swarm(snapshot: SwarmSnapshot, *, title: str | None = None):
    """The Figure for a snapshot (see the module docstring); needs no engine."""
    from dockernet_nb.display.jupyter import inch_canvas, pyplot

    plt = pyplot()
    from matplotlib.colors import to_rgb
    from matplotlib.patches import FancyBboxPatch, Rectangle

    title = title if title is not None else snapshot.title or "Nodes and overlay networks"
    nodes = sorted(snapshot.nodes, key=lambda n: n.name)
    overlays = sorted(snapshot.networks, key=lambda n: n.name)
    down = {n.name for n in nodes if n.state in ("down", "exited", "dead", "unknown")}
    inside: dict[str, list[ContainerNode]] = {n.name: [] for n in nodes}
    for container in sorted(snapshot.containers, key=lambda c: c.name):
        where = snapshot.placement.get(container.name)
        if where in inside and where not in down:
            inside[where].append(container)
    joined: dict[str, dict[str, Endpoint]] = {}
    for endpoint in snapshot.endpoints:
        joined.setdefault(endpoint.container, {})[endpoint.network] = endpoint

    widest = max(
        [_width(c.name, 9.5) for c in snapshot.containers] + [_width("255.255.255.255", 8)] + [1.0],
    )
    box_w = widest + 0.35
    columns = {}
    for node in nodes:
        foot = max(_width(text, size) for text, size in zip(_node_lines(node), (10, 7.5), strict=True))
        wrapped = len(inside[node.name]) > PER_ROW  # a second row sits half a place to the right
        slots = min(len(inside[node.name]), PER_ROW) + (0.5 if wrapped else 0)
        columns[node.name] = max(2.3, foot + 0.4, slots * (box_w + 0.15) + 0.3)
    width = max(2 * MARGIN + LABEL_W + HOST_W + sum(columns.values()), 8.0)
    nets_h = len(overlays) * NET_H + max(len(overlays) - 1, 0) * NET_GAP
    rows = max([-(-len(found) // PER_ROW) for found in inside.values()] + [0])
    node_h = (rows * (CONTAINER_H + ROW_GAP) + 0.15 if rows else 0.15) + NODE_FOOT
    height = MARGIN + TITLE_H + (nets_h + LINE_GAP if overlays else 0) + node_h + UPLINK_GAP + NET_H + MARGIN

    fig, ax = inch_canvas(width, height)
    ax.text(MARGIN, height - MARGIN - 0.2, title, ha="left", va="center", fontsize=12, fontweight="bold")

    if not nodes:
        ax.text(width / 2, height / 2, "No nodes in this session yet: start them with dnb.start_nodes().",
                ha="center", va="center", fontsize=9, color="#555555")
        plt.close(fig)
        return fig

    top = height - MARGIN - TITLE_H
    net_top = {}
    y = top
    for net in overlays:
        net_top[net.name] = y
        y -= NET_H + NET_GAP
    node_top = top - (nets_h + LINE_GAP if overlays else 0)
    uplink_top = node_top - node_h - UPLINK_GAP
    colour = {n.name: OVERLAY_COLOURS[i % len(OVERLAY_COLOURS)] for i, n in enumerate(overlays)}

    def tint(c: str) -> list[float]:
        return [1 - 0.12 * (1 - channel) for channel in to_rgb(c)]

    def bar(y_top: float, name: str, heading: str, details: str, edge: str, gid: str, note: str = "") -> None:
        ax.add_patch(Rectangle((MARGIN, y_top - NET_H), width - 2 * MARGIN, NET_H, facecolor=tint(edge),
                               edgecolor=edge, linewidth=1.6, zorder=3, gid=gid))
        ax.text(MARGIN + 0.12, y_top - 0.17, heading, ha="left", va="center", fontsize=10, fontweight="bold",
                color=edge, zorder=4, gid=f"{gid}-name")
        ax.text(MARGIN + 0.12, y_top - 0.42, details, ha="left", va="center", fontsize=8, family="monospace",
                color="#263238", zorder=4, linespacing=1.25)
        if note:
            ax.text(width - MARGIN - 0.12, y_top - NET_H / 2, note, ha="right", va="center", fontsize=8,
                    style="italic", color=edge, zorder=4)

    def label(x: float, y: float, text: str, edge: str, gid: str) -> None:
        ax.text(x, y, text, ha="center", va="center", fontsize=8, family="monospace", zorder=8, color="#212121",
                gid=gid, bbox={"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": edge, "linewidth": 1})

    for net in overlays:
        vni = snapshot.vnis.get(net.name)
        heading = f"{net.name}  [overlay" + (f", VXLAN id {vni}]" if vni is not None else "]")
        bar(net_top[net.name], net.name, heading, f"subnet {net.subnet or '-'}\ngateway {net.gateway or '-'}",
            colour[net.name], f"network:{net.name}", "one network across the nodes, carried over their LAN in VXLAN (UDP 4789)")

    uplink = snapshot.uplink
    bar(uplink_top, uplink.name, f"{uplink.name or 'uplink'}  (the nodes' LAN)",
        f"subnet {uplink.subnet or '-'}\ngateway {uplink.gateway or '-'}", UPLINK_COLOUR, "uplink")

    # This machine, left of the nodes, on the LAN at the gateway.
    host_x = MARGIN + LABEL_W + HOST_W / 2
    ax.add_patch(FancyBboxPatch((host_x - HOST_W / 2 + 0.1, node_top - node_h), HOST_W - 0.2, node_h,
                                boxstyle="round,pad=0,rounding_size=0.08", facecolor="#eceff1", edgecolor=NODE_EDGE,
                                linewidth=1.4, zorder=5, gid="host"))
    ax.text(host_x, node_top - node_h + 0.42, "this machine", ha="center", va="center", fontsize=10, fontweight="bold", zorder=6)
    ax.text(host_x, node_top - node_h + 0.2, "runs the nodes", ha="center", va="center", fontsize=7.5, color="#616161", zorder=6)
    ax.plot([host_x, host_x], [node_top - node_h, uplink_top], color=NODE_EDGE, linewidth=1.4, zorder=2)
    ax.plot([host_x], [uplink_top], marker="o", markersize=7, color=UPLINK_COLOUR, zorder=7)
    label(host_x, uplink_top + 0.22, f"gw {uplink.gateway or '-'}", UPLINK_COLOUR, "uplink:host")

    x = MARGIN + LABEL_W + HOST_W
    for node in nodes:
        column = columns[node.name]
        centre = x + column / 2
        is_down = node.name in down
        edge = DOWN_COLOUR if is_down else NODE_EDGE
        ax.add_patch(FancyBboxPatch((x + 0.1, node_top - node_h), column - 0.2, node_h,
                                    boxstyle="round,pad=0,rounding_size=0.1", facecolor="#f5f5f5" if is_down else "#fafafa",
                                    edgecolor=edge, linewidth=1.6, linestyle="--" if is_down else "-", zorder=5,
                                    gid=f"node:{node.name}"))
        name, details = _node_lines(node)
        ax.text(centre, node_top - node_h + 0.42, name, ha="center", va="center", fontsize=10, fontweight="bold",
                color=edge if is_down else "#212121", zorder=6)
        ax.text(centre, node_top - node_h + 0.2, details, ha="center", va="center", fontsize=7.5, color="#616161", zorder=6)
        ax.plot([centre, centre], [node_top - node_h, uplink_top], color=edge, linewidth=1.4,
                linestyle=":" if is_down else "-", zorder=2)
        ax.plot([centre], [uplink_top], marker="o", markersize=7, color=DOWN_COLOUR if is_down else UPLINK_COLOUR, zorder=7)
        label(centre, uplink_top + 0.22, f"eth0 {node.address}" if node.address and not is_down else "(down)",
              UPLINK_COLOUR, f"uplink:{node.name}")
        containers = inside[node.name]
        for i, container in enumerate(containers):
            row, place = divmod(i, PER_ROW)
            in_row = min(PER_ROW, len(containers) - row * PER_ROW)
            # A lower row sits between the places of the row above, so its lines pass between those boxes.
            shift = 0.5 if row % 2 and in_row % 2 == min(PER_ROW, len(containers)) % 2 else 0.0
            cx = centre + (place - (in_row - 1) / 2 + shift) * (box_w + 0.15)
            box_top = node_top - 0.15 - row * (CONTAINER_H + ROW_GAP)
            ax.add_patch(FancyBboxPatch((cx - box_w / 2, box_top - CONTAINER_H), box_w, CONTAINER_H,
                                        boxstyle="round,pad=0,rounding_size=0.06", facecolor="white", edgecolor="#455a64",
                                        linewidth=1.2, zorder=7, gid=f"container:{container.name}"))
            ax.text(cx, box_top - 0.17, container.name, ha="center", va="center", fontsize=9.5, fontweight="bold", zorder=8)
            ax.text(cx, box_top - 0.36, f"{container.image or '?'} · {container.status}", ha="center", va="center",
                    fontsize=7, color="#616161", zorder=8)
            mine = {n: e for n, e in joined.get(container.name, {}).items() if n in net_top}
            if mine:
                far = max(net_top[n] - NET_H for n in mine)  # the highest bar it joins; lower bars hide the line
                ax.plot([cx, cx], [box_top, far], color="#78909c", linewidth=1.4, zorder=2)
                for net_name, endpoint in sorted(mine.items()):
                    y_edge = net_top[net_name] - NET_H
                    ax.plot([cx], [y_edge], marker="o", markersize=7, color=colour[net_name], zorder=7)
                    label(cx, y_edge - 0.22 - 0.2 * (row % 2), endpoint.ipv4 or "no address", colour[net_name],
                          f"endpoint:{container.name}|{net_name}")
        x += column

    plt.close(fig)
    return fig
