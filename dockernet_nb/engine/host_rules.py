"""The course's own rules in the engine host's firewall: add them tagged, list them, sweep them.

The firewall lesson changes the host's iptables (``DOCKER-USER``, ``INPUT``). It does so only through
a one-off helper container on the host's network stack with ``NET_ADMIN`` (started here, never through
``run()``'s options, which refuse that combination), and every rule it adds carries a comment::

    -m comment --comment "dockernet-nb session=3f2a9c1b lesson=firewall owner=<boot>/<pidns>:<pid>:<start>"

so the rules of a session, of kernels that died, or of every session can be found and removed again,
and nothing else ever is: :func:`course_host_rules` lists them from ``iptables-save``,
:func:`remove_host_rules` deletes exactly those lines (``iptables -D`` with the rule as saved),
:func:`sweep_host_rules` does both. ``dnb.cleanup()`` and ``dockernet-nb clean`` call the sweep.

The helper uses the iptables backend that holds Docker's chains (``iptables-legacy`` on hosts whose
Docker still writes legacy tables, else the nf_tables one). Only the IPv4 filter and nat tables are
searched: the course adds no other rules.
"""

from __future__ import annotations

import re
import secrets
import shlex
from typing import Any

import pandas as pd

from dockernet_nb.engine import commands, images, labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.errors import CommandTimeout, ContainerNotFound, EngineError, NotFound
from dockernet_nb.parsers import iptables
from dockernet_nb.records import CommandResult

__all__ = [
    "TAG",
    "comment_for",
    "run_on_host",
    "read_host_rules",
    "course_host_rules",
    "remove_host_rules",
    "sweep_host_rules",
    "HOST_RULE_COLUMNS",
    "added_this_session",
]

TAG = "dockernet-nb"
TABLES = ("filter", "nat")
HOST_RULE_COLUMNS = ["table", "chain", "target", "session", "lesson", "owner_alive", "rule"]
_COMMENT = re.compile(r"\bdockernet-nb session=(?P<session>[0-9a-f]+) lesson=(?P<lesson>[^\s\"']+) owner=(?P<owner>[^\s\"']+)")
# Picks the iptables that holds Docker's chains: legacy where Docker writes legacy tables, else nf_tables.
_BACKEND = (
    'IPT=iptables; SAVE=iptables-save; '
    'if iptables-legacy-save -t filter 2>/dev/null | grep -q "^:DOCKER"; then IPT=iptables-legacy; SAVE=iptables-legacy-save; fi; '
)
_state = {"added": False}


def comment_for(session: str | None = None, lesson: str | None = None, owner: str | None = None) -> str:
    """The comment every host rule of this session carries."""
    return f"{TAG} session={session or labels.session_id()} lesson={lesson or labels.lesson()} owner={owner or labels.owner()}"


def added_this_session() -> bool:
    """True once this process has added a rule to the host (its cleanup then sweeps the host)."""
    return _state["added"]


def note_added() -> None:
    _state["added"] = True


def run_on_host(script: str, *, what: str, timeout: float = 60) -> CommandResult:
    """Run a shell ``script`` (``$IPT``/``$SAVE`` name the right iptables) in the host's network stack.

    A one-off, labelled debian container with ``--network host``, every capability dropped but
    ``NET_ADMIN`` and ``NET_RAW``: it can change the host's firewall and nothing else.
    """
    import requests.exceptions

    short = f"host-rules-{secrets.token_hex(3)}"
    docker_name = labels.docker_name(short)
    argv = ["sh", "-c", _BACKEND + script]
    options: dict[str, Any] = {
        "name": docker_name,
        "labels": labels.labels_for(short),
        "network_mode": "host",
        "cap_drop": ["ALL"],
        "cap_add": ["NET_ADMIN", "NET_RAW"],
        "detach": True,
    }
    try:
        with engine_errors(f"starting the host helper to {what}"):
            container = client().containers.create(images.resolve("debian"), argv, **options)
            container.start()
        try:
            status = container.wait(timeout=timeout)
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError) as e:
            raise CommandTimeout(f"The host helper did not finish ({what}) within {timeout:g} s.") from e
        with engine_errors(f"reading what the host helper printed ({what})"):
            stdout = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
            stderr = container.logs(stdout=False, stderr=True).decode("utf-8", "replace")
        return CommandResult(command=script, exit_code=int(status.get("StatusCode", -1)), stdout=stdout, stderr=stderr)
    finally:
        try:
            with engine_errors(f"removing {docker_name}", missing=ContainerNotFound, what=docker_name):
                client().api.remove_container(docker_name, force=True)
        except NotFound:
            pass


