"""Drawing the picture of what a session runs: its networks, its containers, their addresses, and the host.

:func:`draw_topology` turns a snapshot (read from the engine by
:func:`dockernet_nb.verbs.topology.read_snapshot`) into a matplotlib Figure, touching nothing else, so
the drawing is tested without an engine. The snapshot is a
:class:`~dockernet_nb.records.TopologySnapshot`: networks (:class:`NetworkBox`), containers
(:class:`ContainerNode`, whose ``network_mode`` is "none", "host", "container:<name>" or a network) and
endpoints (:class:`Endpoint`: which container has which address on which network).

Names are the learner-facing ones; ``ipv4`` is "" for a stopped container. Every drawn element carries
a matplotlib ``gid`` ("network:front", "container:web", "endpoint:web|front", "gateway:front", "host")
so tests and tools can find it.

A snapshot with ``links`` (:class:`VethLink`) shows the plumbing as well: each network box names its
Linux bridge, each container's label at a network names its interface (``eth0 172.24.0.2``), and the
other end of its veth pair sits inside the box, a port of the bridge ("veth:web|front"). Without links
the picture is the plain one. ``snapshot.host`` renames the host node (a lab container that holds
namespaces built by hand).
"""

from __future__ import annotations

import io
import math

from dockernet_nb.records import ContainerNode, Endpoint, NetworkBox, TopologySnapshot, VethLink

__all__ = ["draw_topology", "figure_png"]

# Geometry in inches: the axes span the whole figure and one data unit is one inch, so text sizes and
# box sizes can be reasoned about together.
MARGIN = 0.3
TITLE_H = 0.55
LABEL_W = 2.05  # the network's name, subnet and gateway, at the left end of its box
NET_H = 0.62
PLUMBING_NET_H = 0.86  # room for the bridge's name under the gateway, and for veth labels inside
NET_GAP = 0.72  # between two network boxes: room for an address label above and one below
NODE_GAP = 0.55  # between a row of nodes and the nearest network box
MIN_COLUMN = 1.45
CHAR_W = 0.6 / 72  # a monospace character is about 0.6 em wide; in inches per point of font size
TWO_TIERS_FROM = 6  # this many containers or more: half of them go below the networks

PALETTE = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#4e342e", "#546e7a")
HOST_COLOUR = "#37474f"
APART_COLOUR = "#757575"


def _node_lines(container: ContainerNode) -> list[tuple[str, float, str]]:
    """(text, font size, style) lines of a container's node: name, image and state, published ports."""
    state = container.status or ""
    lines = [(container.name, 10.0, "bold"), (f"{container.image or '?'} · {state}", 7.5, "plain")]
    lines += [(port, 7.5, "mono") for port in container.ports]
    return lines


def _node_height(lines) -> float:
    return 0.16 + sum(size * 1.45 / 72 for _, size, _ in lines)


def _text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_W


def _gateway_label(net: NetworkBox, plumbing: bool) -> str:
    """Where the host joins a network: its gateway, which is the address of the host's bridge."""
    return f"{net.bridge} {net.gateway}" if plumbing and net.bridge else f"gw {net.gateway}"


def _apart_note(mode: str) -> str:
    if mode == "host":
        return "host's network (--net host)"
    if mode.startswith("container:"):
        return f"shares {mode.split(':', 1)[1]}'s network"
    return "no network (--net none)"


