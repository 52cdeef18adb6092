"""The lab console: a small ipywidgets panel to poke at this session's containers and networks.

Pick a container and a network, connect or disconnect them, run a command in the container, and
watch the topology picture follow. The buttons only call :class:`LabConsole` methods (``refresh``,
``connect``, ``disconnect``, ``run_command``), so tests drive the same code without a browser.
A course error (:class:`~dockernet_nb.errors.DockernetError`) becomes a message in the panel, never
a traceback.
"""

from __future__ import annotations

import base64
import html

from dockernet_nb.display.topology import draw_topology, figure_png
from dockernet_nb.errors import DockernetError, InvalidInput
from dockernet_nb.records import CommandResult, ContainerHandle, TopologySnapshot
from dockernet_nb.verbs import containers as container_verbs
from dockernet_nb.verbs.topology import read_snapshot

__all__ = ["lab_console", "LabConsole"]

DEFAULT_COMMAND = "ip -4 addr"
OK_COLOUR = "#2e7d32"
ERROR_COLOUR = "#c62828"


def lab_console(*, command: str = DEFAULT_COMMAND, timeout: float = 30) -> LabConsole:
    """A panel to connect, disconnect and run commands in this session's containers.

    ``command`` is the command box's starting text; ``timeout`` bounds each command in seconds.
    Example::

        >>> dnb.lab_console()        # doctest: +SKIP
        Lab console: containers alpha, beta; networks back, front, bridge
    """
    return LabConsole(command=command, timeout=timeout)


