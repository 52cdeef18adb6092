"""The docker command behind a verb, and what a command printed: the first thing every result shows."""

from __future__ import annotations

import dataclasses
import html

__all__ = ["DockerCommand", "CommandResult", "command_lines", "commands_html"]

MAX_SHOWN_STEPS = 8


@dataclasses.dataclass(frozen=True)
class DockerCommand:
    """A docker command that does what a verb did: ``essential`` to type, ``full`` with every course option."""

    essential: str
    full: str

    def __str__(self) -> str:
        return self.essential


def command_lines(commands: tuple[DockerCommand, ...] | list[DockerCommand]) -> list[str]:
    """``$ docker ...`` lines for display; a verb of many steps shows the first ones and how many more."""
    lines = [f"$ {c.essential}" for c in commands[:MAX_SHOWN_STEPS]]
    if len(commands) > MAX_SHOWN_STEPS:
        lines.append(f"$ ... and {len(commands) - MAX_SHOWN_STEPS} more (all of them in .docker)")
    return lines


def commands_html(commands: tuple[DockerCommand, ...] | list[DockerCommand]) -> str:
    if not commands:
        return ""
    shown = "<br>".join(f"<code>{html.escape(line)}</code>" for line in command_lines(commands))
    full = "<br>".join(f"<code>$ {html.escape(c.full)}</code>" for c in commands)
    return (
        f'<div class="dnb-docker">{shown}'
        f"<details><summary>with every option the course adds</summary>{full}</details></div>"
    )


@dataclasses.dataclass(frozen=True, repr=False)
class CommandResult:
    """What a command printed and how it ended (like docker-py's ExecResult, but with text)."""

    command: str
    exit_code: int
    stdout: str
    stderr: str
    docker: tuple[DockerCommand, ...] = ()

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def output(self) -> str:
        """stdout and stderr together, stdout first."""
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return self.output

    def _first_line(self) -> str:
        shown = self.docker[-1].essential if len(self.docker) == 1 else self.command
        return f"$ {shown}   (exit code {self.exit_code})"

    def __repr__(self) -> str:
        parts = [*command_lines(self.docker[:-1])] if len(self.docker) > 1 else []
        parts.append(self._first_line())
        if self.stdout:
            parts.append(self.stdout.rstrip("\n"))
        if self.stderr:
            parts.append("stderr:\n" + self.stderr.rstrip("\n"))
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.ok else "#c62828"
        body = html.escape(self.stdout.rstrip("\n"))
        err = html.escape(self.stderr.rstrip("\n"))
        return (
            commands_html(self.docker)
            + f"<div><code>{html.escape(self.command)}</code> "
            + f"<span style='color:{colour}'>exit code {self.exit_code}</span>"
            + (f"<pre>{body}</pre>" if body else "")
            + (f"<pre style='color:#c62828'>{err}</pre>" if err else "")
            + "</div>"
        )
