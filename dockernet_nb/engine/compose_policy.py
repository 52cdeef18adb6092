"""What a learner's Compose file may ask for, and what the course writes into it before Compose runs.

Compose turns a file into containers and networks with all the power of ``docker run``, so a course
project goes through the same limits as :func:`dockernet_nb.verbs.containers.run`
(:mod:`dockernet_nb.engine.policy`). :func:`course_project` takes the file as Compose itself
normalised it (``docker compose config --format json``) and returns the file Compose runs:

- every service and network carries the course's labels (course, session, lesson, owner), so
  ``dnb.cleanup()``, ``dockernet-nb clean`` and the learner-safety tests find them;
- every service's resolver points at its own loopback (``dns: 127.0.0.1``, ``ndots:1``) as
  ``run()`` does, so a name Docker's DNS does not know never leaves the machine;
- a published port without a host address binds to the engine host's loopback;
- course image names (``debian``, ``redis``, ...) become the course tags, and nothing is pulled;
- a network without a subnet gets a free one from the course's pool (172.24.0.0/13, and for IPv6 a
  /64 of fdd0:d0c:4e42::/48), never Docker's 192.168.0.0/16 fallback;
- each single-copy service gets a fixed address on its networks, in service-name order (Compose starts
  containers in parallel, so otherwise the addresses would change from run to run).

Anything outside the service and network keys below is refused with the reason, before anything is
created: bind mounts and volumes (the host's files), privileges and devices, the host's process table,
networks the course did not make (``external``), builds (they fetch), and fixed names
(``container_name``, a network's ``name``), which would escape the session prefix.
"""

from __future__ import annotations

import copy
import ipaddress
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dockernet_nb.engine import policy
from dockernet_nb.errors import InvalidInput

__all__ = ["course_project", "SERVICE_KEYS", "NETWORK_KEYS", "REFUSED_WHY"]

# What a service may say (the keys `docker compose config --format json` prints for them).
SERVICE_KEYS = frozenset(
    {
        "image", "command", "entrypoint", "environment", "networks", "network_mode", "ports", "expose",
        "depends_on", "healthcheck", "hostname", "domainname", "dns", "dns_opt", "dns_search", "extra_hosts",
        "cap_add", "cap_drop", "sysctls", "labels", "deploy", "scale", "restart", "working_dir", "user", "init",
        "tty", "stdin_open", "stop_signal", "stop_grace_period", "read_only", "tmpfs", "mac_address", "pull_policy",
        "links", "platform",
    }
)
NETWORK_KEYS = frozenset({"name", "driver", "driver_opts", "internal", "enable_ipv6", "enable_ipv4", "ipam", "labels", "attachable"})
TOP_KEYS = frozenset({"name", "services", "networks"})

REFUSED_WHY = {
    "volumes": "volumes and bind mounts reach the host's files; the lessons need none",
    "volumes_from": "it shares another container's volumes",
    "privileged": "a privileged container has power over the whole host",
    "devices": "it hands the host's devices to the container",
    "device_cgroup_rules": "it hands the host's devices to the container",
    "pid": "the host's process table (or another container's) is not the course's to share",
    "ipc": "it shares memory with the host or another container",
    "uts": "it shares the host's name",
    "userns_mode": "it changes how the container's users map to the host's",
    "cgroup": "it shares the host's control groups",
    "cgroup_parent": "it moves the container among the host's control groups",
    "security_opt": "it turns off the kernel's protections",
    "build": "a build fetches from the internet; the lessons use the course images",
    "container_name": "a fixed name escapes the session prefix that keeps your own containers safe; refer to "
    "containers as <project>-<service>-1",
    "secrets": "secrets are files from the host",
    "configs": "configs are files from the host",
    "env_file": "it reads a file of this machine",
    "logging": "a log driver can send the container's output elsewhere",
    "external_links": "it links to containers outside the project",
    "runtime": "another runtime changes how containers are isolated",
    "external": "a network the course did not make may be your own; the course attaches only to networks it made",
    "ulimits": "the lessons need none",
    "oom_kill_disable": "the lessons need none",
}

DEFAULT_DNS = ["127.0.0.1"]
DEFAULT_DNS_OPT = ["ndots:1"]


def _refuse(where: str, key: str, docker_command: str) -> InvalidInput:
    why = REFUSED_WHY.get(key, "the course does not use it")
    return InvalidInput(
        f"{where}: {key!r} is not something a course project may use ({why}). "
        f"If you want it on your own Docker, run Compose yourself: {docker_command}"
    )


def _check_keys(where: str, item: Mapping[str, Any], allowed: frozenset[str], docker_command: str) -> None:
    for key, value in item.items():
        if key.startswith("x-") or value is None:
            continue
        if key not in allowed:
            raise _refuse(where, key, docker_command)


