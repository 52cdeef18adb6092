"""Running notebook cells in a learner's own server, through the Jupyter server's REST and websocket
API (what JupyterLab itself does): a session for the notebook's path, its kernel's channels over a
websocket, one ``execute_request`` per code cell, outputs gathered as nbformat outputs.

Used by the three-learner test and the benchmarks: the code runs in the learner's kernel, in their
container, against their engine, exactly as when they press Shift-Enter.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import time
import urllib.parse
import uuid
from typing import Any

from dockernet_nb.errors import DockernetError

__all__ = ["RemoteKernel", "CellError", "run_cells"]


class CellError(DockernetError):
    """A cell raised in the remote kernel (the message holds the cell and the kernel's traceback)."""


class RemoteKernel:
    """A kernel in a Jupyter server at ``server_url`` (``.../user/NAME/``), used with ``token``."""

    def __init__(self, server_url: str, token: str) -> None:
        self.server_url = server_url.rstrip("/") + "/"
        self.token = token
        self.session_id = ""
        self.kernel_id = ""
        self._ws: Any = None
        self._session = uuid.uuid4().hex

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    async def _request(self, method: str, path: str, body: Any = None) -> Any:
        from tornado.httpclient import AsyncHTTPClient, HTTPRequest

        request = HTTPRequest(
            self.server_url + path,
            method=method,
            headers={**self._headers(), "Content-Type": "application/json"},
            body=json.dumps(body) if body is not None else (None if method in ("GET", "DELETE") else ""),
            request_timeout=120,
        )
        answer = await AsyncHTTPClient().fetch(request, raise_error=False)
        if answer.code >= 400:
            raise DockernetError(f"{method} {self.server_url + path}: {answer.code} {answer.body[:300]!r}")
        return json.loads(answer.body) if answer.body else None

    async def start(self, path: str = "notebooks/untitled.ipynb", kernel: str = "python3") -> RemoteKernel:
        """Open a session for ``path`` (the kernel runs in that notebook's folder) and connect to its channels."""
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        session = await self._request("POST", "api/sessions", {"path": path, "type": "notebook", "name": "", "kernel": {"name": kernel}})
        self.session_id, self.kernel_id = session["id"], session["kernel"]["id"]
        parts = urllib.parse.urlsplit(self.server_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        url = urllib.parse.urlunsplit((scheme, parts.netloc, f"{parts.path}api/kernels/{self.kernel_id}/channels", f"session_id={self._session}", ""))
        self._ws = await websocket_connect(HTTPRequest(url, headers=self._headers()), max_message_size=256 * 1024 * 1024)
        await self.execute("None", timeout=120)  # the kernel answers: it runs
        return self

    def _message(self, code: str) -> dict[str, Any]:
        return {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": "execute_request",
                "username": "dockernet-nb",
                "session": self._session,
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
            "channel": "shell",
            "buffers": [],
        }

    async def execute(self, code: str, *, timeout: float = 600) -> list[dict[str, Any]]:
        """Run ``code``; its outputs as nbformat output dicts. Raises :class:`CellError` if it raised."""
        message = self._message(code)
        msg_id = message["header"]["msg_id"]
        await self._ws.write_message(json.dumps(message))
        outputs: list[dict[str, Any]] = []
        replied = idle = False
        error: dict[str, Any] | None = None
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            left = deadline - time.monotonic()
            if left <= 0:
                raise CellError(f"no answer in {timeout:.0f} s to:\n{code}")
            raw = await asyncio.wait_for(self._ws.read_message(), timeout=left)
            if raw is None:
                raise CellError(f"the kernel's connection closed while running:\n{code}")
            reply = json.loads(raw)
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if reply.get("channel") == "shell" and kind == "execute_reply":
                replied = True
                if content.get("status") == "error":
                    error = content
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "stream":
                outputs.append({"output_type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result"):
                output = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
                if kind == "execute_result":
                    output["execution_count"] = content.get("execution_count")
                outputs.append(output)
            elif kind == "error":
                outputs.append({"output_type": "error", "ename": content["ename"], "evalue": content["evalue"], "traceback": content["traceback"]})
                error = content
            elif kind == "clear_output":
                outputs.clear()
        if error is not None:
            trace = "\n".join(error.get("traceback") or [f"{error.get('ename')}: {error.get('evalue')}"])
            raise CellError(f"the cell raised {error.get('ename')}: {error.get('evalue')}\n--- cell ---\n{code}\n--- traceback ---\n{trace}")
        return outputs

    async def close(self) -> None:
        if self._ws is not None:
            self._ws.close()
            self._ws = None
        if self.session_id:
            try:
                await self._request("DELETE", f"api/sessions/{self.session_id}")
            except DockernetError:
                pass
            self.session_id = ""


async def run_cells(kernel: RemoteKernel, notebook: Any, *, timeout: float = 600) -> Any:
    """Run every code cell of ``notebook`` (nbformat) in ``kernel``, storing the outputs; returns it."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            import nbformat

            cell.outputs = [nbformat.from_dict(o) for o in await kernel.execute(cell.source, timeout=timeout)]
    return notebook
