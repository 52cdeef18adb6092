"""Drawing captured packets as a sequence ("ladder") diagram: hosts side by side, time running down.

:func:`draw_ladder` turns a capture frame (from :func:`dockernet_nb.verbs.capture.stop_capture`: the
columns of :mod:`dockernet_nb.parsers.pcap` plus ``from`` and ``to``, the hosts' names) into a
matplotlib Figure and touches nothing else, so it is tested without an engine. Each host is a column
with a line down from its name; each packet an arrow from its sender's line to its receiver's, in
time order, labelled with what it says (``SYN``, ``ping request seq 1, TTL 64``, ``DNS A? web``). A
broadcast (an ARP request) is a dashed arrow to the host that owns the address asked about.

Every drawn element carries a ``gid``: "ladder-host:alice" for a column's heading, "ladder-packet:3"
for the label of the frame's fourth drawn row, "ladder-time:3" for its time.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["draw_ladder", "ladder_alt", "packet_label", "ladder_hosts"]

MARGIN = 0.3
TIME_W = 0.95  # the time of each packet, left of the first column
HEAD_H = 0.95  # the title and the hosts' names
ROW_H = 0.34
MIN_COLUMN = 1.9
CHAR_W = 0.6 / 72

COLOURS = {"ARP": "#8d6e63", "ICMP": "#2e7d32", "ICMPv6": "#2e7d32", "DNS": "#6a1b9a", "TCP": "#1565c0", "UDP": "#00838f"}
RESET_COLOUR = "#c62828"
OTHER_COLOUR = "#546e7a"
_TCP_NAMES = {
    "S": "SYN",
    "SA": "SYN-ACK",
    "A": "ACK",
    "FA": "FIN-ACK",
    "PA": "PSH-ACK",
    "R": "RST",
    "RA": "RST-ACK",
    "F": "FIN",
    "FPA": "FIN-PSH-ACK",
}


def _value(row: pd.Series, column: str) -> object:
    value = row.get(column)
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


MAX_LABEL = 46


def packet_label(row: pd.Series) -> str:
    """A short line saying what one captured packet is (pure; ``row`` is a row of a capture frame)."""
    text = _label(row)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


# What a label takes from the packet's summary (tcpdump's wording, see dockernet_nb.parsers.pcap).
_ARP_ASKED = re.compile(r"Request who-has (\S+) tell ([^,\s]+)")
_ARP_REPLIED = re.compile(r"Reply (\S+) is-at (\S+),")
_ICMP_WHAT = re.compile(r": ICMP6?,? (?P<what>.*?)(?:, length \d+)?$")
_LENGTH = re.compile(r"length (\d+)$")


def _label(row: pd.Series) -> str:
    protocol = str(_value(row, "protocol") or "?")
    summary = str(_value(row, "summary") or "")
    if protocol == "ARP":
        asked = _ARP_ASKED.match(summary)
        replied = _ARP_REPLIED.match(summary)
        if asked and asked.group(1) == asked.group(2):
            return f"ARP: {asked.group(1)} announces itself (gratuitous)"
        if asked:
            return f"ARP: who has {asked.group(1)}? (broadcast)"
        if replied:
            return f"ARP: {replied.group(1)} is at {replied.group(2)}"
        return "ARP"
    if protocol in ("ICMP", "ICMPv6"):
        ttl = _value(row, "ttl")
        seq = _value(row, "icmp_seq")
        icmp_type = _value(row, "icmp_type")
        kind = {8: "ping request", 0: "ping reply", 128: "ping request", 129: "ping reply"}.get(
            -1 if icmp_type is None else int(str(icmp_type))
        )
        if kind:
            return f"{kind} seq {seq}, TTL {ttl}"
        found = _ICMP_WHAT.search(summary)
        return f"{protocol}: {found.group('what') if found else summary}"
    if protocol == "DNS":
        qtype, qname = _value(row, "dns_qtype") or "?", _value(row, "dns_qname") or ""
        answers = _value(row, "dns_answers")
        if answers is None:
            return f"DNS query: {qtype} {qname}?"
        return f"DNS answer: {qname} {qtype} {answers}" if answers else f"DNS answer: no {qtype} record"
    if protocol == "TCP":
        flags = str(_value(row, "tcp_flags") or "")
        name = _TCP_NAMES.get(flags, flags or "TCP")
        size = _LENGTH.search(summary)
        data = f", {size.group(1)} bytes" if size and size.group(1) != "0" else ""
        return f"{name} :{_value(row, 'src_port')} → :{_value(row, 'dst_port')}{data}"
    if protocol == "UDP":
        return f"UDP :{_value(row, 'src_port')} → :{_value(row, 'dst_port')}"
    return protocol


def _colour(row: pd.Series) -> str:
    if str(_value(row, "tcp_flags") or "").startswith("R"):
        return RESET_COLOUR
    return COLOURS.get(str(_value(row, "protocol")), OTHER_COLOUR)


def ladder_hosts(frame: pd.DataFrame) -> list[str]:
    """The hosts of a capture frame, in the order they first send or receive."""
    hosts: list[str] = []
    for sender, receiver in zip(frame["from"], frame["to"], strict=True):
        for host in (sender, receiver):
            name = "?" if host is None or host is pd.NA else str(host)
            if name not in hosts:
                hosts.append(name)
    return hosts


def _shown(frame: pd.DataFrame, max_packets: int) -> pd.DataFrame:
    missing = {"from", "to", "time", "protocol"} - set(frame.columns)
    if missing:
        raise ValueError(f"a ladder needs the columns of a capture frame; {sorted(missing)} are missing")
    return frame.head(max(int(max_packets), 1))


def ladder_alt(frame: pd.DataFrame, *, max_packets: int = 40) -> str:
    """One line saying what the ladder of ``frame`` shows (an image's alternative text)."""
    shown = _shown(frame, max_packets)
    hosts = ladder_hosts(shown)
    protocols = sorted({str(p) for p in shown["protocol"].dropna()})
    count = f"{len(shown)} packets" if len(shown) == len(frame) else f"the first {len(shown)} of {len(frame)} packets"
    between = ", ".join(hosts[:-1]) + f" and {hosts[-1]}" if len(hosts) > 1 else (hosts[0] if hosts else "no hosts")
    return f"Ladder diagram: {count} between {between} ({', '.join(protocols)})"


def draw_ladder(frame: pd.DataFrame, *, title: str | None = None, max_packets: int = 40):
    """The Figure of a capture frame's packets (see the module docstring); needs no engine."""
    from dockernet_nb.display.jupyter import inch_canvas, pyplot

    plt = pyplot()
    from matplotlib.patches import FancyBboxPatch

    shown = _shown(frame, max_packets).reset_index(drop=True)
    hosts = ladder_hosts(shown)
    labels = [packet_label(row) for _, row in shown.iterrows()]
    widest = max([len(text) * 8 * CHAR_W for text in labels] + [len(h) * 10 * CHAR_W for h in hosts], default=0)
    column = max(MIN_COLUMN, min(widest * 0.75 + 0.3, 3.2))
    width = max(2 * MARGIN + TIME_W + column * max(len(hosts), 1), 6.0)
    extra = 0.3 if len(shown) < len(frame) else 0
    height = MARGIN + HEAD_H + ROW_H * (len(shown) + 0.6) + extra + MARGIN
    x_of = {host: MARGIN + TIME_W + column * (i + 0.5) for i, host in enumerate(hosts)}

    fig, ax = inch_canvas(width, height)
    heading = title if title is not None else "Packets in time order"
    ax.text(MARGIN, height - MARGIN - 0.15, heading, ha="left", va="center", fontsize=12, fontweight="bold")
    ax.text(MARGIN, height - MARGIN - 0.62, "time", ha="left", va="center", fontsize=8, color="#616161")
    top = height - MARGIN - HEAD_H
    bottom = MARGIN + extra
    for host, x in x_of.items():
        box_w = min(column - 0.25, max(len(host) * 10 * CHAR_W + 0.3, 0.9))
        ax.add_patch(
            FancyBboxPatch(
                (x - box_w / 2, top + 0.12),
                box_w,
                0.36,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor="#eceff1",
                edgecolor="#455a64",
                linewidth=1.2,
                zorder=3,
            )
        )
        ax.text(x, top + 0.3, host, ha="center", va="center", fontsize=10, fontweight="bold", zorder=4, gid=f"ladder-host:{host}")
        ax.plot([x, x], [top + 0.12, bottom], color="#b0bec5", linewidth=1.2, linestyle="--", zorder=1)

    start = shown["time"].iloc[0] if len(shown) else 0.0
    for i, row in shown.iterrows():
        y = top - ROW_H * (i + 0.8)
        sender = "?" if row["from"] is pd.NA or row["from"] is None else str(row["from"])
        receiver = "?" if row["to"] is pd.NA or row["to"] is None else str(row["to"])
        colour = _colour(row)
        broadcast = str(_value(row, "arp_op") or "") == "request"
        ax.text(
            MARGIN,
            y,
            f"{(float(row['time']) - float(start)) * 1000:8.1f} ms",
            ha="left",
            va="center",
            fontsize=7.5,
            family="monospace",
            color="#616161",
            gid=f"ladder-time:{i}",
        )
        x0, x1 = x_of[sender], x_of[receiver]
        if x0 == x1:  # to itself: a small loop beside the line
            ax.annotate(
                "",
                xy=(x0 + 0.05, y - 0.08),
                xytext=(x0 + 0.05, y + 0.06),
                zorder=5,
                arrowprops={"arrowstyle": "-|>", "color": colour, "connectionstyle": "arc3,rad=-1.2", "linewidth": 1.3},
            )
            ax.text(x0 + 0.3, y, labels[i], ha="left", va="center", fontsize=8, color=colour, zorder=6, gid=f"ladder-packet:{i}")
            continue
        ax.annotate(
            "",
            xy=(x1, y - 0.06),
            xytext=(x0, y - 0.06),
            zorder=5,
            arrowprops={
                "arrowstyle": "-|>",
                "color": colour,
                "linewidth": 1.4,
                "linestyle": "--" if broadcast else "-",
                "shrinkA": 0,
                "shrinkB": 2,
                "mutation_scale": 12,
            },
        )
        ax.text(
            (x0 + x1) / 2,
            y + 0.07,
            labels[i],
            ha="center",
            va="center",
            fontsize=8,
            color=colour,
            zorder=6,
            gid=f"ladder-packet:{i}",
            bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )
    if extra:
        ax.text(
            MARGIN,
            MARGIN + 0.1,
            f"... and {len(frame) - len(shown)} more packets (pass max_packets= to draw more)",
            ha="left",
            va="center",
            fontsize=8,
            style="italic",
            color="#757575",
        )
    plt.close(fig)
    return fig