def _service(
    name: str,
    spec: dict[str, Any],
    *,
    labels: Mapping[str, str],
    publish_ip: str,
    image_tag: Callable[[str], str],
    project_services: set[str],
    docker_command: str,
) -> dict[str, Any]:
    where = f"service {name!r}"
    _check_keys(where, spec, SERVICE_KEYS, docker_command)
    out = copy.deepcopy(spec)
    if not out.get("image"):
        raise InvalidInput(f"{where} names no image; the lessons use the course images (busybox, debian, redis, uptime).")
    out["image"] = image_tag(str(out["image"]))
    out["pull_policy"] = "never"
    capabilities = policy.check_capabilities(out.get("cap_add"), docker_command=docker_command)
    if capabilities:
        out["cap_add"] = capabilities
    if out.get("sysctls"):
        sysctls = out["sysctls"]
        if isinstance(sysctls, list):
            sysctls = dict(item.split("=", 1) for item in sysctls)
        out["sysctls"] = policy.check_sysctls(sysctls, docker_command=docker_command)
    mode = str(out.get("network_mode") or "")
    if mode.startswith("container:"):
        raise InvalidInput(
            f"{where}: network_mode {mode!r} shares the network of a container outside the project; use "
            "'service:<another service>' to share one of the project's."
        )
    if mode.startswith("service:") and mode.split(":", 1)[1] not in project_services:
        raise InvalidInput(f"{where}: network_mode {mode!r} names no service of this project.")
    policy.check_modes(net=mode or None, pid=None, capabilities=capabilities, docker_command=docker_command)
    if out.get("extra_hosts"):
        hosts = out["extra_hosts"]
        if isinstance(hosts, list):
            hosts = dict(item.replace("=", ":", 1).split(":", 1) for item in hosts)
        out["extra_hosts"] = [f"{h}={a}" for h, a in policy.check_hosts(hosts, docker_command=docker_command).items()]
    shares_a_stack = mode.startswith("service:")
    if out.get("dns"):
        dns = [out["dns"]] if isinstance(out["dns"], str) else list(out["dns"])
        out["dns"] = policy.check_dns(dns, docker_command=docker_command)
    elif not shares_a_stack:
        out["dns"] = list(DEFAULT_DNS)
    if not shares_a_stack and not out.get("dns_opt"):
        out["dns_opt"] = list(DEFAULT_DNS_OPT)
    ports = []
    for port in out.get("ports") or []:
        port = dict(port)
        if port.get("published") and not port.get("host_ip"):
            port["host_ip"] = publish_ip
        ports.append(port)
    if ports:
        out["ports"] = ports
    deploy = out.get("deploy") or {}
    if set(deploy) - {"replicas", "resources", "restart_policy"}:
        raise InvalidInput(f"{where}: of deploy:, a course project uses only replicas (and resources).")
    out["labels"] = {**(out.get("labels") or {}), **labels}
    return out


def _subnet_ok(subnet: str, where: str) -> None:
    try:
        parsed = ipaddress.ip_network(subnet, strict=True)
    except ValueError as e:
        raise InvalidInput(f"{where}: {subnet!r} is not a subnet ({e}); write it like '172.30.5.0/24'.") from e
    allowed = (ipaddress.ip_network("172.16.0.0/12"), ipaddress.ip_network("fd00::/8"))
    if not any(parsed.version == r.version and parsed.subnet_of(r) for r in allowed):  # type: ignore[arg-type]
        raise InvalidInput(
            f"{where}: {subnet} is outside the course's ranges (172.16.0.0/12 for IPv4, fd00::/8 for IPv6), where "
            "it could hide a real network this machine reaches. Pick a subnet inside them, or leave it out."
        )
    if parsed.version == 6 and parsed.overlaps(ipaddress.ip_network("fd00::/64")):
        raise InvalidInput(f"{where}: {subnet} overlaps fd00::/64, which this kind of machine often uses itself; pick another /64.")


