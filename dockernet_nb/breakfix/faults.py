"""The catalogue of faults: each breaks a working set-up the way Docker users really break things.

A :class:`Fault` says which set-up it breaks, what the user would report (``symptom``: only what they
see, never the cause), hints that escalate one at a time, an explanation of the cause and the usual
fixes, and how to apply it with course verbs (so it touches only course objects). ``fixes`` are code a
learner could type, as strings: the first is the reference fix, the others other fixes that really work;
the tests run each of them and the fault's check must pass afterwards. ``offered`` says on which
engines the fault is true (one is only a fault on Engine 28 and newer).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from dockernet_nb.breakfix import setups
from dockernet_nb.engine.kind import EngineKind
from dockernet_nb.verbs import containers, networks, run
from dockernet_nb.verbs.lookups import gateway_of

__all__ = ["Fault", "CATALOGUE", "by_id", "offered_here", "for_seed"]


@dataclasses.dataclass(frozen=True)
class Fault:
    id: str
    setup: str  # "shop" or "lab"
    symptom: str
    hints: tuple[str, ...]
    explanation: str
    apply: Callable[[dict[str, str]], None]
    fixes: tuple[str, ...]
    offered: Callable[[EngineKind], bool] = lambda kind: True


def _on_default_bridge(_: dict[str, str]) -> None:
    for name, net in (("web", "back"), ("db", "back")):
        containers.disconnect(name, net)
        containers.connect(name, "bridge")


def _client_on_guest(_: dict[str, str]) -> None:
    networks.create_net("guest")
    containers.connect("client", "guest")
    containers.disconnect("client", "front")


def _server_on_loopback(_: dict[str, str]) -> None:
    street = gateway_of("street")
    server = "socat TCP-LISTEN:8000,bind=127.0.0.1,reuseaddr,fork SYSTEM:uptime"
    run.run("uptime", ["sh", "-c", server], name="web", net="front", ports=setups.shop_ports(street), detach=True)
    containers.connect("web", "back")


def _wrong_host_port(_: dict[str, str]) -> None:
    street = gateway_of("street")
    ports = [p.replace(str(setups.SHOP_PORT), str(setups.SHOP_PORT + 1)) for p in setups.shop_ports(street)]
    run.run("uptime", name="web", net="front", ports=ports, detach=True)
    containers.connect("web", "back")


def _loopback_only(_: dict[str, str]) -> None:
    run.run("uptime", name="web", net="front", ports=f"{setups.SHOP_PORT}:8000", detach=True)
    containers.connect("web", "back")


def _alias_missing(_: dict[str, str]) -> None:
    # The shop's web now asks for "database": the name db had in the old compose file.
    containers.disconnect("db", "back")
    containers.connect("db", "back", aliases=["db-old"])


def _icc_off(_: dict[str, str]) -> None:
    for name in ("web", "db"):
        containers.disconnect(name, "back")
    networks.create_net("back", options={"com.docker.network.bridge.enable_icc": "false"})
    for name in ("web", "db"):
        containers.connect(name, "back")


def _no_return_route(found: dict[str, str]) -> None:
    containers.exec("bob", ["ip", "route", "del", found["lan1"]])


def _router_filters_web(found: dict[str, str]) -> None:
    rule = f"-I FORWARD -p tcp -d {found['bob']} --dport 8000 -j REJECT --reject-with tcp-reset"
    containers.exec("router", ["iptables", *rule.split()])


def _small_mtu(_: dict[str, str]) -> None:
    containers.exec("bob", ["ip", "link", "set", "dev", "eth0", "mtu", "1000"])


def _overlapping_route(found: dict[str, str]) -> None:
    # A route left by an old VPN: a /16 that covers lan2, through an address no router owns.
    wide = found["lan2"].rsplit(".", 2)[0] + ".0.0/16"
    containers.exec("alice", ["ip", "route", "del", found["lan2"]])
    containers.exec("alice", ["ip", "route", "add", wide, "via", found["router_lan1"].rsplit(".", 1)[0] + ".254", "onlink"])


def _protected_networks(_: dict[str, str]) -> None:
    # The lab's LANs made again the way a plain `docker network create` makes them: with Engine 28's protection.
    setups.rewire_lab(options={})


CATALOGUE: tuple[Fault, ...] = (
    Fault(
        "default-bridge-names", "shop",
        "The web app says it cannot find its database: `redis-cli -h db` in web answers \"Could not connect\".",
        ("Which network are web and db on now? dnb.containers() shows it.",
         "What resolves container names on that network, and what does resolv.conf in web say?",
         "Names between containers work on user-defined networks only."),
        "web and db had been moved to Docker's default bridge, which has no embedded DNS: names of other "
        "containers mean nothing there. Put both on a user-defined network again.",
        _on_default_bridge,
        ('dnb.connect("web", "back"); dnb.connect("db", "back")',
         'dnb.create_net("data"); dnb.connect("web", "data", aliases=["web"]); dnb.connect("db", "data", aliases=["db"])'),
    ),
    Fault(
        "client-on-the-wrong-network", "shop",
        "The client cannot open http://web:8000 any more: \"nc: getaddrinfo for host web: Name or service not known\".",
        ("Which networks is the client on, and which is web on?",
         "Two containers reach each other (and each other's names) only on a network they share.",
         "dnb.connect adds a network to a running container."),
        "The client had been moved to a network of its own, 'guest', which web is not on. Connect the client to "
        "web's network, or web to the client's.",
        _client_on_guest,
        ('dnb.connect("client", "front")', 'dnb.connect("web", "guest")'),
    ),
    Fault(
        "server-listens-on-loopback", "shop",
        "Nobody can open the site: the client gets \"Connection refused\", and localhost:18080 closes at once.",
        ("Is the server inside web running? Try it from inside web itself.",
         "What address does it listen on? `ss -ltn` in web shows it.",
         "A server listening on 127.0.0.1 inside a container answers only its own container."),
        "web's server listened on 127.0.0.1 inside its container, which only the container itself can reach; "
        "Docker forwards published ports and container traffic to the container's eth0 address. Start it "
        "listening on every address (0.0.0.0), as the uptime image does by default.",
        _server_on_loopback,
        ('web = dnb.run("uptime", name="web", net="front", ports=["18080:8000", dnb.gateway_of("street") + ":18080:8000"], detach=True); dnb.connect("web", "back")',),
    ),
    Fault(
        "published-on-the-wrong-port", "shop",
        "localhost:18080 refuses the connection, though the client inside the shop opens http://web:8000 fine.",
        ("What do dnb.containers() and the ports column say about web?", "HOST:CONTAINER: which side is which?"),
        "web was published on host port 18081 instead of 18080. A published port cannot be changed on a "
        "running container: start it again with ports='18080:8000'.",
        _wrong_host_port,
        ('web = dnb.run("uptime", name="web", net="front", ports=["18080:8000", dnb.gateway_of("street") + ":18080:8000"], detach=True); dnb.connect("web", "back")',),
    ),
    Fault(
        "published-only-on-loopback", "shop",
        "On this machine localhost:18080 works, but another machine (visitor) cannot open the shop at our address.",
        ("Which host addresses is port 18080 published on? dnb.containers() shows the ports.",
         "127.0.0.1 is reachable from this machine only.",
         "Publish on the address the visitor uses as well: the host's address on the street network."),
        "The port was published on 127.0.0.1 only, the loopback address nobody else can reach. Publish it also "
        "on the host address the other machine uses (here: the street network's gateway), or on 0.0.0.0 (every "
        "address: think twice on a laptop in a café).",
        _loopback_only,
        ('web = dnb.run("uptime", name="web", net="front", ports=["18080:8000", dnb.gateway_of("street") + ":18080:8000"], detach=True); dnb.connect("web", "back")',),
    ),
    Fault(
        "network-alias-missing", "shop",
        "The web app cannot reach its database since db was reconnected: `redis-cli -h db` says \"Could not connect\".",
        ("Does db answer by its address? By which names?", "A container's names on a network are its aliases there.",
         "dnb.connect(..., aliases=[...]) sets them."),
        "db was reconnected to back with another alias, so the name web uses no longer resolves there. "
        "Reconnect it with the alias web expects (or start it again with that name).",
        _alias_missing,
        ('dnb.disconnect("db", "back"); dnb.connect("db", "back")', 'dnb.disconnect("db", "back"); dnb.connect("db", "back", aliases=["db"])'),
    ),
    Fault(
        "inter-container-traffic-off", "shop",
        "web cannot reach db although both are on back and db's name resolves: the connection just hangs.",
        ("The name resolves: so DNS is fine. What else can stop two containers on one network?",
         "Look at the network's options: dnb.networks(all=True) and `docker network inspect`.",
         "com.docker.network.bridge.enable_icc"),
        "back had been made again with com.docker.network.bridge.enable_icc=false: Docker then drops traffic "
        "between containers of that network. Recreate it without the option, or give web and db another network.",
        _icc_off,
        ('dnb.remove_net("back"); dnb.create_net("back"); dnb.connect("web", "back"); dnb.connect("db", "back")',
         'dnb.create_net("data"); [dnb.disconnect(n, "back") for n in ("web", "db")]; [dnb.connect(n, "data") for n in ("web", "db")]'),
    ),
    Fault(
        "missing-return-route", "lab",
        "alice's pings to bob get no answer, and bob's site times out for her; bob says he never sees her reply.",
        ("Does the router see alice's packets? Does bob see them?", "How does bob's answer find its way back to lan1?",
         "dnb.inspect_routes('bob')"),
        "bob had no route back to lan1: his replies went nowhere. Add the route through the router, or let the "
        "router masquerade lan1 behind its own lan2 address.",
        _no_return_route,
        ('dnb.exec("bob", ["ip", "route", "add", dnb.subnet_of("lan1"), "via", dnb.address_of("router", "lan2")])',
         'dnb.add_rule("router", "-A POSTROUTING -s " + dnb.subnet_of("lan1") + " -j MASQUERADE", table="nat")'),
    ),
    Fault(
        "router-filters-the-site", "lab",
        "alice can ping bob, but bob's site (port 8000) refuses her at once.",
        ("Ping works, so the routes do. What is different for port 8000?", "Who forwards alice's packets, and what rules does it have?",
         "dnb.iptables_rules('router', chain='FORWARD')"),
        "The router had a FORWARD rule rejecting TCP to bob's port 8000. Delete it (iptables -D with the same rule).",
        _router_filters_web,
        ('dnb.exec("router", "iptables -F FORWARD")',
         'dnb.exec("router", ["iptables", "-D", "FORWARD", "1"])'),
    ),
    Fault(
        "mtu-too-small-on-one-hop", "lab",
        "Small requests to bob work, but big transfers stall: `ping -s 1400 bob` gets nothing back, `ping -s 500` does.",
        ("Only big packets fail: what limits the size of a packet on a link?", "dnb.inspect_interfaces('bob') and the mtu column.",
         "Both ends of a link must agree on the MTU."),
        "bob's eth0 had an MTU of 1000 while the rest of lan2 uses 1500: frames bigger than bob's MTU are dropped. "
        "Set bob's MTU back to 1500, or let the sender fragment smaller (a smaller MTU on alice).",
        _small_mtu,
        ('dnb.exec("bob", "ip link set dev eth0 mtu 1500")', 'dnb.exec("alice", "ip link set dev eth0 mtu 1000")'),
    ),
    Fault(
        "overlapping-route", "lab",
        "alice cannot reach bob at all: \"Destination Host Unreachable\", from alice herself.",
        ("Which route does alice use for bob's address? dnb.inspect_routes('alice').",
         "The most specific route wins; is there one for lan2?", "Where does the /16 route point?"),
        "alice's route to lan2 had been replaced by a wider /16 (left by an old VPN) through an address nobody "
        "owns. Add back the /24 to lan2 through the router (the more specific route wins) or delete the /16.",
        _overlapping_route,
        ('dnb.exec("alice", ["ip", "route", "add", dnb.subnet_of("lan2"), "via", dnb.address_of("router", "lan1")])',
         'dnb.exec("alice", ["ip", "route", "del", dnb.subnet_of("lan2").rsplit(".", 2)[0] + ".0.0/16"]); dnb.exec("alice", ["ip", "route", "add", dnb.subnet_of("lan2"), "via", dnb.address_of("router", "lan1")])'),
    ),
    Fault(
        "engine28-protection", "lab",
        "alice cannot reach bob through the router any more, though the router itself reaches both of them.",
        ("The router reaches bob, alice reaches the router: which hop fails?", "On Engine 28, what does the host's raw table do?",
         "dnb.engine_note('routed-protection')"),
        "The LANs had been made again without com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected: Engine 28 "
        "then drops packets for bob's unpublished address that arrive from another bridge. Recreate the networks "
        "with the option (or publish bob's port and use the host's address).",
        _protected_networks,
        ('from dockernet_nb.breakfix import setups; setups.rewire_lab(options={"com.docker.network.bridge.gateway_mode_ipv4": "nat-unprotected"})',),
        offered=lambda kind: kind.at_least(28),
    ),
)


def by_id(fault_id: str) -> Fault:
    for fault in CATALOGUE:
        if fault.id == fault_id:
            return fault
    raise KeyError(fault_id)


def offered_here(kind: EngineKind) -> tuple[Fault, ...]:
    return tuple(f for f in CATALOGUE if f.offered(kind))


def for_seed(seed: int, kind: EngineKind) -> Fault:
    """The fault a seed picks: the same one on every engine where it is true (else the next that is)."""
    for step in range(len(CATALOGUE)):
        fault = CATALOGUE[(seed + step) % len(CATALOGUE)]
        if fault.offered(kind):
            return fault
    raise LookupError("no fault is true on this engine")
