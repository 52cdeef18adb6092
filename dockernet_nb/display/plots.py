"""Pictures a learner would rather look at than read: round-trip times, interfaces side by side.

Every function returns a matplotlib Figure (closed, so a notebook shows it exactly once).
"""

from __future__ import annotations

import pandas as pd

from dockernet_nb.display.jupyter import pyplot

__all__ = ["plot_rtt", "plot_interfaces", "plot_reachability"]


def plot_rtt(*frames: pd.DataFrame, labels: list[str] | None = None, title: str = "Round-trip time per packet"):
    """Bars of ``time_ms`` per ``seq`` for one or more ping frames (from :func:`dnb.ping`).

    Example::

        >>> dnb.plot_rtt(dnb.ping(None, "redis", image="debian", net="mynet"))   # doctest: +SKIP
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / max(len(frames), 1)
    for i, frame in enumerate(frames):
        summary = frame.attrs.get("summary", {})
        name = (labels[i] if labels and i < len(labels) else None) or summary.get("destination") or f"ping {i + 1}"
        seqs = frame["seq"].astype(float) + (i - (len(frames) - 1) / 2) * width
        ax.bar(seqs, frame["time_ms"].astype(float), width=width, label=f"{name} ({len(frame)} replies)")
        if summary.get("rtt_avg") is not None:
            ax.axhline(summary["rtt_avg"], linestyle="--", linewidth=1, color=f"C{i}")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("packet (icmp_seq)")
    ax.set_ylabel("round-trip time (ms)")
    ax.set_title(title)
    if any(len(f) for f in frames):
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "no replies", ha="center", va="center", transform=ax.transAxes, fontsize=14)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_interfaces(frames: dict[str, pd.DataFrame], title: str = "Interfaces side by side"):
    """One column per container (``{"bridge": frame, "none": frame}``), one box per interface.

    Example::

        >>> dnb.plot_interfaces({"bridge": dnb.inspect_interfaces(image="busybox"),
        ...                      "none": dnb.inspect_interfaces(image="busybox", net="none")})  # doctest: +SKIP
    """
    plt = pyplot()
    columns = max(len(frames), 1)
    rows = max((len(f) for f in frames.values()), default=1) or 1
    fig, ax = plt.subplots(figsize=(3.6 * columns, 1.3 * rows + 1.0))
    ax.set_xlim(0, columns)
    ax.set_ylim(-rows - 0.2, 0.6)
    ax.axis("off")
    for col, (label, frame) in enumerate(frames.items()):
        ax.text(col + 0.5, 0.3, label, ha="center", va="center", fontsize=12, fontweight="bold")
        if frame.empty:
            ax.text(col + 0.5, -0.5, "(no interfaces)", ha="center", va="center", color="grey")
        for row, iface in enumerate(frame.itertuples()):
            y = -row - 0.95
            up = bool(iface.up) if not pd.isna(iface.up) else False
            colour = "#c8e6c9" if up else "#eeeeee"
            ax.add_patch(
                plt.Rectangle((col + 0.06, y), 0.88, 0.8, facecolor=colour, edgecolor="#555555", linewidth=1)
            )
            address = "no IPv4" if pd.isna(iface.ipv4) else f"{iface.ipv4}/{iface.prefixlen}"
            mac = "" if pd.isna(iface.mac) else f"\n{iface.mac}"
            ax.text(
                col + 0.5,
                y + 0.4,
                f"{iface.name}  ({'UP' if up else 'down'}, mtu {iface.mtu})\n{address}{mac}",
                ha="center",
                va="center",
                fontsize=9,
                family="monospace",
            )
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_reachability(frame: pd.DataFrame, *, title: str = "Who reaches whom"):
    """A green/red grid of a :func:`reachability` frame: sources down, targets across.

    Example::

        >>> dnb.plot_reachability(dnb.reachability(["alice"], ["172.24.2.3"]))   # doctest: +SKIP
    """
    from matplotlib.colors import ListedColormap

    plt = pyplot()

    targets = [c for c in frame.columns if c != "from"]
    values = frame[targets].astype(float).to_numpy() if targets else [[]]
    fig, ax = plt.subplots(figsize=(1.6 * max(len(targets), 1) + 1.5, 0.7 * max(len(frame), 1) + 1.2))
    ax.imshow(values, cmap=ListedColormap(["#ef9a9a", "#a5d6a7"]), vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(targets)), targets)
    ax.set_yticks(range(len(frame)), frame["from"])
    for i, row in enumerate(frame[targets].itertuples(index=False)):
        for j, ok in enumerate(row):
            ax.text(j, i, "reaches" if ok else "no", ha="center", va="center", fontsize=9)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig
