"""Small look-ups for code a learner types: a container's address on a network, a network's subnet and gateway.

``dnb.exec("bob", ["ip", "route", "add", dnb.subnet_of("lan1"), "via", dnb.address_of("router", "lan2")])``
reads better than digging through tables, and stays right whatever subnets this run got.
"""

from __future__ import annotations

from dockernet_nb.engine.objects import find_network, ipam_of
from dockernet_nb.errors import InvalidInput
from dockernet_nb.replay import recordable
from dockernet_nb.verbs.common import Container, Net, addresses_of, name_of, net_name_of

__all__ = ["address_of", "subnet_of", "gateway_of"]


@recordable
def address_of(container: Container, net: Net) -> str:
    """The IPv4 address ``container`` has on ``net`` (``docker inspect -f '{{...IPAddress}}'``)."""
    address = addresses_of(container).get(net_name_of(net))
    if not address:
        raise InvalidInput(f"{name_of(container)} has no address on {net_name_of(net)}; dnb.containers() shows its networks.")
    return address


def _ipv4(net: Net, which: str) -> str:
    """A network's IPv4 ``which`` ("subnet" or "gateway"), from its IPAM configuration."""
    subnet, gateway = ipam_of(find_network(net).attrs)
    value = {"subnet": subnet, "gateway": gateway}[which]
    if value is None:
        raise InvalidInput(f"{net_name_of(net)} has no IPv4 {which}.")
    return value


@recordable
def subnet_of(net: Net) -> str:
    """The IPv4 subnet of a course network (or a built-in one), like '172.24.3.0/24'."""
    return _ipv4(net, "subnet")


@recordable
def gateway_of(net: Net) -> str:
    """The gateway address of a network: the host's own address on it."""
    return _ipv4(net, "gateway")
