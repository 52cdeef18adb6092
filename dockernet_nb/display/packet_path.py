"""Drawing the way a connection to a published port takes: client -> host address -> docker-proxy or DNAT -> bridge -> server.

:func:`draw_packet_path` turns a :class:`~dockernet_nb.records.PacketPath` (read from the engine by
:func:`dockernet_nb.verbs.packet_path.read_packet_path`) into a matplotlib Figure and touches nothing
else, so it is tested without an engine. Both ways through the host are drawn: the one the connection
takes in colour, the other greyed with the reason it is not taken. Under the boxes: why, the rules
that decided (as ``iptables-save`` prints them), and which engine the answer came from.

Every drawn element carries a matplotlib ``gid`` so tests and tools can find it: "client",
"published", "way:docker-proxy", "way:dnat", "bridge", "server" (boxes; their texts "<gid>:text"),
"arrow:<from>-><to>" and "label:<from>-><to>" (arrows and their labels), "stop" (where a connection
ends), "why", "step:<n>" and "footnote".
"""

from __future__ import annotations

import textwrap

from dockernet_nb.records import PacketPath

__all__ = ["draw_packet_path"]

WIDTH = 13.2
BOX_W = 2.3
BOX_H = 1.1
COLUMNS = (1.45, 4.05, 6.6, 9.15, 11.75)  # x centres: client, published address, proxy/DNAT, bridge, server
TAKEN = "#1565c0"
NOT_TAKEN = "#b0bec5"
STOPPED = "#c62828"
INK = "#212121"
GREY_INK = "#78909c"
MAX_STEPS = 9
RULE_CHARS = 120
BOX_CHARS = 36  # characters of a box line at its font size


def _visitor(path: PacketPath) -> str:
    return "the other machine's own address" if path.seen_ip == "another machine" else path.seen_ip


def _client_lines(path: PacketPath) -> tuple[str, list[str]]:
    goes = f"connects to {path.target}"
    if path.client == "host":
        return "a program on the host", [f"sends from {path.client_ip}", goes]
    if path.client == "remote":
        return "another machine", ["(worked out from the rules,", "nothing is sent)", goes]
    if path.client_network == "host":
        return f"container {path.client}", ["on the host's network", f"sends from {path.client_ip}", goes]
    if not path.client_ip:
        return f"container {path.client}", ["on no network"]
    return f"container {path.client}", [f"{path.client_ip} on {path.client_network}", goes,
                                        f"(enters the host by {path.client_iface})"]


def _published_lines(path: PacketPath) -> tuple[str, list[str]]:
    heading = f"the host, at {path.target}"
    if path.published:
        return heading, [f"published: {path.published}", f"for {path.server}'s port {path.server_port}"]
    return heading, [f"{path.server} publishes", f"no port {path.target.rsplit(':', 1)[-1]}"]


def _short_reason(path: PacketPath, way: str) -> str:
    """Why the way not taken was not taken, in a few words for its greyed box."""
    if way == "docker-proxy":
        if not path.proxy:
            return "none runs for this port"
        if path.way == "dnat":
            return "not used: DNAT came first"
        listens = path.proxy.split(" -> ")[0].rsplit(":", 1)[0]
        target = path.target.rsplit(":", 1)[0]
        return "not on this address" if listens not in (target, "0.0.0.0", "::") else "not reached"
    returned = [s for s in path.steps if s.table == "nat" and s.outcome == "return"]
    missed = [s for s in path.steps if s.table == "nat" and s.outcome == "no match"]
    if returned:
        iface = returned[-1].rule.split("-i ", 1)[-1].split()[0] if "-i " in returned[-1].rule else "its bridge"
        return f"skipped: from {iface}, RETURN first"
    if missed:
        return "skipped: never enters chain DOCKER"
    return "no rule for this port" if not path.dnat_rule else "its rule does not match"


