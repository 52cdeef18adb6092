"""Exercise checks of the worksheet lessons (00-04): compare a learner's answer with what the engine says, and give a hint when wrong.

Each check asks the engine (or the learner's own result) for the truth at the moment it runs, so the
same check works whatever addresses this run happened to get. A check never raises for a wrong or
missing answer: it returns a :class:`CheckResult` that says "Not yet" and gives a hint.
Example::

    >>> from dockernet_nb import checks
    >>> checks.check_redis_address(None)          # doctest: +SKIP
    Not yet: there is no answer yet (answer is None).
    Hint: ...
"""

from __future__ import annotations

import ipaddress

from dockernet_nb.checks.result import CheckResult, failed, no_answer, passed
from dockernet_nb.engine import images
from dockernet_nb.engine.objects import container_handle, find_container
from dockernet_nb.errors import DockernetError, NotFound
from dockernet_nb.records import CommandResult, ContainerHandle
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs import probes
from dockernet_nb.verbs.common import addresses_of
from dockernet_nb.verbs.tcp import tcp_request

__all__ = [
    "check_smallest_image",
    "check_redis_address",
    "check_redis_greeting",
    "check_default_gateway",
    "check_loopback_prediction",
    "check_published_uptime",
    "check_on_both_networks",
]


def _container_name(answer: object) -> str | None:
    """The learner-facing name in a handle or a plain string; None for anything else."""
    if isinstance(answer, ContainerHandle):
        return answer.name
    if isinstance(answer, str) and answer.strip():
        return answer.strip()
    return None


def check_smallest_image(answer: str | None) -> CheckResult:
    """00-setup: which course image is the smallest? (short name or course tag)."""
    hint = "Look at the size_mb column of the image table above; answer with the image's short name, e.g. 'redis'."
    if answer is None:
        return no_answer(hint)
    table = images.image_table()
    sized = table.dropna(subset=["size_mb"])
    if sized.empty:
        return failed("the engine has none of the course images, so there is nothing to compare.", "Run dnb.setup() first.")
    smallest = sized.loc[sized["size_mb"].idxmin()]
    given = str(answer).strip()
    if given in (smallest["name"], smallest["tag"]):
        return passed(f"{smallest['name']} is the smallest course image ({smallest['size_mb']} MB).")
    if given not in set(table["name"]) | set(table["tag"]):
        return failed(f"{given!r} is not one of the course images ({', '.join(table['name'])}).", hint)
    return failed(f"{given} is not the smallest one.", hint)


def check_redis_address(answer: str | None, *, container: str = "redis", net: str = "mynet") -> CheckResult:
    """01-bridge-networks: the IPv4 address ``container`` has on ``net``, as a string like '172.24.0.2'."""
    hint = (
        "The address is in the ping table (address column), in the getent output, and in dnb.containers(). "
        "Give it as a string without the /24, e.g. answer = '172.24.0.9'."
    )
    if answer is None:
        return no_answer(hint)
    given = str(answer).strip()
    if "/" in given:
        return failed(f"{given!r} is a subnet, not one address.", hint)
    try:
        ipaddress.IPv4Address(given)
    except ValueError:
        return failed(f"{given!r} is not an IPv4 address.", hint)
    try:
        addresses = addresses_of(container)
    except NotFound:
        return failed(f"no container named {container!r} runs in this session.", "Run the cells above that start it first.")
    truth = addresses.get(net)
    if not truth:
        return failed(f"{container} is not on {net}.", "Run the cells above that create the network and start the container.")
    if given == truth:
        return passed(f"{container} has {truth} on {net}; other containers on {net} reach it there (or by its name).")
    return failed(f"{given} is not the address {container} has on {net}.", hint)


def check_redis_greeting(answer: CommandResult | None, *, key: str = "greeting", value: str = "hello", net: str = "mynet") -> CheckResult:
    """01-bridge-networks: ``answer`` is the result of the learner's ``redis-cli ... set``; the server must now hold it."""
    hint = (
        f"Copy the 'set foo bar' cell, change the key to {key} and the value to {value}, "
        "and keep what it returns: answer = dnb.run(...)"
    )
    if answer is None:
        return no_answer(hint)
    if not isinstance(answer, CommandResult):
        return failed("answer should be what dnb.run(...) returned for your redis-cli command.", hint)
    if not answer.ok:
        return failed(f"your command ended with exit code {answer.exit_code}: {answer.output.strip()[:120]}", hint)
    try:
        reply = container_verbs.run("redis", ["redis-cli", "-h", "redis", "get", key], net=net)
    except DockernetError as e:
        return failed(f"could not ask the redis server: {e}", "Run the cells above that start redis on mynet first.")
    stored = reply.stdout.strip()
    if reply.ok and stored == value:
        return passed(f"the redis server on {net} now answers {stored!r} for the key {key!r}.")
    if reply.ok and stored:
        return failed(f"the key {key!r} holds {stored!r}, not {value!r}.", hint)
    return failed(f"the redis server on {net} has no value for the key {key!r}.", hint)


