"""Exercise checks of the worksheet lessons (00-04; lesson 03's are in :mod:`dockernet_nb.checks.ports`).

Each check asks the engine what it needs through :func:`~dockernet_nb.checks.exercise.ask` (recorded,
so replay mode judges the same way) and compares the learner's answer with it. Example::

    >>> from dockernet_nb import checks
    >>> checks.check_redis_address(None)          # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from dockernet_nb.checks.exercise import ask, exercise, question
from dockernet_nb.checks.result import CheckResult, NotYet, failed, handle_name, no_answer, passed, true_or_false
from dockernet_nb.engine import images, labels
from dockernet_nb.errors import NotFound
from dockernet_nb.parsers import ping as ping_parser
from dockernet_nb.records import CommandResult, ContainerHandle
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs import probes
from dockernet_nb.verbs.common import addresses_of

__all__ = [
    "check_smallest_image",
    "check_engine_name",
    "check_redis_address",
    "check_redis_greeting",
    "check_bridge_isolation",
    "check_default_gateway",
    "check_loopback_prediction",
    "check_on_both_networks",
]


# --- what the checks ask the engine ------------------------------------------------------------------


@question("course_images")
def _course_images() -> list[dict[str, Any]]:
    table = images.image_table()
    return [{"name": r.name, "tag": r.tag, "size_mb": None if r.size_mb != r.size_mb else r.size_mb} for r in table.itertuples()]


@question("addresses")
def _addresses(container: str) -> dict[str, str] | None:
    try:
        return addresses_of(container)
    except NotFound:
        return None


@question("redis_value")
def _redis_value(key: str, net: str) -> dict[str, Any]:
    reply = container_verbs.run("redis", ["redis-cli", "-h", "redis", "get", key], net=net)
    return {"ok": reply.ok, "value": reply.stdout.strip(), "output": reply.output.strip()[:200]}


@question("reply_from_default_bridge")
def _reply_from_default_bridge(container: str, net: str) -> dict[str, Any] | None:
    try:
        address = addresses_of(container).get(net)
    except NotFound:
        return None
    if not address:
        return {"address": None, "received": 0}
    # -W 2: no reply is the expected answer, and it should not cost ping's full ten-second wait.
    reply = container_verbs.run("debian", ["ping", "-c", "2", "-W", "2", address])
    return {"address": address, "received": ping_parser.parse(reply.output).attrs["summary"].get("received") or 0}


@question("default_gateway")
def _default_gateway() -> str | None:
    routes = probes.inspect_routes(image="busybox")
    default = routes[routes["destination"] == "0.0.0.0"]
    return None if default.empty else str(default["gateway"].iloc[0])


@question("loopback_answers")
def _loopback_answers() -> bool:
    return len(probes.ping(None, "127.0.0.1", image="busybox", net="none", count=1)) > 0


@question("reached_by_name")
def _reached_by_name(name: str, nets: list[str]) -> dict[str, Any] | None:
    try:
        on = addresses_of(name)
    except NotFound:
        return None
    errors: dict[str, str | None] = {}
    for net in nets:
        if net not in on:
            continue
        # Right after a connect the first packet can be lost on a busy machine; a name nobody knows is final.
        for _ in range(3):
            reply = probes.ping(None, name, image="busybox", net=net, count=1)
            error = None if len(reply) else str(reply.attrs["summary"].get("error") or "no reply")
            errors[net] = error
            if error is None or "bad address" in error:
                break
    return {"on": list(on), "errors": errors}


# --- the checks --------------------------------------------------------------------------------------


def _one_ipv4_address(answer: object, hint: str) -> str:
    """``answer`` as one IPv4 address (text); else the check's "Not yet" (raised as NotYet)."""
    if answer is None:
        raise NotYet(no_answer(hint))
    given = str(answer).strip()
    if "/" in given:
        raise NotYet(failed(f"{given!r} is a subnet, not one address.", hint))
    try:
        ipaddress.IPv4Address(given)
    except ValueError:
        raise NotYet(failed(f"{given!r} is not an IPv4 address.", hint)) from None
    return given