def helper_command(iptables_words: list[str]) -> str:
    """The docker command a learner would type for one iptables command on the host."""
    return commands.join(
        "docker", "run", "--rm", "--network", "host", "--cap-drop", "ALL", "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW",
        images.resolve("debian"), *iptables_words,
    )


def read_host_rules(tables: tuple[str, ...] = TABLES) -> pd.DataFrame:
    """Every rule of ``tables`` in the host's iptables (one helper run), parsed; ``attrs["raw"]`` is the text."""
    script = "; ".join(f"$SAVE -t {shlex.quote(t)}" for t in tables)
    result = run_on_host(script, what="read the host's iptables")
    if not result.ok:
        raise EngineError(f"Reading the host's iptables failed: {result.output.strip()[-300:]}")
    frame = iptables.parse(result.stdout)
    frame.attrs["raw"] = result.stdout
    return frame


def course_host_rules(scope: str = "all", *, rules: pd.DataFrame | None = None) -> pd.DataFrame:
    """The host rules the course added: ``scope`` "session" (this kernel's), "stale" (kernels that died), "all".

    Rules are told apart only by the course's comment; a rule without it is never listed.
    """
    if scope not in ("session", "stale", "all"):
        raise ValueError(f"scope must be session, stale or all, got {scope!r}")
    found = read_host_rules() if rules is None else rules
    rows = []
    for row in found.itertuples():
        match = _COMMENT.search(str(row.rule))
        if match is None:
            continue
        mine = match["session"] == labels.session_id()
        alive = labels.owner_alive({labels.OWNER: match["owner"]})
        if scope == "session" and not mine:
            continue
        if scope == "stale" and (alive or mine):
            continue
        rows.append(
            {"table": row.table, "chain": row.chain, "target": row.target, "session": match["session"],
             "lesson": match["lesson"], "owner_alive": alive, "rule": row.rule}
        )
    frame = pd.DataFrame(rows, columns=HOST_RULE_COLUMNS)
    frame.attrs["raw"] = found.attrs.get("raw", "")
    return frame


def delete_words(saved_rule: str) -> list[str]:
    """``-A CHAIN spec...`` as iptables-save prints it -> ``-D CHAIN spec...``, the command that deletes it."""
    words = shlex.split(saved_rule)
    if len(words) < 2 or words[0] != "-A":
        raise ValueError(f"not a saved rule: {saved_rule!r}")
    return ["-D", *words[1:]]


def remove_host_rules(rules: pd.DataFrame) -> int:
    """Delete exactly the listed course rules (each carries the course comment); how many went."""
    lines = []
    for row in rules.itertuples():
        if _COMMENT.search(str(row.rule)) is None:
            continue  # never a rule the course did not tag
        words = delete_words(str(row.rule))
        lines.append("$IPT -t " + shlex.quote(str(row.table)) + " " + shlex.join(words) + " 2>/dev/null || true")
        commands.note(helper_command(["iptables", "-t", str(row.table), *words]))
    if not lines:
        return 0
    result = run_on_host("; ".join(lines), what="remove the course's rules from the host")
    if not result.ok:
        raise EngineError(f"Removing the course's host rules failed: {result.output.strip()[-300:]}")
    return len(lines)


def sweep_host_rules(scope: str = "stale", *, dry_run: bool = False) -> pd.DataFrame:
    """List the course's host rules in ``scope`` and (unless ``dry_run``) remove them; returns what was found.

    ``dockernet-nb clean`` calls this with "stale" (``--all``: "all"); ``dnb.cleanup()`` with
    "session" and "stale" when this kernel changed the host.
    """
    found = course_host_rules(scope)
    if not dry_run:
        remove_host_rules(found)
    return found
