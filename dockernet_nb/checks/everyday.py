"""Exercise checks of the everyday lessons: 08 Compose, 09 names, 10 network modes, 11 IPv6, 12 firewall.

As everywhere in :mod:`dockernet_nb.checks`, each check first judges what it can from the answer
itself, then asks the engine for the rest through the recorded :func:`~dockernet_nb.checks.exercise.ask`
(so replay mode judges the same way), and returns "Correct", or "Not yet" with a hint. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_publish_clash("yes")        # doctest: +SKIP
    Not yet: 'yes' is not True or False.
    Hint: ...
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Iterable
from typing import Any

import pandas as pd

from dockernet_nb.checks.exercise import ask, exercise, question, running_container
from dockernet_nb.checks.result import CheckResult, NotYet, failed, handle_name, no_answer, passed, true_or_false
from dockernet_nb.engine.objects import container_handle, find_container
from dockernet_nb.errors import DockernetError, NotFound
from dockernet_nb.verbs import compose, routes
from dockernet_nb.verbs import containers as container_verbs

__all__ = [
    "check_compose_names",
    "check_compose_cache",
    "check_names_with_dns",
    "check_billing_name",
    "check_publish_clash",
    "check_reader_shares",
    "check_dual_stack_fallback",
    "check_second_ipv6_network",
    "check_bob_blocked",
]


def _resolves(container: str, names: Iterable[str]) -> dict[str, str | None]:
    """{name: the first address the container's resolver gives for it, or None}."""
    script = "; ".join(f"echo {shlex.quote(n)}=$(getent hosts {shlex.quote(n)} | head -n 1 | cut -d' ' -f1)" for n in names)
    out = container_verbs.exec(container, ["sh", "-c", script]).stdout
    found = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    return {n: (found.get(n) or None) for n in names}


# --- 08 Compose ------------------------------------------------------------------------------------


@question("names_from")
def _names_from(container: str, names: list[str]) -> dict[str, Any] | None:
    if running_container(container) is None:
        return None
    return _resolves(container, names)


@exercise("compose-names")
def check_compose_names(answer: Any, *, container: str = "shop-web-1", names: tuple[str, ...] = ("api", "db", "database")) -> CheckResult:
    """08-compose: the set of ``names`` that ``container``'s resolver can look up."""
    hint = "A container looks names up only on networks it is on. Which networks is web on, and which services share them?"
    if answer is None:
        return no_answer(hint)
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return failed("answer should be a set of names, like {'api'}.", hint)
    given = {str(n).strip().lower() for n in answer}
    unknown = given - set(names)
    if unknown:
        return failed(f"{', '.join(sorted(unknown))} is not among the names asked about ({', '.join(names)}).", hint)
    seen = ask("names_from", container=container, names=list(names))
    if seen is None:
        return failed(f"{container} does not run now.", "Run the cells of section 2 again (dnb.compose_up('shop', shop_yaml)).")
    truth = {n for n, address in seen.items() if address}
    if given == truth:
        shown = " and ".join(sorted(truth)) or "none of them"
        return passed(f"from {container}, only {shown} can be looked up: Docker's DNS server answers names per network.")
    missing, extra = truth - given, given - truth
    parts = [f"{' and '.join(sorted(missing))} can be looked up from {container} too"] if missing else []
    parts += [f"{' and '.join(sorted(extra))} cannot be looked up from {container}"] if extra else []
    return failed("; ".join(parts) + ".", hint)


@question("compose_cache")
def _compose_cache(yaml: str, project: str) -> dict[str, Any]:
    try:
        compose.compose_up(project, yaml, wait=True, timeout=60)
    except DockernetError as e:
        return {"up": False, "error": str(e)[:300]}
    web, db = running_container(f"{project}-web-1"), running_container(f"{project}-db-1")
    if web is None or db is None:
        return {"up": True, "web": web is not None, "db": db is not None}
    reply = container_verbs.exec(web.name, ["sh", "-c", "printf 'PING\\r\\n' | nc -w 2 cache 6379"])
    return {
        "up": True,
        "web": True,
        "db": True,
        "db_networks": sorted(db.addresses),
        "cache": _resolves(web.name, ["cache"])["cache"],
        "db_addresses": sorted(db.addresses.values()),
        "reply": reply.stdout.strip()[:80],
    }


@exercise("compose-cache")
def check_compose_cache(answer: Any, *, project: str = "shop") -> CheckResult:
    """08-compose: ``answer`` is a Compose file in which web reaches db as ``cache:6379`` and db stays off front."""
    hint = (
        "A name resolves only on a network both containers share, and an alias belongs to one network: which "
        "network must web join, and on which network does db need the alias cache?"
    )
    if answer is None:
        return no_answer(hint)
    if not isinstance(answer, str) or "services:" not in answer:
        return failed("answer should be the text of your Compose file (a string starting with services:).", hint)
    if "cache" not in answer:
        return failed("the file never mentions the name cache.", hint)
    seen = ask("compose_cache", yaml=answer, project=project)
    if not seen["up"]:
        return failed(f"Compose could not bring the file up: {seen['error']}", "Start from shop_yaml and change as little as you can.")
    if not (seen.get("web") and seen.get("db")):
        return failed("the file should still have the services web and db.", hint)
    front = f"{project}_front"
    if front in seen["db_networks"]:
        return failed("db is on the front network now: the database must stay on back only.", hint)
    if not seen["cache"]:
        return failed("inside web, the name cache does not resolve.", hint)
    if seen["cache"] not in seen["db_addresses"]:
        return failed(f"cache resolves to {seen['cache']}, which is not the database.", hint)
    if "PONG" not in seen["reply"]:
        return failed(f"web looked cache up but Redis did not answer ({seen['reply'] or 'no reply'}).", hint)
    return passed("web reaches the database as cache:6379 (Redis answered PONG), and the database is still not on front.")


# --- 09 names --------------------------------------------------------------------------------------


@exercise("names-with-dns")
def check_names_with_dns(answer: Any, *, container: str = "client2", name: str = "app") -> CheckResult:
    """09-names: does ``container`` (started with ``dns=[...]``) still resolve the shared alias ``name``? True/False."""
    hint = "Where does client2 send every question first (look at its resolv.conf), and which names does that server know itself?"
    given = true_or_false(answer, hint)
    seen = ask("names_from", container=container, names=[name])
    if seen is None:
        return failed(f"{container} does not run now.", "Run the cells of section 3 again.")
    truth = bool(seen[name])
    if given == truth:
        return passed(
            f"{container} resolves {name} ({seen[name]}, first of the replicas): Docker's DNS server answers the names it "
            "knows itself and forwards only the others to the --dns server."
            if truth
            else f"{container} does not resolve {name}."
        )
    return failed(f"{given} is not what {container}'s resolver says (it was asked just now).", hint)


@question("container_address")
def _container_address(container: str, net: str) -> dict[str, str | None]:
    handle = running_container(container)
    return {"address": None if handle is None else handle.addresses.get(net)}


@exercise("billing-name")
def check_billing_name(answer: Any, *, host: str = "billing.lab", target: str = "app3", net: str = "lab") -> CheckResult:
    """09-names: inside the container in ``answer``, ``host`` resolves to ``target``'s address on ``net``."""
    hint = f"dnb.run(..., add_hosts={{'{host}': ADDRESS}}) writes a name into that container's /etc/hosts; which address does {target} have on {net}?"
    name = handle_name(answer, hint)
    if name == target:
        return failed(f"answer is {target} itself; start a new container for the shop.", hint)
    seen = ask("names_from", container=name, names=[host])
    if seen is None:
        return failed(f"no container named {name!r} runs now.", hint)
    truth = ask("container_address", container=target, net=net)["address"]
    if not truth:
        return failed(f"{target} is not on {net} any more.", "Run the cells of section 1 again.")
    if not seen[host]:
        return failed(f"inside {name}, {host} does not resolve.", hint)
    if seen[host] != truth:
        return failed(f"inside {name}, {host} resolves to {seen[host]}, not to {target} ({truth}).", hint)
    return passed(f"inside {name}, {host} leads to {target} ({truth}); no other container knows that name.")


# --- 10 network modes ------------------------------------------------------------------------------


@question("publish_clash")
def _publish_clash(port: int) -> dict[str, Any]:
    try:
        container_verbs.run("uptime", name="clash-probe", ports=f"{port}:8000", detach=True)
    except DockernetError as e:
        text = str(e).splitlines()[0]
        # The engine's own words after the endpoint id, which differ between engines.
        for start in ("failed to bind", "listen "):
            if start in text:
                return {"started": False, "error": text[text.find(start):][:160]}
        return {"started": False, "error": text[-160:]}
    container_verbs.rm("clash-probe", missing_ok=True)
    return {"started": True, "error": None}


@exercise("publish-clash")
def check_publish_clash(answer: Any, *, port: int = 8110) -> CheckResult:
    """10-network-modes: can a bridge container publish host port ``port`` while a host-mode server listens there? True/False."""
    hint = f"A published port needs a listening socket on the host (docker-proxy's). Who holds 127.0.0.1:{port} on the host right now?"
    given = true_or_false(answer, hint)
    seen = ask("publish_clash", port=port)
    if given == seen["started"]:
        if seen["started"]:
            return passed(f"the container started: nothing held 127.0.0.1:{port} on the host.")
        return passed(f"Docker could not publish {port}: the host-mode server holds that port in the host's own namespace ({seen['error']}).")
    return failed(f"{given} is not what happened when the check tried it just now.", hint)


@question("reads_loopback")
def _reads_loopback(container: str) -> dict[str, Any] | None:
    try:
        found = find_container(container)
    except NotFound:
        return None
    mode = str((found.attrs.get("HostConfig") or {}).get("NetworkMode") or "")
    shared = None
    if mode.startswith("container:"):
        try:
            from dockernet_nb.engine.connection import client, engine_errors

            with engine_errors("looking up the shared container"):
                other = client().containers.get(mode.split(":", 1)[1])
            shared = container_handle(other).name
        except NotFound:
            shared = "(gone)"
    reply = container_verbs.exec(container, ["sh", "-c", "printf 'PING\\r\\n' | nc -w 2 127.0.0.1 6379"])
    return {"shared": shared, "reply": reply.stdout.strip()[:80], "exit_code": reply.exit_code}


@exercise("reader-shares")
def check_reader_shares(answer: Any, *, owner: str = "cache", sidecar: str = "sidecar") -> CheckResult:
    """10-network-modes: the container in ``answer`` reads ``owner``'s loopback-only Redis at 127.0.0.1:6379."""
    hint = f"127.0.0.1 is always the container's own loopback: which network mode puts a new container in {owner}'s namespace?"
    name = handle_name(answer, hint)
    if name in (owner, sidecar):
        return failed(f"{name} was there before; start a new container, called reader.", hint)
    seen = ask("reads_loopback", container=name)
    if seen is None:
        return failed(f"no container named {name!r} runs now.", hint)
    if seen["shared"] not in (owner, sidecar):
        return failed(f"{name} has a network namespace of its own, so its 127.0.0.1 is not {owner}'s.", hint)
    if "PONG" not in seen["reply"]:
        return failed(f"{name} shares the namespace, but Redis did not answer there ({seen['reply'] or 'no reply'}).", "Is cache still running?")
    return passed(f"{name} lives in {owner}'s network namespace: 127.0.0.1:6379 there is {owner}'s Redis, which answered PONG.")


# --- 11 IPv6 ---------------------------------------------------------------------------------------


@question("nc_by_name")
def _nc_by_name(client: str, target: str, port: int) -> dict[str, Any] | None:
    if running_container(client) is None:
        return None
    results = {}
    for flag in ("", "-4", "-6"):
        reply = container_verbs.exec(client, ["sh", "-c", f"nc {flag} -z -w 2 {shlex.quote(target)} {port}"])
        results[flag or "any"] = reply.exit_code == 0
    return results


@exercise("dual-stack-fallback")
def check_dual_stack_fallback(answer: Any, *, client: str = "beta", target: str = "clock", port: int = 8000) -> CheckResult:
    """11-ipv6: does ``nc -z TARGET PORT`` from ``client`` succeed when ``target`` listens on IPv4 only? True/False."""
    hint = f"{target} has an IPv4 and an IPv6 address; nc gets both from the resolver. What does nc do when the first one refuses?"
    given = true_or_false(answer, hint)
    seen = ask("nc_by_name", client=client, target=target, port=port)
    if seen is None:
        return failed(f"{client} does not run now.", "Run the cells of section 1 again.")
    if given != seen["any"]:
        return failed(f"{given} is not what happened when the check tried it just now.", hint)
    if not seen["any"]:
        return passed(f"nc did not reach {target} by name.")
    return passed(
        f"nc reached {target}: the IPv6 address came first and was refused (nothing listens there: -6 "
        f"{'works' if seen['-6'] else 'fails'}), so nc tried the next address, the IPv4 one (-4 "
        f"{'works' if seen['-4'] else 'fails'})."
    )


@question("addresses6")
def _addresses6(container: str) -> dict[str, str] | None:
    handle = running_container(container)
    return None if handle is None else dict(handle.addresses6)


@exercise("second-ipv6-network")
def check_second_ipv6_network(answer: Any, *, container: str = "beta", first: str = "v6net") -> CheckResult:
    """11-ipv6: ``answer`` is ``container``'s IPv6 address on a second dual-stack network (not ``first``) inside fd00::/8."""
    hint = (
        "create_net(..., ipv6=True, subnet6='fd..:...::/64') makes a dual-stack network with the /64 you choose; "
        f"connect {container} to it and read its handle's addresses6."
    )
    if answer is None:
        return no_answer(hint)
    try:
        given = ipaddress.IPv6Address(str(answer).strip().split("/")[0])
    except ValueError:
        return failed(f"{answer!r} is not an IPv6 address.", hint)
    seen = ask("addresses6", container=container)
    if seen is None:
        return failed(f"{container} does not run now.", "Run the cells of section 1 again.")
    others = {net: addr for net, addr in seen.items() if net != first}
    if not others:
        return failed(f"{container} has IPv6 addresses on {', '.join(seen) or 'no network'} only.", hint)
    if str(given) not in {str(ipaddress.IPv6Address(a)) for a in others.values()}:
        return failed(f"{given} is not {container}'s address on {', '.join(others)} ({', '.join(others.values())}).", hint)
    if given not in ipaddress.ip_network("fd00::/8") or given in ipaddress.ip_network("fd00::/64"):
        return failed(f"{given} should lie in fd00::/8 but not in fd00::/64.", hint)
    return passed(f"{container} is on a second dual-stack network, with {given} there.")


# --- 12 firewall -----------------------------------------------------------------------------------


@question("published_filter")
def _published_filter(sources: list[str], target: str) -> dict[str, bool] | None:
    if any(running_container(s) is None for s in sources):
        return None
    seen = routes.reachability(sources, {"published": target})
    return {str(row["from"]): bool(row["published"]) for _, row in seen.iterrows()}


def _rules_table(answer: Any, hint: str) -> pd.DataFrame:
    """The rules table dnb.host_rule(...) returned; else the check's "Not yet" (raised as NotYet)."""
    if answer is None:
        raise NotYet(no_answer(hint))
    if isinstance(answer, pd.DataFrame) and {"chain", "source", "dport", "target", "rule"} <= set(answer.columns):
        return answer
    raise NotYet(failed("answer should be the table dnb.host_rule(...) returned.", hint))


@exercise("bob-blocked")
def check_bob_blocked(answer: Any, *, blocked: str = "bob", allowed: str = "alice", net: str = "front", port: int = 8112, gateway: str | None = None) -> CheckResult:
    """12-firewall: bob no longer reaches the port web publishes on front's gateway; alice still does.

    ``answer`` is what ``dnb.host_rule(...)`` returned (the chain's rules); the rule must be the
    course's (tagged) and name bob's address.
    """
    hint = (
        f"A container reaches a published port through docker-proxy, a program on the host, so its packets end in the "
        f"host's INPUT chain, not in FORWARD. Which chain, and which source address (-s), blocks {blocked} only?"
    )
    rules = _rules_table(answer, hint)
    address = ask("container_address", container=blocked, net=net)["address"]
    if not address:
        return failed(f"{blocked} is not on {net} now.", "Run the cells of section 2 again.")
    mine = rules[rules["rule"].str.contains("dockernet-nb session=", regex=False, na=False)]
    about = mine[(mine["source"].fillna("").str.split("/").str[0] == address) & (mine["target"].isin(["REJECT", "DROP"]))]
    if about.empty:
        return failed(f"the table you gave holds no REJECT or DROP rule of yours with -s {address} ({blocked}).", hint)
    if not (about["chain"] == "INPUT").any():
        return failed(
            f"your rule for {blocked} is in {', '.join(sorted(set(about['chain'])))}: the connection to a published "
            "port from a container never passes FORWARD (docker-proxy takes it on the host).",
            hint,
        )
    front_gateway = gateway or ask("network_gateway", net=net)["gateway"]
    seen = ask("published_filter", sources=[allowed, blocked], target=f"{front_gateway}:{port}")
    if seen is None:
        return failed(f"{allowed} or {blocked} does not run now.", "Run the cells of section 2 again.")
    if seen[blocked]:
        return failed(f"{blocked} still reaches {front_gateway}:{port}.", hint)
    if not seen[allowed]:
        return failed(f"{allowed} cannot reach {front_gateway}:{port} either: the rule blocks more than {blocked}.", hint)
    return passed(f"{blocked} is turned away at the host's INPUT chain while {allowed} still reaches the published port.")


@question("network_gateway")
def _network_gateway(net: str) -> dict[str, str | None]:
    from dockernet_nb.engine.objects import find_network, network_handle

    try:
        return {"gateway": network_handle(find_network(net)).gateway}
    except NotFound:
        return {"gateway": None}