def draw_topology(snapshot: TopologySnapshot, *, title: str | None = None):
    """The Figure for a snapshot (see the module docstring); needs no engine.

    Example::

        >>> draw_topology(TopologySnapshot(title="empty"))   # doctest: +SKIP
        <Figure size 700x250 with 1 Axes>
    """
    from dockernet_nb.display.jupyter import inch_canvas, pyplot

    plt = pyplot()
    from matplotlib.colors import to_rgb
    from matplotlib.patches import FancyBboxPatch, Rectangle

    networks = sorted(snapshot.networks, key=lambda n: n.name)
    containers = sorted(snapshot.containers, key=lambda c: c.name)
    net_names = [n.name for n in networks]
    joined: dict[str, dict[str, Endpoint]] = {}
    for endpoint in snapshot.endpoints:
        if endpoint.network in net_names:
            joined.setdefault(endpoint.container, {})[endpoint.network] = endpoint
    wired = [c for c in containers if joined.get(c.name)]
    apart = [c for c in containers if not joined.get(c.name)]
    title = title if title is not None else snapshot.title or "Networks and containers"
    links: dict[tuple[str, str], VethLink] = {(link.container, link.network): link for link in snapshot.links}
    net_h = PLUMBING_NET_H if links else NET_H

    if not networks and not containers:
        fig, ax = inch_canvas(7, 2.5)
        ax.text(3.5, 1.9, title, ha="center", va="center", fontsize=12, fontweight="bold")
        ax.text(
            3.5, 1.0, "Nothing in this session yet.\nCreate a network with dnb.create_net(...) and start a container "
            "with dnb.run(..., detach=True).", ha="center", va="center", fontsize=9, color="#555555",
        )
        plt.close(fig)
        return fig

    # Columns: one per container of a tier; with many containers, a second tier below the networks sits
    # half a column to the right so its lines never run on top of the first tier's.
    two_tiers = len(wired) >= TWO_TIERS_FROM
    top = wired[: math.ceil(len(wired) / 2)] if two_tiers else wired
    bottom = wired[len(top):]
    widest = max(
        [_text_width(text, size) for c in containers for text, size, _ in _node_lines(c)]
        + [_text_width("255.255.255.255/32", 8)],
        default=0,
    )
    column = max(MIN_COLUMN, widest + 0.3)
    gateway_labels = [_gateway_label(n, bool(links)) for n in networks]
    host_column = max([MIN_COLUMN, _text_width("gw 255.255.255.255", 8) + 0.3] + [_text_width(t, 8) + 0.3 for t in gateway_labels])
    columns = max(len(top) + (0.5 if bottom else 0), len(apart), 1)
    width = max(2 * MARGIN + LABEL_W + host_column + columns * column, 7.0)

    top_h = max([_node_height(_node_lines(c)) for c in top] + [0.62])
    bottom_h = max([_node_height(_node_lines(c)) for c in bottom], default=0)
    apart_h = max([_node_height(_node_lines(c)) + 0.25 for c in apart], default=0)
    nets_h = len(networks) * net_h + max(len(networks) - 1, 0) * NET_GAP
    height = MARGIN + TITLE_H + top_h + (NODE_GAP + nets_h if networks else 0)
    height += (NODE_GAP + bottom_h) if bottom else 0
    height += (0.5 + apart_h) if apart else 0
    height += MARGIN

    fig, ax = inch_canvas(width, height)
    ax.text(MARGIN, height - MARGIN - 0.2, title, ha="left", va="center", fontsize=12, fontweight="bold")

    x0 = MARGIN + LABEL_W  # where the host column starts
    host_x = x0 + host_column / 2
    top_y = height - MARGIN - TITLE_H  # top edge of the first row of nodes
    net_top = {}  # name -> y of the box's top edge
    y = top_y - top_h - NODE_GAP
    for net in networks:
        net_top[net.name] = y
        y -= net_h + NET_GAP
    colour = {n.name: PALETTE[i % len(PALETTE)] for i, n in enumerate(networks)}
    # Opaque tints, so a line passing a network it does not join vanishes behind the box.
    tint = {name: [1 - 0.12 * (1 - channel) for channel in to_rgb(c)] for name, c in colour.items()}

    for net in networks:
        name, y_top = net.name, net_top[net.name]
        ax.add_patch(
            Rectangle(
                (MARGIN, y_top - net_h), width - 2 * MARGIN, net_h, facecolor=tint[name],
                edgecolor=colour[name], linewidth=1.6, zorder=3, gid=f"network:{name}",
            )
        )
        heading = name + ("  (Docker's default)" if name == "bridge" else "") + ("  (internal)" if net.internal else "")
        if net.driver and net.driver != "bridge":
            heading += f"  [{net.driver}]"
        details = f"subnet {net.subnet or '-'}\ngateway {net.gateway or '-'}"
        if links and net.bridge:
            details += f"\nbridge {net.bridge}"
        ax.text(MARGIN + 0.12, y_top - 0.17, heading, ha="left", va="center", fontsize=10, fontweight="bold",
                color=colour[name], zorder=4, gid=f"network-name:{name}")
        ax.text(MARGIN + 0.12, y_top - (0.53 if details.count("\n") == 2 else 0.42), details, ha="left", va="center", fontsize=8, family="monospace",
                color="#263238", zorder=4, linespacing=1.25, gid=f"network-details:{name}")

    def node(x: float, y_top: float, container: ContainerNode, edge: str, note: str | None = None) -> None:
        lines = _node_lines(container)
        h = _node_height(lines)
        running = container.status in ("running", "")
        ax.add_patch(
            FancyBboxPatch(
                (x - column / 2 + 0.1, y_top - h), column - 0.2, h, boxstyle="round,pad=0,rounding_size=0.08",
                facecolor="#ffffff" if running else "#f5f5f5", edgecolor=edge, linewidth=1.3,
                linestyle="-" if note is None else "--", zorder=5, gid=f"container:{container.name}",
            )
        )
        cursor = y_top - 0.08
        for text, size, style in lines:
            step = size * 1.45 / 72
            ax.text(x, cursor - step / 2, text, ha="center", va="center", fontsize=size,
                    fontweight="bold" if style == "bold" else "normal",
                    family="monospace" if style == "mono" else "sans-serif",
                    color="#212121" if style != "plain" else "#616161", zorder=6)
            cursor -= step
        if note:
            ax.text(x, y_top - h - 0.16, note, ha="center", va="center", fontsize=8, style="italic",
                    color=APART_COLOUR, zorder=6, gid=f"apart:{container.name}")

    def join(x: float, net_name: str, from_above: bool, text: str, gid: str) -> None:
        y_edge = net_top[net_name] if from_above else net_top[net_name] - net_h
        ax.plot([x], [y_edge], marker="o", markersize=7, color=colour[net_name], zorder=7)
        label_y = y_edge + 0.22 if from_above else y_edge - 0.22
        ax.text(x, label_y, text, ha="center", va="center", fontsize=8, family="monospace", zorder=8,
                color="#212121", gid=gid,
                bbox={"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": colour[net_name], "linewidth": 1})

    def port(x: float, net_name: str, from_above: bool, text: str, gid: str) -> None:
        """The host's end of a veth pair: a port inside the bridge's box, just past where the wire enters."""
        y_edge = net_top[net_name] if from_above else net_top[net_name] - net_h
        ax.text(x, y_edge - 0.2 if from_above else y_edge + 0.2, text, ha="center", va="center", fontsize=7.5,
                family="monospace", zorder=8, color="#212121", gid=gid,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": tint[net_name], "edgecolor": colour[net_name],
                      "linewidth": 0.8, "linestyle": "--"})

    def wire(x: float, y_node: float, container: ContainerNode, from_above: bool) -> None:
        mine = joined[container.name]
        ends = [net_top[n] - (0 if from_above else net_h) for n in mine]
        far = min(ends) if from_above else max(ends)
        style = "-" if container.status in ("running", "") else ":"
        ax.plot([x, x], [y_node, far], color="#78909c", linewidth=1.4, linestyle=style, zorder=2)
        for net_name, endpoint in sorted(mine.items()):
            text = endpoint.ipv4 or ("no address" if style == "-" else "(stopped)")
            link = links.get((container.name, net_name))
            if link is not None:
                text = f"{link.interface} {text}"
                port(x, net_name, from_above, link.peer, f"veth:{container.name}|{net_name}")
            join(x, net_name, from_above, text, f"endpoint:{container.name}|{net_name}")

    # The host: a node above the networks, joined to every bridge network at its gateway.
    bridges = [n for n in networks if n.driver == "bridge" and n.gateway]
    if networks:
        host_h = 0.62
        ax.add_patch(
            FancyBboxPatch(
                (host_x - host_column / 2 + 0.1, top_y - host_h), host_column - 0.2, host_h,
                boxstyle="round,pad=0,rounding_size=0.08", facecolor="#eceff1", edgecolor=HOST_COLOUR,
                linewidth=1.6, zorder=5, gid="host",
            )
        )
        host_name, host_note = (snapshot.host, "holds the bridge") if snapshot.host else ("host", "this machine")
        ax.text(host_x, top_y - 0.2, host_name, ha="center", va="center", fontsize=10, fontweight="bold", zorder=6)
        ax.text(host_x, top_y - 0.44, host_note, ha="center", va="center", fontsize=7.5, color="#616161", zorder=6)
        if bridges:
            far = min(net_top[n.name] for n in bridges)
            ax.plot([host_x, host_x], [top_y - host_h, far], color=HOST_COLOUR, linewidth=1.4, zorder=2)
            for net in bridges:
                join(host_x, net.name, True, _gateway_label(net, bool(links)), f"gateway:{net.name}")

    first = x0 + host_column
    for i, container in enumerate(top):
        x = first + (i + 0.5) * column
        node(x, top_y, container, "#455a64")
        wire(x, top_y - _node_height(_node_lines(container)), container, from_above=True)
    if bottom:
        bottom_top = top_y - top_h - NODE_GAP - nets_h - NODE_GAP
        for i, container in enumerate(bottom):
            x = first + (i + 1.0) * column
            node(x, bottom_top, container, "#455a64")
            wire(x, bottom_top, container, from_above=False)
    if apart:
        apart_top = MARGIN + apart_h
        ax.plot([MARGIN, width - MARGIN], [apart_top + 0.3, apart_top + 0.3], color="#bdbdbd", linewidth=1,
                linestyle="--", zorder=1)
        ax.text(MARGIN, apart_top + 0.12, "not on any network above", ha="left", va="center", fontsize=8,
                color=APART_COLOUR, style="italic")
        for i, container in enumerate(apart):
            x = first + (i + 0.5) * column
            node(x, apart_top, container, APART_COLOUR, note=_apart_note(container.network_mode or "none"))

    plt.close(fig)
    return fig


def figure_png(fig, *, dpi: int = 100) -> bytes:
    """A figure as PNG bytes (for an image widget or a file)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()
