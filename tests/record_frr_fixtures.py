"""Record tests/fixtures/frr/*.txt from live FRR routers, then their expected .json with the parsers.

Needs the engine and the course's ``frr`` image; runs lesson 06's topology through the package's own
verbs (which label and clean up what they create) and removes it when done::

    .venv/bin/python -m tests.record_frr_fixtures

Then read ``git diff tests/fixtures/frr`` and check each changed value against its ``.txt`` by eye.
Cases marked "cut" are a real recording cut short on purpose, written here too.
``tests/record_fixtures.sh --json-only`` rewrites only the ``.json`` files.
"""

from __future__ import annotations

import time

from dockernet_nb.parsers import frr_ospf_neighbors
from tests.parser_fixtures import FIXTURES as ALL_FIXTURES
from tests.parser_fixtures import write_expected_json

FIXTURES = ALL_FIXTURES / "frr"


def record() -> None:
    import dockernet_nb as dnb
    from dockernet_nb.verbs import ospf as routing
    from dockernet_nb.verbs import routes

    caps = ["NET_ADMIN", "SYS_ADMIN"]
    forward = {"net.ipv4.ip_forward": "1"}
    FIXTURES.mkdir(parents=True, exist_ok=True)

    def vtysh(router: str, command: str) -> str:
        return dnb.exec(router, ["vtysh", "-c", command]).output

    def save(name: str, text: str) -> None:
        (FIXTURES / f"{name}.txt").write_text(text, encoding="utf-8", newline="")
        print(f"recorded {name}.txt")

    def router(name: str, nets: list[str], **options) -> None:
        dnb.run("frr", name=name, net=nets[0], cap_add=caps, sysctls=forward, detach=True, **options)
        routing.wait_for_frr(name)
        for net in nets[1:]:
            dnb.connect(name, net)
        routes.drop_default_route(name)

    dnb.start_lesson("fixtures")
    try:
        # A triangle of point-to-point links, a LAN behind each router: lesson 06's topology.
        for net in ("n12", "n23", "n13", "lan1", "lan2", "lan3"):
            dnb.create_net(net)
        links = {"r1": ["n12", "n13", "lan1"], "r2": ["n12", "n23", "lan2"], "r3": ["n13", "n23", "lan3"]}
        for name, nets in links.items():
            router(name, nets)
        save("show-ip-ospf-neighbor-json--no-ospf", vtysh("r1", "show ip ospf neighbor json"))
        dnb.run("frr", name="r0", net="lan1", cap_add=caps, sysctls=forward, detach=True)
        routing.wait_for_frr("r0")
        save("show-ip-route-json--no-ospf", vtysh("r0", "show ip route json"))
        save("show-ip-ospf-neighbor-json--unknown-command", vtysh("r0", "show ip ospf neighbour json"))
        dnb.rm("r0")
        for number, (name, nets) in enumerate(links.items(), 1):
            routing.configure_ospf(name, nets, router_id=f"0.0.0.{number}", point_to_point=nets[:2])
        routing.wait_for_ospf(list(links))
        time.sleep(1)
        save("show-ip-ospf-neighbor-json--triangle", vtysh("r1", "show ip ospf neighbor json"))
        table = vtysh("r1", "show ip route json")
        save("show-ip-route-json--triangle", table)
        save("show-ip-route-json--cut", table[: len(table) // 2])
        dnb.disconnect("r1", "n12")
        routing.wait_for_ospf(list(links))
        save("show-ip-ospf-neighbor-json--after-break", vtysh("r1", "show ip ospf neighbor json"))
        save("show-ip-route-json--after-break", vtysh("r1", "show ip route json"))

        # Three routers on one broadcast network: r4 (priority 1) becomes DR; r5 and r6 (priority 0)
        # are DROthers, Full with the DR and stuck at 2-Way with each other, as OSPF intends.
        dnb.create_net("shared")
        for number, priority in ((4, 1), (5, 0), (6, 0)):
            name = f"r{number}"
            router(name, ["shared"])
            routing.configure_ospf(name, ["shared"], router_id=f"0.0.0.{number}")
            dnb.exec(
                name,
                ["vtysh", "-c", "configure terminal", "-c", f"interface {_iface(name)}", "-c", f"ip ospf priority {priority}"],
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = frr_ospf_neighbors.parse(vtysh("r5", "show ip ospf neighbor json"))
            if sorted(states["state"]) == ["2-Way", "Full"] and "DR" in set(states["role"].dropna()):
                break
            time.sleep(0.5)
        save("show-ip-ospf-neighbor-json--broadcast-drother", vtysh("r5", "show ip ospf neighbor json"))
        save("show-ip-ospf-neighbor-json--broadcast-dr", vtysh("r4", "show ip ospf neighbor json"))

        # FRR started without SYS_ADMIN: its daemons refuse to run, and vtysh says so.
        dnb.run("frr", name="nocap", net="lan1", cap_add=["NET_ADMIN"], detach=True)
        time.sleep(3)
        save("show-ip-route-json--zebra-not-running", vtysh("nocap", "show ip route json"))
        save("show-ip-ospf-neighbor-json--ospfd-not-running", vtysh("nocap", "show ip ospf neighbor json"))
    finally:
        dnb.cleanup()
    write_expected_json(sorted(FIXTURES.glob("*.txt")))


def _iface(router: str) -> str:
    import dockernet_nb as dnb

    return dnb.exec(router, ["sh", "-c", "ls /sys/class/net | grep -v lo | head -1"]).stdout.strip()


if __name__ == "__main__":
    record()
