"""``dnb.terminal(...)``: an interactive program in a notebook, one line at a time.

The worksheet types into interactive programs: ``docker run -it ... redis-cli -h redis``, ``docker exec
-it NAME sh``. A notebook cell cannot type into a program that waits for its keyboard, so a lesson offers
two ways to do the same:

- the real thing in a terminal: :attr:`Terminal.docker` is the exact interactive command, with the
  engine-side names, to paste into a JupyterLab terminal (File > New > Terminal);
- this console, for learners without a terminal (Binder, replay mode): a text box where each line runs
  as one command, ``PROGRAM LINE`` (for ``redis-cli -h redis``: ``redis-cli -h redis set foo bar``), in a
  running container (``docker exec``) or in a fresh one-off container of ``image`` on ``net``
  (``docker run --rm``), with what it printed shown below. Without a program each line runs in a shell,
  ``sh -c LINE``.

Each line goes through :func:`dnb.exec <dockernet_nb.verbs.containers.exec>` or :func:`dnb.run
<dockernet_nb.verbs.run.run>`, so it is recorded and replayed like any cell: replay mode answers
the lines the recorded lesson sent and, for any other line, says which those are. The widget's Enter
key and Send button call :meth:`Terminal.send`, so tests drive the same code without a browser. The
widget shows only in a JupyterLab session a learner watches; elsewhere (nbval, the recorder, a
notebook viewed as a file) the console shows as its text: the command to type and what a line runs.
"""

from __future__ import annotations

import dataclasses
import html
import json
import shlex
from typing import Any

from dockernet_nb import replay
from dockernet_nb.display.jupyter import in_jupyter_session
from dockernet_nb.engine import commands, images, labels
from dockernet_nb.engine.objects import find_container, network_docker_name
from dockernet_nb.errors import DockernetError, InvalidInput, NotRecorded
from dockernet_nb.records import CommandResult, ContainerHandle, DockerCommand, NetworkHandle
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs.common import argv_of, checked_timeout, name_of, net_name_of
from dockernet_nb.verbs.run import run

__all__ = ["terminal", "Terminal", "TerminalLine"]

OK_COLOUR = "#2e7d32"
ERROR_COLOUR = "#c62828"
# Lines that end a session in a real terminal; here there is no session to leave.
LEAVING = frozenset({"exit", "quit", "logout"})


def terminal(
    container: str | ContainerHandle | None = None,
    program: str | None = None,
    *,
    image: str | None = None,
    net: str | NetworkHandle | None = None,
    prompt: str | None = None,
    timeout: float = 30,
) -> Terminal:
    """A console for ``program`` in ``container`` (or in one-off containers of ``image`` on ``net``).

    Each line typed runs as ``program LINE`` (``sh -c LINE`` without a program); ``prompt`` is shown
    before each line in the transcript; ``timeout`` bounds each line in seconds. The console also
    shows the interactive docker command that does the same in a terminal. Example::

        >>> cli = dnb.terminal(None, "redis-cli -h redis", image="redis", net="mynet")   # doctest: +SKIP
        $ docker run --rm -it --network bridge-3f2a9c1b-mynet dockernet-nb/redis:1 redis-cli -h redis
        >>> cli.send("ping")                                                             # doctest: +SKIP
        $ docker run --rm --network bridge-3f2a9c1b-mynet dockernet-nb/redis:1 redis-cli -h redis ping   (exit code 0)
        PONG
    """
    return Terminal(container, program, image=image, net=net, prompt=prompt, timeout=timeout)


@dataclasses.dataclass(frozen=True)
class TerminalLine:
    """One line sent in a console: what was typed, what it ran, and what came back (or what went wrong)."""

    line: str
    result: CommandResult | None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.ok


@dataclasses.dataclass(frozen=True)
class _Controls:
    widget: Any
    box: Any
    send_button: Any
    status: Any
    output: Any


def _control(name: str) -> Any:
    """A Terminal attribute that is one of its widgets, building them all on first use."""
    return property(lambda console: getattr(console._built(), name))


