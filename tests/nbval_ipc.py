"""A pytest plugin for notebook runs in parallel: nbval's kernels talk over IPC sockets, not TCP ports.

Kernels that several xdist workers start at the same moment can pick the same free TCP port; the one
that loses dies before it answers ("Kernel died before replying to kernel_info"). IPC sockets are
files, here in a folder of this process's own with a name per kernel, so they cannot collide. Load it with
``-p tests.nbval_ipc`` (the repository must be on PYTHONPATH).
"""

from __future__ import annotations

import os
import tempfile
import uuid

import nbval.kernel
from jupyter_client.manager import KernelManager

_SOCKETS = tempfile.mkdtemp(prefix="nbval-ipc-")  # one folder per process; a name per kernel inside it


class IpcKernelManager(KernelManager):
    def __init__(self, **options):
        options.setdefault("transport", "ipc")
        options.setdefault("ip", os.path.join(_SOCKETS, f"kernel-{uuid.uuid4().hex[:12]}"))
        super().__init__(**options)


nbval.kernel.KernelManager = IpcKernelManager
