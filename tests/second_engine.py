"""A second, real Docker engine for tests that must stop an engine or reach one over TCP.

It runs in a network namespace the test creates (its own bridges, routes and iptables, so it never
disturbs the main engine), with its own data and exec roots. Over TCP it listens on the namespace's
end of a veth pair (172.22.N.2/30, N picked per engine), which the host reaches as a test host of its own.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import docker

TCP_PORT = 2375


class SecondEngine:
    def __init__(self, *, tcp: bool = False) -> None:
        self.tcp = tcp
        self.netns = f"dnbtest-{secrets.token_hex(3)}"
        # Short paths: containerd's sockets live under exec-root and unix socket paths are limited.
        self.root = Path(tempfile.mkdtemp(prefix="dnbe-", dir="/tmp"))
        self.socket = self.root / "docker.sock"
        self.process: subprocess.Popen | None = None
        self.veth = f"dnbv{secrets.token_hex(2)}"
        block = secrets.randbelow(250)
        self.host_side, self.engine_side = f"172.22.{block}.1", f"172.22.{block}.2"

    @property
    def docker_host(self) -> str:
        return f"tcp://{self.engine_side}:{TCP_PORT}" if self.tcp else f"unix://{self.socket}"

    def client(self, timeout: int = 10) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.docker_host, timeout=timeout)

    def __enter__(self) -> SecondEngine:
        subprocess.run(["ip", "netns", "add", self.netns], check=True)
        subprocess.run(["ip", "-n", self.netns, "link", "set", "lo", "up"], check=True)
        if self.tcp:
            peer = self.veth + "n"
            for command in (
                ["ip", "link", "add", self.veth, "type", "veth", "peer", "name", peer],
                ["ip", "link", "set", peer, "netns", self.netns],
                ["ip", "addr", "add", f"{self.host_side}/30", "dev", self.veth],
                ["ip", "link", "set", self.veth, "up"],
                ["ip", "-n", self.netns, "addr", "add", f"{self.engine_side}/30", "dev", peer],
                ["ip", "-n", self.netns, "link", "set", peer, "up"],
            ):
                subprocess.run(command, check=True)
        self.start()
        return self

    def start(self, timeout: float = 60) -> None:
        hosts = ["-H", f"unix://{self.socket}"]
        if self.tcp:
            hosts += ["-H", f"tcp://{self.engine_side}:{TCP_PORT}", "--tls=false"]
        log = open(self.root / "dockerd.log", "ab")  # noqa: SIM115 - dockerd writes to it for its whole life
        # nsenter --net only: `ip netns exec` would also remount /sys and hide the cgroup mounts.
        self.process = subprocess.Popen(
            [
                "nsenter",
                f"--net=/run/netns/{self.netns}",
                "dockerd",
                "--data-root",
                str(self.root / "data"),
                "--exec-root",
                str(self.root / "exec"),
                "--pidfile",
                str(self.root / "docker.pid"),
                *hosts,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.client(timeout=2).ping():
                    return
            except Exception:
                time.sleep(0.3)
        raise RuntimeError(f"the second dockerd did not answer in {timeout} s; see {self.root / 'dockerd.log'}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def load_images(self, *tags: str) -> None:
        """Copy images from the main engine (docker save | docker load), no registry involved."""
        main = docker.from_env(timeout=300)
        target = self.client(timeout=300)
        for tag in tags:
            data = b"".join(main.images.get(tag).save(named=True))
            target.images.load(data)

    def __exit__(self, *exc) -> None:
        try:
            client = self.client(timeout=10)
            for container in client.containers.list(all=True):
                container.remove(force=True)
        except Exception:
            pass
        self.stop()
        subprocess.run(["ip", "netns", "del", self.netns], check=False)
        if self.tcp:
            subprocess.run(["ip", "link", "del", self.veth], check=False, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.root, ignore_errors=True)