class Terminal:
    """A console's state and actions; ``widget`` is what a JupyterLab session shows.

    After each :meth:`send`, ``message`` says what happened (plain text), ``ok`` whether the line ran
    and its command succeeded, and ``lines`` holds every line sent so far.
    """

    def __init__(
        self,
        container: str | ContainerHandle | None,
        program: str | None,
        *,
        image: str | None = None,
        net: str | NetworkHandle | None = None,
        prompt: str | None = None,
        timeout: float = 30,
    ) -> None:
        if container is not None and image is not None:
            raise InvalidInput("Give either a running container or image= (with net=) for one-off containers, not both.")
        if container is None and image is None:
            raise InvalidInput("Name a running container, or pass image= (and net=) for a one-off container per line.")
        if container is not None and net is not None:
            raise InvalidInput("net= is for one-off containers (with image=); a running container keeps its own networks.")
        if program is not None and not isinstance(program, str):
            raise InvalidInput(f"program must be a command as text, like 'redis-cli -h redis'; got {program!r}.")
        self.program = argv_of(program) if program and program.strip() else []
        self.container = container
        self.image = image
        self.net = net
        checked_timeout(timeout)
        self.timeout = timeout  # as given: a line's recorded call then matches the same dnb.run/dnb.exec cell
        self.prompt = prompt if prompt is not None else f"{self._target()}$ "
        self.lines: list[TerminalLine] = []
        self.message = ""
        self.ok = True
        self.docker = (self._interactive_command(),)
        self._controls: _Controls | None = None  # built on first use: ipywidgets is slow to import, and only a watched session shows them

    # --- what the console runs -----------------------------------------------------------------------

    def _target(self) -> str:
        if self.container is not None:
            return name_of(self.container)
        return f"{self.image}" + (f"@{net_name_of(self.net)}" if self.net is not None else "")

    def _interactive_command(self) -> DockerCommand:
        """The command a learner types in a terminal to do the same interactively (engine-side names)."""
        program = self.program or ["sh"]
        if self.container is not None:
            if replay.mode() == "replay":
                target = self.container.docker_name if isinstance(self.container, ContainerHandle) else labels.docker_name(str(self.container))
            else:
                shown = commands.join("docker", "exec", "-it", name_of(self.container), *program)
                target = find_container(self.container, docker_command=shown).name
            shown = commands.join("docker", "exec", "-it", target, *program)
            return DockerCommand(essential=shown, full=shown)
        words = ["docker", "run", "--rm", "-it"]
        if self.net is not None:
            words += ["--network", self._network_name()]
        words += [images.resolve(str(self.image)), *program]
        essential = commands.join(*words)
        return DockerCommand(essential=essential, full=essential)

    def _network_name(self) -> str:
        net = self.net
        if isinstance(net, NetworkHandle):
            return net.docker_name
        name = str(net)
        if name in labels.BUILTIN_NETWORKS:
            return name
        if replay.mode() == "replay":
            return labels.docker_name(name)
        return network_docker_name(name, docker_command=f"docker run --rm -it --network {name} ...")

    def command_for(self, line: str) -> list[str]:
        """The words one line runs: ``program`` followed by the line's words, or ``sh -c LINE``."""
        if not self.program:
            return ["sh", "-c", line]
        try:
            words = shlex.split(line)
        except ValueError as e:
            raise InvalidInput(f"Could not split {line!r} into words ({e}); check its quotes.") from e
        return [*self.program, *words]

    def send(self, line: str) -> CommandResult | None:
        """Run one line and show what it printed; the result (None when the line could not run)."""
        text = str(line).strip()
        if not text:
            self._say("Type a line first, e.g. " + ("ping" if self.program else "ip -4 addr") + ".", ok=False)
            return None
        if text.split()[0] in LEAVING:
            self._note(text, None, "Nothing to leave: each line runs on its own. In a terminal, this would end the session.")
            self._say(self.lines[-1].message, ok=True)
            return None
        try:
            result = self._run(text)
        except NotRecorded:
            recorded = self.recorded_lines()
            known = ", ".join(recorded) if recorded else "none"
            message = (
                f"Replay mode has no answer for {text!r}: no engine is used here, only what the recorded lesson sent "
                f"(lines: {known}). To type your own lines, run the course live with Docker."
            )
            self._note(text, None, message)
            self._say(message, ok=False)
            return None
        except DockernetError as e:
            self._note(text, None, f"{type(e).__name__}: {e}")
            self._say(self.lines[-1].message, ok=False)
            return None
        self._note(text, result, "")
        self._say(f"Ran `{shlex.join(self.command_for(text))}`: exit code {result.exit_code}.", ok=result.ok)
        return result

    def _run(self, line: str) -> CommandResult:
        command = self.command_for(line)
        if self.container is not None:
            return container_verbs.exec(self.container, command, timeout=self.timeout)
        return run(str(self.image), command, net=self.net, timeout=self.timeout)

    def recorded_lines(self) -> list[str]:
        """In replay mode, the lines the recording can answer for this console (in the order recorded)."""
        if replay.mode() != "replay":
            return []
        try:
            book = replay.current_book()
        except DockernetError:
            return []
        verb = "exec" if self.container is not None else "run"
        found: list[str] = []
        for call in book.data.get("calls", []):
            if call.get("verb") != verb:
                continue
            args = json.loads(call["key"])
            words = args.get("command") or []
            if not isinstance(words, list) or not self._same_target(args):
                continue
            line = self._line_of([str(w) for w in words])
            if line is not None and line not in found:
                found.append(line)
        return found

    def _same_target(self, args: dict[str, Any]) -> bool:
        if args.get("timeout") != self.timeout:
            return False
        if self.container is not None:
            return args.get("container") == name_of(self.container)
        net = None if self.net is None else net_name_of(self.net)
        return args.get("image") == self.image and args.get("net") == net

    def _line_of(self, words: list[str]) -> str | None:
        if not self.program:
            return words[2] if len(words) == 3 and words[:2] == ["sh", "-c"] else None
        n = len(self.program)
        return shlex.join(words[n:]) if words[:n] == self.program and len(words) > n else None

    # --- what the console shows ----------------------------------------------------------------------

    @property
    def transcript(self) -> str:
        """The session so far as a terminal would show it: prompt and line, then what it printed."""
        parts = []
        for sent in self.lines:
            parts.append(f"{self.prompt}{sent.line}")
            if sent.result is not None:
                parts.extend(text.rstrip("\n") for text in (sent.result.stdout, sent.result.stderr) if text.strip())
            if sent.message:
                parts.append(f"({sent.message})")
        return "\n".join(parts)

    def summary(self) -> str:
        runs = shlex.join(self.program) + " LINE" if self.program else "sh -c LINE"
        where = (
            f"in {name_of(self.container)} (docker exec)"
            if self.container is not None
            else f"in a one-off {self.image} container" + (f" on {net_name_of(self.net)}" if self.net is not None else "")
        )
        return "\n".join(
            [f"$ {self.docker[0].essential}", f"Console: each line you type runs as `{runs}` {where}; its output shows below."]
        )

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        lines = self.summary().split("\n", 1)
        return f"<div class='dnb-terminal'><code>{html.escape(lines[0])}</code><br>{html.escape(lines[1])}</div>"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        # The widget only in a session someone watches: stored in a notebook (the recorder, nbval) it
        # would be a dead box, and its text form reads better there.
        bundle = self.widget._repr_mimebundle_(**kwargs) if in_jupyter_session() else {"text/html": self._repr_html_()}
        bundle["text/plain"] = self.summary()
        return bundle

    # The console's widgets, each built on first use (a text box, a Send button, a status line and the
    # transcript, in one box): built late, they still show every line sent before.
    widget = _control("widget")
    box = _control("box")
    send_button = _control("send_button")
    status = _control("status")
    output = _control("output")

    def _built(self) -> _Controls:
        if self._controls is None:
            self._controls = self._build_controls()
            self._render()
            self._show_status()
        return self._controls

    def _build_controls(self) -> _Controls:
        import ipywidgets as widgets

        runs = shlex.join(self.program) + " &lt;line&gt;" if self.program else "sh -c &lt;line&gt;"
        header = (
            f"<b>Console</b>: each line runs as <code>{runs}</code>. The same, interactively, in a terminal "
            f"(File &gt; New &gt; Terminal):<br><code>$ {html.escape(self.docker[0].essential)}</code>"
        )
        box = widgets.Text(
            value="",
            placeholder="type a line and press Enter",
            continuous_update=False,
            layout=widgets.Layout(width="420px"),
        )
        send_button = widgets.Button(description="Send", button_style="primary", tooltip="run this line")
        status = widgets.HTML(value="")
        output = widgets.HTML(value="")
        box.observe(self._on_enter, names="value")
        send_button.on_click(lambda _button: self._submit(box.value))
        widget = widgets.VBox(
            [widgets.HTML(header), widgets.HBox([box, send_button]), status, output],
            layout=widgets.Layout(border="1px solid #cfd8dc", padding="6px"),
        )
        widget.add_class("dnb-terminal")
        return _Controls(widget, box, send_button, status, output)

    def _on_enter(self, change: dict[str, Any]) -> None:
        # continuous_update=False: the value arrives on Enter (or when the box loses focus).
        if change.get("new"):
            self._submit(change["new"])

    def _submit(self, line: str) -> None:
        if not str(line).strip():
            return
        self.box.unobserve(self._on_enter, names="value")
        self.box.value = ""  # cleared first: the Send button then finds nothing left to send twice
        self.box.observe(self._on_enter, names="value")
        self.send_button.disabled = True
        try:
            self.send(line)
        finally:
            self.send_button.disabled = False

    def _note(self, line: str, result: CommandResult | None, message: str) -> None:
        self.lines.append(TerminalLine(line, result, message))
        self._render()

    def _render(self) -> None:
        if self._controls is None or not self.lines:
            return
        rows = []
        for sent in self.lines:
            rows.append(f"<b>{html.escape(self.prompt + sent.line)}</b>")
            if sent.result is not None:
                if sent.result.docker:
                    rows.append(f"<span style='color:#78909c'>$ {html.escape(sent.result.docker[-1].essential)}</span>")
                if sent.result.stdout.strip():
                    rows.append(html.escape(sent.result.stdout.rstrip("\n")))
                if sent.result.stderr.strip():
                    rows.append(f"<span style='color:{ERROR_COLOUR}'>{html.escape(sent.result.stderr.rstrip())}</span>")
            if sent.message:
                rows.append(f"<i>{html.escape(sent.message)}</i>")
        body = "\n".join(rows)
        self._controls.output.value = f"<pre class='dnb-terminal-transcript' style='max-height:260px;overflow:auto'>{body}</pre>"

    def _say(self, text: str, *, ok: bool) -> None:
        self.message, self.ok = text, ok
        self._show_status()

    def _show_status(self) -> None:
        if self._controls is not None and self.message:
            colour = OK_COLOUR if self.ok else ERROR_COLOUR
            self._controls.status.value = (
                f"<div class='dnb-terminal-status' style='color:{colour}'>{html.escape(self.message)}</div>"
            )