@exercise("smallest-image")
def check_smallest_image(answer: str | None) -> CheckResult:
    """00-setup: which course image is the smallest? (short name or course tag)."""
    hint = "Look at the size_mb column of the image table above; answer with the image's short name, e.g. 'redis'."
    if answer is None:
        return no_answer(hint)
    table = ask("course_images")
    sized = [row for row in table if row["size_mb"] is not None]
    if not sized:
        return failed("the engine has none of the course images, so there is nothing to compare.", "Run dnb.setup() first.")
    smallest = min(sized, key=lambda row: row["size_mb"])
    given = str(answer).strip()
    if given in (smallest["name"], smallest["tag"]):
        return passed(f"{smallest['name']} is the smallest course image ({smallest['size_mb']} MB).")
    if given not in {row["name"] for row in table} | {row["tag"] for row in table}:
        return failed(f"{given!r} is not one of the course images ({', '.join(row['name'] for row in table)}).", hint)
    return failed(f"{given} is not the smallest one.", hint)


@exercise("engine-name")
def check_engine_name(answer: str | None, *, name: str = "web") -> CheckResult:
    """00-setup: predict the name the engine gives a course container started with ``name=``.

    ``answer`` is that name as a string. The check asks the engine nothing: the course makes the name.
    """
    hint = (
        "The first cell's answer shows the pattern: the lesson's name, this kernel's id, then your name, joined by '-'. "
        "lesson.lesson and lesson.session hold the first two."
    )
    if answer is None:
        return no_answer(hint)
    given = str(answer).strip()
    truth = labels.docker_name(name)
    if given == truth:
        return passed(
            f"the engine will call it {truth}; on a network of the course, other containers also reach it as {name}. "
            "Now verify it: run the next cell, which starts it."
        )
    if given == name:
        return failed(f"{name} is the name you use in the cells; the engine sees a longer one.", hint)
    if given.endswith(f"-{name}") and labels.session_id() not in given:
        return failed(f"{given} has the right shape, but the kernel's id in it is not this kernel's.", hint)
    return failed(f"{given} is not the name the engine will use for {name}.", hint)


@exercise("redis-address")
def check_redis_address(answer: str | None, *, container: str = "redis", net: str = "mynet") -> CheckResult:
    """01-bridge-networks: the IPv4 address ``container`` has on ``net``, as a string like '172.24.0.2'."""
    hint = (
        "The address is in the ping table (address column), in the getent output, and in dnb.containers(). "
        "Give it as a string without the /24, e.g. answer = '172.24.0.9'."
    )
    given = _one_ipv4_address(answer, hint)
    addresses = ask("addresses", container=container)
    if addresses is None:
        return failed(f"no container named {container!r} runs in this session.", "Run the cells above that start it first.")
    truth = addresses.get(net)
    if not truth:
        return failed(f"{container} is not on {net}.", "Run the cells above that create the network and start the container.")
    if given == truth:
        return passed(f"{container} has {truth} on {net}; other containers on {net} reach it there (or by its name).")
    return failed(f"{given} is not the address {container} has on {net}.", hint)


@exercise("redis-greeting")
def check_redis_greeting(answer: CommandResult | None, *, key: str = "greeting", value: str = "hello", net: str = "mynet") -> CheckResult:
    """01-bridge-networks: ``answer`` is the result of the learner's ``redis-cli ... set``; the server must now hold it."""
    hint = (
        f"Copy the 'set foo bar' cell, change the key to {key} and the value to {value}, "
        "and keep what it returns: answer = cli.send(...)"
    )
    if answer is None:
        return no_answer(hint)
    if not isinstance(answer, CommandResult):
        return failed("answer should be what cli.send(...) (or dnb.run(...)) returned for your redis-cli command.", hint)
    if not answer.ok:
        return failed(f"your command ended with exit code {answer.exit_code}: {answer.output.strip()[:120]}", hint)
    if not re.search(rf"\bset\s+{re.escape(key)}\s+{re.escape(value)}\b", answer.command, re.IGNORECASE):
        return failed(f"your command ({answer.command}) does not set {key} to {value}.", hint)
    stored = ask("redis_value", key=key, net=net)
    if stored["ok"] and stored["value"] == value:
        return passed(f"the redis server on {net} now answers {stored['value']!r} for the key {key!r}.")
    if stored["ok"] and stored["value"]:
        return failed(f"the key {key!r} holds {stored['value']!r}, not {value!r}.", hint)
    return failed(f"the redis server on {net} has no value for the key {key!r} ({stored['output']}).", hint)


