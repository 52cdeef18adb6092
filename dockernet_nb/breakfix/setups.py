"""The working set-ups the break-fix labs break, and the tries that tell whether they work.

Two small worlds, built from course verbs (so every object is labelled and cleaned up by the course):

- **the shop**: networks ``front`` and ``back``; ``web`` (an uptime server on port 8000, on both, published
  on the engine host's loopback as :data:`SHOP_PORT`), ``db`` (redis on ``back``), ``client`` on
  ``front``, and ``visitor`` on a network of its own (``street``) standing for another machine that
  reaches the shop through the host's address on ``street``;
- **the lab**: ``lan1`` and ``lan2`` joined by ``router``; ``alice`` on lan1, ``bob`` (an uptime server)
  on lan2; each host routes the other LAN through the router and has no default route.

A *try* is what a user would do to see whether things work ("open the site from the client"); each
returns (ok, what happened). A fault's check runs every try of its set-up, so a fix that breaks
something else (deleting a network, a firewall) is not a fix.
"""

from __future__ import annotations

from collections.abc import Callable

from dockernet_nb.errors import DockernetError
from dockernet_nb.verbs import containers, lookups, networks, routes, run, tcp
from dockernet_nb.verbs.common import addresses_of

__all__ = ["SHOP_PORT", "shop_ports", "build_shop", "build_lab", "rewire_lab", "lab_addresses", "SHOP_TRIES", "LAB_TRIES", "Try"]

SHOP_PORT = 18080
UNPROTECTED = {"com.docker.network.bridge.gateway_mode_ipv4": "nat-unprotected"}
Try = Callable[[], tuple[bool, str]]


def shop_ports(street_gateway: str) -> list[str]:
    """Where the shop publishes: this machine's loopback, and the host's address that other machines (visitor) use."""
    return [f"{SHOP_PORT}:8000", f"{street_gateway}:{SHOP_PORT}:8000"]


def build_shop() -> None:
    """The shop, working."""
    networks.create_net("front")
    networks.create_net("back")
    street = networks.create_net("street")
    run.run("redis", name="db", net="back", detach=True)
    run.run("uptime", name="web", net="front", ports=shop_ports(str(street.gateway)), detach=True)
    containers.connect("web", "back")
    run.run("debian", "sleep infinity", name="client", net="front", detach=True)
    run.run("debian", "sleep infinity", name="visitor", net="street", detach=True)
    routes.wait_for_path("client", "web:8000")


LAN_MEMBERS = {"lan1": ("router", "alice"), "lan2": ("router", "bob")}


def build_lab() -> dict[str, str]:
    """The lab, working; returns the addresses that matter (alice, bob, the router on each LAN)."""
    networks.create_net("lan1", options=UNPROTECTED)
    networks.create_net("lan2", options=UNPROTECTED)
    forward = {"net.ipv4.ip_forward": "1"}
    run.run("debian", "sleep infinity", name="router", net="lan1", cap_add=["NET_ADMIN"], sysctls=forward, detach=True)
    containers.connect("router", "lan2")
    run.run("debian", "sleep infinity", name="alice", net="lan1", cap_add=["NET_ADMIN"], detach=True)
    run.run("uptime", name="bob", net="lan2", cap_add=["NET_ADMIN"], detach=True)
    for name in ("router", "alice", "bob"):
        routes.drop_default_route(name)
    _route_through_router()
    return lab_addresses()


def lab_addresses() -> dict[str, str]:
    router = addresses_of("router")
    found = {"alice": addresses_of("alice")["lan1"], "bob": addresses_of("bob")["lan2"],
             "router_lan1": router["lan1"], "router_lan2": router["lan2"],
             "lan1": lookups.subnet_of("lan1"), "lan2": lookups.subnet_of("lan2")}
    return found


def _route_through_router() -> None:
    for host, far, net in (("alice", "lan2", "lan1"), ("bob", "lan1", "lan2")):
        containers.exec(host, ["ip", "route", "replace", lookups.subnet_of(far), "via", lookups.address_of("router", net)])
    routes.wait_for_path("alice", addresses_of("bob")["lan2"], timeout=20)


def rewire_lab(*, options: dict[str, str]) -> dict[str, str]:
    """Make the LANs again with these driver options, plug everyone back in and restore the routes."""
    for net, members in LAN_MEMBERS.items():
        networks.remove_net(net)  # it unplugs its members first
        networks.create_net(net, options=options)
        for member in members:
            containers.connect(member, net)
    for name in ("router", "alice", "bob"):
        routes.drop_default_route(name)
    if options:  # with Engine 28's protection in place the path cannot come up: do not wait for it
        _route_through_router()
    else:
        for host, far, net in (("alice", "lan2", "lan1"), ("bob", "lan1", "lan2")):
            containers.exec(host, ["ip", "route", "replace", lookups.subnet_of(far), "via", lookups.address_of("router", net)])
    return lab_addresses()


def _attempt(source: str, argv: list[str], expect: str = "") -> tuple[bool, str]:
    try:
        result = containers.exec(source, argv, timeout=20)
    except DockernetError as e:
        return False, str(e).splitlines()[-1]
    said = result.output.strip().splitlines()
    ok = result.ok and (expect in result.output)
    return ok, (said[-1] if said else f"exit code {result.exit_code}")[:160]


def client_opens_site() -> tuple[bool, str]:
    return _attempt("client", ["sh", "-c", "nc -w 3 web 8000 </dev/null"], "load average")


def web_reaches_db() -> tuple[bool, str]:
    return _attempt("web", ["redis-cli", "-h", "db", "ping"], "PONG")


def host_opens_site() -> tuple[bool, str]:
    try:
        reply = tcp.tcp_request(SHOP_PORT, timeout=3)
    except DockernetError as e:
        return False, str(e).splitlines()[0][:160]
    return "load average" in reply, reply.strip()[:80]


def visitor_opens_site() -> tuple[bool, str]:
    gateway = lookups.gateway_of("street")
    return _attempt("visitor", ["sh", "-c", f"nc -w 3 {gateway} {SHOP_PORT} </dev/null"], "load average")


def _bob() -> str:
    return addresses_of("bob")["lan2"]


def alice_pings_bob() -> tuple[bool, str]:
    return _attempt("alice", ["ping", "-c", "2", "-W", "2", _bob()], " 0% packet loss")


def alice_opens_bobs_site() -> tuple[bool, str]:
    return _attempt("alice", ["sh", "-c", f"nc -w 3 {_bob()} 8000 </dev/null"], "load average")


def alice_sends_big_packets() -> tuple[bool, str]:
    return _attempt("alice", ["ping", "-c", "2", "-W", "2", "-s", "1400", _bob()], " 0% packet loss")


SHOP_TRIES: dict[str, Try] = {
    "the client opens http://web:8000": client_opens_site,
    "web asks db (redis-cli -h db ping)": web_reaches_db,
    f"this machine opens localhost:{SHOP_PORT}": host_opens_site,
    f"another machine (visitor) opens the shop at the host's address, port {SHOP_PORT}": visitor_opens_site,
}
LAB_TRIES: dict[str, Try] = {
    "alice pings bob": alice_pings_bob,
    "alice opens bob's site (port 8000)": alice_opens_bobs_site,
    "alice sends bob large packets (ping -s 1400)": alice_sends_big_packets,
}