def check_default_gateway(answer: str | None) -> CheckResult:
    """02-no-network: the gateway of the default route in a container on the default bridge."""
    hint = (
        "Look at dnb.inspect_routes(image='busybox'): the row whose destination is 0.0.0.0 (flags UG) "
        "names the gateway. Give it as a string."
    )
    if answer is None:
        return no_answer(hint)
    routes = probes.inspect_routes(image="busybox")
    default = routes[routes["destination"] == "0.0.0.0"]
    if default.empty:
        return failed("a container on the default bridge has no default route on this engine.", "Ask your teacher.")
    truth = str(default["gateway"].iloc[0])
    given = str(answer).strip()
    if given == truth:
        return passed(f"everything not on the bridge's own subnet leaves through {truth}, the bridge on the host.")
    if given == "0.0.0.0":
        return failed("0.0.0.0 in the gateway column means 'no gateway: directly attached'.", hint)
    return failed(f"{given} is not the default route's gateway.", hint)


def check_loopback_prediction(answer: bool | None) -> CheckResult:
    """02-no-network: can a container started with net="none" ping its own 127.0.0.1? (True or False)."""
    hint = "Answer True or False. Which interface did the net='none' container still have?"
    if answer is None:
        return no_answer(hint)
    if not isinstance(answer, bool):
        return failed(f"{answer!r} is not True or False.", hint)
    result = probes.ping(None, "127.0.0.1", image="busybox", net="none", count=1)
    truth = len(result) > 0
    if answer == truth:
        return passed(
            "yes: lo is still there, so a process can talk to itself inside the container; nothing else can be reached."
            if truth
            else "no: even the loopback interface is unusable here."
        )
    return failed(f"{answer} is not what the engine says (it was asked just now).", hint)


def check_published_uptime(answer: ContainerHandle | str | None, *, port: int = 8123) -> CheckResult:
    """03-publishing-ports: ``answer`` is the handle of an uptime server the host reaches on ``port``."""
    hint = (
        "Start it as in section 2 with name='clock' and detach=True, but change the host side of ports= "
        f"(ports='HOST:CONTAINER') to {port}."
    )
    if answer is None:
        return no_answer(hint)
    name = _container_name(answer)
    if name is None:
        return failed("answer should be the handle dnb.run(..., detach=True) returned.", hint)
    try:
        live = container_handle(find_container(name))
    except NotFound:
        return failed(f"no container named {name!r} runs now.", hint)
    if live.status != "running":
        return failed(f"{name} is {live.status}, not running.", hint)
    if images.resolve("uptime") != live.image:
        return failed(f"{name} runs {live.image}, not the uptime server.", hint)
    published = live.ports.get("8000/tcp", "")
    if not published.endswith(f":{port}"):
        shown = published or "nothing"
        return failed(f"{name} publishes container port 8000 on {shown}, not on host port {port}.", hint)
    if not live.addresses or set(live.addresses) == {"none"}:
        return failed(f"{name} is on no network, so Docker cannot forward the port to it.", hint)
    try:
        reply = tcp_request(port)
    except DockernetError as e:
        return failed(f"the host could not reach it: {e}", hint)
    if not reply.strip():
        # Docker's proxy accepts the connection even when nothing listens behind it yet.
        return failed(
            f"host port {port} accepted the connection, but {name} sent nothing back.",
            "The server may still be starting: wait a second and run the check again.",
        )
    if "load average" not in reply:
        return failed(f"something answered on port {port}, but not with uptime: {reply.strip()[:80]!r}", hint)
    return passed(f"the host reached {name} on port {port} and got its uptime back.")


def check_on_both_networks(answer: ContainerHandle | str | None, *, nets: tuple[str, ...] = ("front", "back")) -> CheckResult:
    """04-connect-disconnect: the container in ``answer`` is on every network in ``nets`` and answers a ping there."""
    hint = (
        "dnb.connect(container, network) adds a network to a running container without touching the others; "
        "which of the networks is it missing?"
    )
    if answer is None:
        return no_answer(hint)
    name = _container_name(answer)
    if name is None:
        return failed("answer should be the handle dnb.connect(...) returned.", hint)
    try:
        on = addresses_of(name)
    except NotFound:
        return failed(f"no container named {name!r} runs now.", hint)
    missing = [net for net in nets if net not in on]
    if missing:
        return failed(f"{name} is not on {', '.join(missing)} (it is on {', '.join(on) or 'no network'}).", hint)
    for net in nets:
        reply = probes.ping(None, name, image="busybox", net=net, count=1)
        if len(reply) == 0:
            error = reply.attrs["summary"].get("error") or "no reply"
            return failed(f"{name} is on {net}, but a container there cannot ping it ({error}).", hint)
    return passed(f"{name} is on {' and '.join(nets)}, and a container on each network reaches it by name.")
