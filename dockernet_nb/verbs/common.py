"""What several verb modules share: names of handles, a container's addresses, failed helper commands, rule words."""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Sequence

from dockernet_nb.engine.objects import container_handle, find_container, remove_container
from dockernet_nb.errors import InvalidInput
from dockernet_nb.records import CommandResult, ContainerHandle, NetworkHandle

__all__ = [
    "Container",
    "Net",
    "Command",
    "name_of",
    "net_name_of",
    "checked",
    "addresses_of",
    "argv_of",
    "shown_command",
    "checked_timeout",
    "remove_quietly",
    "check_ipv4",
    "rule_words",
]

Container = str | ContainerHandle
Net = str | NetworkHandle
Command = str | Sequence[str] | None


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


def argv_of(command: Command) -> list[str] | None:
    """A command given as a string (split like a shell) or a list of words -> the list of words."""
    if command is None:
        return None
    if isinstance(command, str):
        try:
            return shlex.split(command)
        except ValueError as e:
            raise InvalidInput(f"Could not split the command {command!r} into words ({e}); check its quotes.") from e
    if not isinstance(command, Sequence) or not all(isinstance(word, str) for word in command):
        raise InvalidInput(f"A command list must hold only strings, got {command!r}.")
    return list(command)


def shown_command(argv: list[str] | None, image: str = "") -> str:
    return shlex.join(argv) if argv else f"({image} default command)"


def checked_timeout(timeout: object) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise InvalidInput(f"timeout must be a positive number of seconds, like timeout=30; got {timeout!r}.")
    return float(timeout)


def remove_quietly(docker_name: str) -> None:
    """Remove a course container if it exists (a run that failed or was interrupted half-way)."""
    remove_container(docker_name)


def check_ipv4(ip: str) -> None:
    try:
        ipaddress.IPv4Address(ip)
    except ValueError as e:
        raise InvalidInput(f"ip {ip!r} is not an IPv4 address; write it like '172.30.5.10'.") from e


def rule_words(rule: str, form: str) -> tuple[list[str], list[str], list[str]]:
    """An iptables rule ``-A CHAIN ...`` / ``-I CHAIN [n] ...`` -> (its words, ``[n]`` or ``[]``, the words after both).

    ``form`` completes "Write the rule as iptables would..." in the error for a rule of another form.
    """
    try:
        words = shlex.split(rule)
    except ValueError as e:
        raise InvalidInput(f"Could not split the rule {rule!r} into words ({e}); check its quotes.") from None
    if len(words) < 3 or words[0] not in ("-A", "-I"):
        raise InvalidInput(f"Write the rule as iptables would{form}; got {rule!r}.")
    rest = words[2:]
    if words[0] == "-I" and rest and rest[0].isdigit():
        return words, [rest[0]], rest[1:]
    return words, [], rest
