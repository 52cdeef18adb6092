"""What several verb modules share: names of handles, a container's addresses, failed helper commands."""

from __future__ import annotations

from dockernet_nb.engine.objects import container_handle, find_container
from dockernet_nb.errors import InvalidInput
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle

__all__ = ["Container", "Net", "name_of", "net_name_of", "checked", "addresses_of"]

Container = str | ContainerHandle
Net = str | NetworkHandle


def name_of(container: Container) -> str:
    """The learner-facing name of a container given by name or handle."""
    return container.name if isinstance(container, ContainerHandle) else str(container)


def net_name_of(net: Net) -> str:
    """The learner-facing name of a network given by name or handle."""
    return net.name if isinstance(net, NetworkHandle) else str(net)


def addresses_of(container: Container) -> dict[str, str]:
    """{network short name: IPv4 address} of one of this session's containers, asked of the engine now."""
    return container_handle(find_container(container)).addresses


def checked(result: CommandResult, what: str, container: Container) -> CommandResult:
    """Turn a failed helper command into an error that says what to fix."""
    if result.ok:
        return result
    text = result.output.strip()
    if "Permission denied" in text or "Operation not permitted" in text or "you must be root" in text:
        raise InvalidInput(
            f"{name_of(container)} may not {what}: start it with cap_add=['NET_ADMIN'] "
            f"(the kernel said: {text.splitlines()[-1] if text else 'permission denied'})."
        )
    raise InvalidInput(f"`{result.command}` in {name_of(container)} failed (exit code {result.exit_code}): {text[:300]}")