def _network(
    key: str,
    spec: dict[str, Any] | None,
    *,
    project: str,
    labels: Mapping[str, str],
    free4: Iterator[str],
    free6: Iterator[str],
    existing: Mapping[str, list[str]],
    docker_command: str,
) -> dict[str, Any]:
    where = f"network {key!r}"
    spec = dict(spec or {})
    if spec.get("external"):
        raise _refuse(where, "external", docker_command)
    _check_keys(where, spec, NETWORK_KEYS, docker_command)
    out = copy.deepcopy(spec)
    wanted_name = f"{project}_{key}"
    if out.get("name") not in (None, wanted_name):
        raise InvalidInput(
            f"{where}: a fixed name ({out['name']!r}) escapes the session prefix that keeps your own networks safe; "
            f"leave name: out and Compose calls it {project}_{key}."
        )
    out["name"] = wanted_name
    driver = out.get("driver") or "bridge"
    if driver != "bridge":
        raise InvalidInput(f"{where}: a course project uses bridge networks only (not {driver!r}).")
    for option in out.get("driver_opts") or {}:
        if not str(option).startswith("com.docker.network.bridge."):
            raise InvalidInput(f"{where}: driver option {option!r} is not a bridge option.")
    ipam = dict(out.get("ipam") or {})
    if set(ipam) - {"config", "driver"} or ipam.get("driver") not in (None, "default"):
        raise InvalidInput(f"{where}: of ipam:, a course project uses only config (subnets, gateways).")
    configs = [dict(c) for c in ipam.get("config") or []]
    for config in configs:
        if set(config) - {"subnet", "gateway", "ip_range"}:
            raise InvalidInput(f"{where}: an ipam config may hold subnet, gateway and ip_range only.")
        if config.get("subnet"):
            _subnet_ok(str(config["subnet"]), where)
    families = {ipaddress.ip_network(c["subnet"], strict=False).version for c in configs if c.get("subnet")}
    # A network the project made before keeps its subnets: Compose would refuse a changed network.
    before = {ipaddress.ip_network(s, strict=False).version: s for s in existing.get(wanted_name, [])}
    if 4 not in families and out.get("enable_ipv4") is not False:
        configs.insert(0, {"subnet": before.get(4) or next(free4)})
    if out.get("enable_ipv6") and 6 not in families:
        configs.append({"subnet": before.get(6) or next(free6)})
    ipam["config"] = configs
    out["ipam"] = ipam
    out["labels"] = {**(out.get("labels") or {}), **labels}
    return out


def course_project(
    config: Mapping[str, Any],
    *,
    project: str,
    labels: Mapping[str, str],
    publish_ip: str,
    image_tag: Callable[[str], str],
    free4: Iterator[str],
    free6: Iterator[str],
    docker_command: str,
    existing: Mapping[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The Compose file the course runs for ``config`` (normalised by ``docker compose config --format json``).

    ``project`` is the engine-side project name; ``labels`` the course's labels for everything the
    project makes; ``free4``/``free6`` yield free subnets for networks that name none. Raises
    :class:`InvalidInput` for anything :data:`SERVICE_KEYS`/:data:`NETWORK_KEYS` do not allow.
    """
    _check_keys("the Compose file", config, TOP_KEYS, docker_command)
    services = config.get("services") or {}
    if not services:
        raise InvalidInput("The Compose file has no services: write at least one under services:.")
    names = set(services)
    out: dict[str, Any] = {"name": project, "services": {}, "networks": {}}
    used_networks: set[str] = set()
    for name, spec in services.items():
        out["services"][name] = _service(
            name, dict(spec or {}), labels=labels, publish_ip=publish_ip, image_tag=image_tag,
            project_services=names, docker_command=docker_command,
        )
        used_networks.update((spec or {}).get("networks") or {})
    declared = dict(config.get("networks") or {})
    for key in sorted(used_networks | set(declared)):
        out["networks"][key] = _network(
            key, declared.get(key), project=project, labels=labels, free4=free4, free6=free6,
            existing=existing or {}, docker_command=docker_command,
        )
    _pin_addresses(out["services"], out["networks"])
    return out


def _single(service: Mapping[str, Any]) -> bool:
    replicas = (service.get("deploy") or {}).get("replicas")
    return (replicas in (None, 1)) and service.get("scale") in (None, 1)


def _pin_addresses(services: dict[str, Any], networks: Mapping[str, Any]) -> None:
    """Give every single-copy service a fixed address on each of its networks, in service-name order.

    Compose starts a project's containers in parallel, so Docker would hand out addresses in whatever
    order they happened to start; fixed ones make a project's tables the same on every run. Addresses
    the file sets itself are kept, and a config with an ``ip_range`` is left to Docker.
    """
    for key, network in networks.items():
        for config in network["ipam"]["config"]:
            if config.get("ip_range"):
                continue
            subnet = ipaddress.ip_network(config["subnet"], strict=False)
            field = "ipv4_address" if subnet.version == 4 else "ipv6_address"
            attached = [name for name in sorted(services) if key in (services[name].get("networks") or {})]
            taken = {ipaddress.ip_address(config["gateway"]) if config.get("gateway") else next(subnet.hosts())}
            taken |= {
                ipaddress.ip_address(services[n]["networks"][key][field])
                for n in attached
                if isinstance(services[n]["networks"][key], dict) and services[n]["networks"][key].get(field)
            }
            free = (host for host in subnet.hosts() if host not in taken)
            for name in attached:
                entry = dict(services[name]["networks"][key] or {})
                if entry.get(field) or not _single(services[name]):
                    continue
                entry[field] = str(next(free))
                services[name]["networks"][key] = entry