class LabConsole:
    """The console's state and actions; ``widget`` is what a notebook shows.

    After each action ``message`` holds what the panel says (plain text) and ``ok`` whether it worked.
    """

    def __init__(self, *, command: str = DEFAULT_COMMAND, timeout: float = 30) -> None:
        import ipywidgets as widgets

        self.timeout = timeout
        self.message = ""
        self.ok = True
        self.last_result: CommandResult | None = None
        self.snapshot = TopologySnapshot()

        wide = widgets.Layout(width="260px")
        self.container_picker = widgets.Dropdown(description="container", options=[], layout=wide)
        self.network_picker = widgets.Dropdown(description="network", options=[], layout=wide)
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh", tooltip="Read the engine again")
        self.connect_button = widgets.Button(
            description="Connect", button_style="success", tooltip="dnb.connect(container, network)"
        )
        self.disconnect_button = widgets.Button(
            description="Disconnect", button_style="warning", tooltip="dnb.disconnect(container, network)"
        )
        self.command_box = widgets.Text(
            value=command, description="command", placeholder=DEFAULT_COMMAND, layout=widgets.Layout(width="400px")
        )
        self.run_button = widgets.Button(description="Run", button_style="primary", tooltip="dnb.exec(container, command)")
        self.status = widgets.HTML(value="")
        self.command_output = widgets.Output(layout=widgets.Layout(max_height="260px", overflow="auto"))
        self.picture = widgets.Output()
        self._buttons = (self.refresh_button, self.connect_button, self.disconnect_button, self.run_button)

        self.refresh_button.on_click(lambda _button: self.refresh())
        self.connect_button.on_click(lambda _button: self.connect())
        self.disconnect_button.on_click(lambda _button: self.disconnect())
        self.run_button.on_click(lambda _button: self.run_command())

        self.widget = widgets.VBox(
            [
                widgets.HTML("<b>Lab console</b>: this kernel's containers and networks"),
                widgets.HBox([self.container_picker, self.network_picker, self.refresh_button]),
                widgets.HBox([self.connect_button, self.disconnect_button]),
                widgets.HBox([self.command_box, self.run_button]),
                self.status,
                self.command_output,
                self.picture,
            ],
            layout=widgets.Layout(border="1px solid #cfd8dc", padding="6px"),
        )
        self.widget.add_class("dnb-lab-console")
        self.refresh()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        # The widget's own text form holds model ids and the picture's bytes; a summary reads better
        # where widgets cannot render, and stays the same from one run to the next.
        bundle["text/plain"] = self.summary()
        return bundle

    def __repr__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        containers = ", ".join(self.container_picker.options) or "(none)"
        networks = ", ".join(self.network_picker.options) or "(none)"
        return f"Lab console: containers {containers}; networks {networks}"

    @property
    def container(self) -> str | None:
        return self.container_picker.value

    @property
    def network(self) -> str | None:
        return self.network_picker.value

    def refresh(self) -> TopologySnapshot | None:
        """Read the engine again: fill the pickers (keeping the selection when it still exists), redraw."""
        return self._attempt(self._refresh)

    def connect(self) -> ContainerHandle | None:
        """``dnb.connect`` the selected container to the selected network, then redraw."""
        return self._attempt(self._connect)

    def disconnect(self) -> ContainerHandle | None:
        """``dnb.disconnect`` the selected container from the selected network, then redraw."""
        return self._attempt(self._disconnect)

    def run_command(self, command: str | None = None) -> CommandResult | None:
        """Run ``command`` (default: the command box) in the selected container and show what it printed."""
        if command is not None:
            self.command_box.value = command
        return self._attempt(self._run)

    def _attempt(self, action):
        for button in self._buttons:
            button.disabled = True
        try:
            return action()
        except DockernetError as e:
            self._say(f"{type(e).__name__}: {e}", ok=False)
        except Exception as e:  # a bug, not the learner's doing: still a message, not a dead button
            self._say(f"Unexpected error (please report it to the course): {type(e).__name__}: {e}", ok=False)
        finally:
            for button in self._buttons:
                button.disabled = False
        return None

    def _say(self, text: str, *, ok: bool = True) -> None:
        self.message, self.ok = text, ok
        colour = OK_COLOUR if ok else ERROR_COLOUR
        body = html.escape(text).replace("\n", "<br>")
        self.status.value = f"<div class='dnb-console-status' style='color:{colour}'>{body}</div>"

    def _selection(self, verb: str) -> tuple[str, str]:
        if not self.container:
            raise InvalidInput(
                f"Pick a container to {verb} first. None running? Start one with "
                "dnb.run('busybox', 'sleep 3600', name='alpha', detach=True), then press Refresh."
            )
        if not self.network:
            raise InvalidInput(f"Pick a network to {verb} first; create one with dnb.create_net('mynet').")
        return self.container, self.network

    def _refresh(self) -> TopologySnapshot:
        self.snapshot = read_snapshot()
        containers = [c.name for c in self.snapshot.containers]
        networks = [n.name for n in self.snapshot.networks]
        if "bridge" not in networks:
            networks.append("bridge")  # Docker's default network: always there to connect to
        self._set_options(self.container_picker, containers)
        self._set_options(self.network_picker, networks)
        self._draw()
        self._say(
            f"Read the engine: {len(containers)} container(s) and {len(self.snapshot.networks)} network(s) in the picture."
        )
        return self.snapshot

    @staticmethod
    def _set_options(picker, names: list[str]) -> None:
        keep = picker.value
        picker.options = names
        picker.value = keep if keep in names else (names[0] if names else None)

    def _draw(self) -> None:
        fig = draw_topology(self.snapshot)
        png = base64.b64encode(figure_png(fig)).decode("ascii")
        text = f"<topology: {len(self.snapshot.containers)} container(s), {len(self.snapshot.networks)} network(s)>"
        self.picture.outputs = (
            {"output_type": "display_data", "data": {"image/png": png, "text/plain": text}, "metadata": {}},
        )

    def _after_change(self, text: str) -> None:
        self._refresh()
        self._say(text)

    def _connect(self) -> ContainerHandle:
        container, network = self._selection("connect")
        handle = container_verbs.connect(container, network)
        address = handle.addresses.get(network) or "no address"
        self._after_change(f"Connected {container} to {network}: its address there is {address}.")
        return handle

    def _disconnect(self) -> ContainerHandle:
        container, network = self._selection("disconnect")
        handle = container_verbs.disconnect(container, network)
        left = ", ".join(f"{net} {ip}" for net, ip in sorted(handle.addresses.items()) if ip) or "no network"
        self._after_change(f"Disconnected {container} from {network}; it is now on: {left}.")
        return handle

    def _run(self) -> CommandResult:
        if not self.container:
            raise InvalidInput(
                "Pick a container to run the command in. None running? Start one with "
                "dnb.run('busybox', 'sleep 3600', name='alpha', detach=True), then press Refresh."
            )
        command = self.command_box.value.strip()
        if not command:
            raise InvalidInput(f"Type a command to run in {self.container}, e.g. {DEFAULT_COMMAND}.")
        result = container_verbs.exec(self.container, command, timeout=self.timeout)
        self.last_result = result
        self.command_output.outputs = (
            {
                "output_type": "display_data",
                "data": {"text/plain": repr(result), "text/html": result._repr_html_()},
                "metadata": {},
            },
        )
        self._say(f"Ran `{result.command}` in {self.container}: exit code {result.exit_code}.", ok=result.ok)
        return result