def draw_packet_path(path: PacketPath, *, title: str | None = None):
    """The Figure for one :class:`PacketPath` (see the module docstring); needs no engine.

    Example::

        >>> draw_packet_path(PacketPath(server="web"))   # doctest: +SKIP
        <Figure size 1260x560 with 1 Axes>
    """
    from dockernet_nb.display.jupyter import inch_canvas, pyplot

    plt = pyplot()
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    steps = path.steps[:MAX_STEPS]
    why_lines = textwrap.wrap(f"Why: {path.why}", 150) if path.why else []
    height = 3.35 + 0.2 * len(why_lines) + (0.32 + 0.17 * (len(steps) + (len(path.steps) > MAX_STEPS)) if steps else 0) + 0.3
    fig, ax = inch_canvas(WIDTH, height)

    who = {"host": "a program on the host", "remote": "another machine"}.get(path.client, f"container {path.client}")
    port = path.target.rsplit(":", 1)[-1]
    if not path.published:
        heading = f"From {who} to {path.target}: {path.server} publishes no port {port}"
    elif path.published == path.target or path.published.startswith(("0.0.0.0:", ":::")):
        heading = f"From {who} to {path.target}, where {path.server}'s port {path.server_port} is published"
    else:
        heading = f"From {who} to {path.target} ({path.server}'s port {path.server_port} is published on {path.published})"
    heading = title if title is not None else heading
    ax.text(0.3, height - 0.3, heading, ha="left", va="center", fontsize=12, fontweight="bold", gid="title")

    row_y = height - 1.75  # centre line of the main row
    proxy_y, dnat_y = row_y + 0.62, row_y - 0.62

    def box(x: float, y: float, gid: str, head: str, lines: list[str], colour: str, *, dashed: bool = False,
            h: float = BOX_H) -> None:
        ink = INK if colour != NOT_TAKEN else GREY_INK
        ax.add_patch(
            FancyBboxPatch(
                (x - BOX_W / 2, y - h / 2), BOX_W, h, boxstyle="round,pad=0,rounding_size=0.08",
                facecolor="#ffffff", edgecolor=colour, linewidth=1.8 if colour == TAKEN else 1.2,
                linestyle="--" if dashed else "-", zorder=3, gid=gid,
            )
        )
        ax.text(x, y + h / 2 - 0.17, head, ha="center", va="center", fontsize=8.6, fontweight="bold", color=ink,
                zorder=4, gid=f"{gid}:head")
        body = [part for line in lines for part in textwrap.wrap(line, BOX_CHARS)]
        ax.text(x, y - 0.1, "\n".join(body), ha="center", va="center", fontsize=7.8, color=ink, zorder=4,
                linespacing=1.35, gid=f"{gid}:text")

    def arrow(start: tuple[float, float], end: tuple[float, float], name: str, colour: str) -> None:
        ax.add_patch(
            FancyArrowPatch(
                start, end, arrowstyle="-|>", mutation_scale=14, color=colour,
                linewidth=1.8 if colour == TAKEN else 1.1, linestyle="-" if colour != NOT_TAKEN else "--",
                zorder=2, gid=f"arrow:{name}", shrinkA=0, shrinkB=0,
            )
        )

    def stop(x: float, y: float) -> None:
        ax.text(x, y, "X", ha="center", va="center", fontsize=16, fontweight="bold", color=STOPPED, zorder=6, gid="stop")

    way = path.way
    half = BOX_W / 2
    c_client, c_pub, c_mid, c_bridge, c_server = COLUMNS
    proxy_taken = way == "docker-proxy"
    dnat_taken = way == "dnat" or path.stops == "filter"
    delivered = way in ("docker-proxy", "dnat")
    reached_host = path.stops != "client"

    head, lines = _client_lines(path)
    box(c_client, row_y, "client", head, lines, TAKEN if reached_host else STOPPED)
    head, lines = _published_lines(path)
    box(c_pub, row_y, "published", head, lines, TAKEN if reached_host else NOT_TAKEN)
    arrow((c_client + half, row_y), (c_pub - half, row_y), "client->published", TAKEN if reached_host else NOT_TAKEN)
    if not reached_host:
        stop((c_client + c_pub) / 2, row_y)

    listens = path.proxy.split(" -> ")[0]
    proxy_lines = [f"listens on {listens}" + ("" if proxy_taken else " only")] if path.proxy else []
    proxy_lines.append(f"connects again from {path.server_gateway}" if proxy_taken else _short_reason(path, "docker-proxy"))
    dnat_to = path.dnat_rule.split("--to-destination ", 1)[-1].split()[0] if "--to-destination" in path.dnat_rule else ""
    dnat_lines = [f"destination -> {dnat_to}" if dnat_to else "no DNAT rule for this port"]
    if dnat_taken and delivered:
        dnat_lines.append("source kept" if path.seen_ip == path.client_ip else f"source -> {path.seen_ip} (MASQUERADE)")
    elif dnat_taken:
        dnat_lines.append("then dropped by the filter table")
    else:
        dnat_lines.append(_short_reason(path, "dnat"))
    box(c_mid, proxy_y, "way:docker-proxy", "docker-proxy (a program)", proxy_lines,
        TAKEN if proxy_taken else NOT_TAKEN, dashed=not proxy_taken, h=0.95)
    box(c_mid, dnat_y, "way:dnat", "kernel DNAT (nat table)", dnat_lines,
        TAKEN if dnat_taken and delivered else STOPPED if dnat_taken else NOT_TAKEN, dashed=not dnat_taken, h=0.95)
    for name, y, taken in (("docker-proxy", proxy_y, proxy_taken), ("dnat", dnat_y, dnat_taken)):
        offset = 0.22 if name == "docker-proxy" else -0.22
        arrow((c_pub + half, row_y + offset), (c_mid - half, y), f"published->{name}",
              TAKEN if taken and reached_host else NOT_TAKEN)
        arrow((c_mid + half, y), (c_bridge - half, row_y + offset), f"{name}->bridge",
              TAKEN if taken and delivered else NOT_TAKEN)
    if way == "none" and reached_host:
        stop(c_pub + half + 0.14, row_y)

    if path.server_bridge:
        bridge_head, bridge_lines = f"bridge {path.server_bridge}", [f"the host's address {path.server_gateway}",
                                                                      f"(network {path.server_network})"]
    else:
        bridge_head, bridge_lines = "no bridge", [f"{path.server} is on no network"]
    box(c_bridge, row_y, "bridge", bridge_head, bridge_lines, TAKEN if delivered else NOT_TAKEN)

    server_lines = [f"listens on {path.server_ip}:{path.server_port}" if path.server_ip else "has no address"]
    if delivered:
        port = "the client's own port" if path.port_kept else "a port of docker-proxy's" if proxy_taken else "a new port"
        server_lines += [f"logs {_visitor(path)}", f"with {port}"]
    box(c_server, row_y, "server", f"{path.server}", server_lines, TAKEN if delivered else NOT_TAKEN)
    arrow((c_bridge + half, row_y), (c_server - half, row_y), "bridge->server", TAKEN if delivered else NOT_TAKEN)

    y = dnat_y - 0.8
    for line in why_lines:
        ax.text(0.3, y, line, ha="left", va="center", fontsize=8.5, color=STOPPED if way == "none" else INK, gid="why")
        y -= 0.2
    if steps:
        y -= 0.12
        ax.text(0.3, y, "The rules the first packet met (iptables-save on the host; later packets follow conntrack):",
                ha="left", va="center", fontsize=8, fontweight="bold", color=INK)
        y -= 0.2
        for n, step in enumerate(steps):
            rule = f"{step.table:<6} {step.rule}"
            rule = rule if len(rule) <= RULE_CHARS else rule[: RULE_CHARS - 3] + "..."
            ax.text(0.3, y, f"{rule}   => {step.outcome}", ha="left", va="center", fontsize=7, family="monospace",
                    color=INK, gid=f"step:{n}")
            y -= 0.17
        if len(path.steps) > MAX_STEPS:
            ax.text(0.3, y, f"... and {len(path.steps) - MAX_STEPS} more", ha="left", va="center", fontsize=7, color=GREY_INK)
    foot = f"Read from Docker {path.engine} ({path.where})." if path.engine else ""
    if "Desktop" in path.where:
        foot += " On Docker Desktop \"the host\" is Desktop's Linux VM, not your computer."
    ax.text(0.3, 0.16, foot, ha="left", va="center", fontsize=7.5, style="italic", color=GREY_INK, gid="footnote")
    plt.close(fig)
    return fig