@exercise("bridge-isolation")
def check_bridge_isolation(answer: bool | None, *, container: str = "redis", net: str = "mynet") -> CheckResult:
    """01-bridge-networks: does a container on the default bridge get a reply from ``container``'s address on ``net``?

    ``answer`` is True or False. The check pings that address from a one-off container on the default bridge.
    """
    hint = (
        "Answer True or False. The name failed on the default bridge because nobody there knows it; "
        "an address needs no name server, but is there a path between two different bridge networks?"
    )
    given = true_or_false(answer, hint)
    seen = ask("reply_from_default_bridge", container=container, net=net)
    if seen is None or not seen["address"]:
        return failed(f"{container} is not running on {net} now.", "Run the cells above that start it first.")
    truth = seen["received"] > 0
    if given != truth:
        return failed(f"{given} is not what the engine says (a ping to {seen['address']} was tried just now).", hint)
    if truth:
        return passed(f"a container on the default bridge got replies from {seen['address']}: this engine does not isolate its bridges.")
    return passed(
        f"no reply from {seen['address']}: each bridge network is a switch of its own, and Docker's firewall rules on "
        "the host drop traffic from one bridge network to another. Containers talk across networks only when one joins both."
    )


@exercise("default-gateway")
def check_default_gateway(answer: str | None) -> CheckResult:
    """02-no-network: the gateway of the default route in a container on the default bridge."""
    hint = (
        "Look at dnb.inspect_routes(image='busybox'): the row whose destination is 0.0.0.0 (flags UG) "
        "names the gateway. Give it as a string."
    )
    if answer is None:
        return no_answer(hint)
    truth = ask("default_gateway")
    if truth is None:
        return failed("a container on the default bridge has no default route on this engine.", "Ask your teacher.")
    given = str(answer).strip()
    if given == truth:
        return passed(f"everything not on the bridge's own subnet leaves through {truth}, the bridge on the host.")
    if given == "0.0.0.0":
        return failed("0.0.0.0 in the gateway column means 'no gateway: directly attached'.", hint)
    return failed(f"{given} is not the default route's gateway.", hint)


@exercise("loopback-prediction")
def check_loopback_prediction(answer: bool | None) -> CheckResult:
    """02-no-network: can a container started with net="none" ping its own 127.0.0.1? (True or False)."""
    hint = "Answer True or False. Which interface did the net='none' container still have?"
    given = true_or_false(answer, hint)
    truth = bool(ask("loopback_answers"))
    if given == truth:
        return passed(
            "yes: lo is still there, so a process can talk to itself inside the container; nothing else can be reached."
            if truth
            else "no: even the loopback interface is unusable here."
        )
    return failed(f"{given} is not what the engine says (it was asked just now).", hint)


@exercise("on-both-networks")
def check_on_both_networks(answer: ContainerHandle | str | None, *, nets: tuple[str, ...] = ("front", "back")) -> CheckResult:
    """04-connect-disconnect: the container in ``answer`` is on every network in ``nets`` and answers a ping there."""
    hint = (
        "dnb.connect(container, network) adds a network to a running container without touching the others; "
        "which of the networks is it missing?"
    )
    name = handle_name(answer, hint, returned_by="dnb.connect(...)")
    seen = ask("reached_by_name", name=name, nets=list(nets))
    if seen is None:
        return failed(f"no container named {name!r} runs now.", hint)
    missing = [net for net in nets if net not in seen["on"]]
    if missing:
        return failed(f"{name} is not on {', '.join(missing)} (it is on {', '.join(seen['on']) or 'no network'}).", hint)
    for net in nets:
        if seen["errors"].get(net):
            return failed(f"{name} is on {net}, but a container there cannot ping it ({seen['errors'][net]}).", hint)
    return passed(f"{name} is on {' and '.join(nets)}, and a container on each network reaches it by name.")
