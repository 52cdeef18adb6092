"""A lesson's verbs through DOCKER_HOST=ssh://..., the way a learner reaches an engine on another host.

The "other host" is an sshd this test starts on 127.0.0.1 with keys of its own (in a throw-away HOME,
so the tester's ~/.ssh is never read or written); the Docker SDK tunnels the API through it with
`docker system dial-stdio`, as it would to any remote machine.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

import dockernet_nb as dnb
from dockernet_nb import replay
from dockernet_nb.engine import connection as engine
from dockernet_nb.engine import labels


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def ssh_engine(monkeypatch):
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not Path(sshd).exists():
        pytest.fail("sshd is missing: apt-get install openssh-server (./course test installs it).")
    root = Path(tempfile.mkdtemp(prefix="dnbssh-", dir="/tmp"))
    port = _free_port()
    for name in ("hostkey", "clientkey"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / name)], check=True)
    (root / "authorized_keys").write_text((root / "clientkey.pub").read_text())
    (root / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {root / 'hostkey'}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
        f"PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
        f"PidFile {root / 'sshd.pid'}\n"
    )
    home = root / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "config").write_text(f"Host 127.0.0.1\n  User root\n  IdentityFile {root / 'clientkey'}\n")
    host_key = (root / "hostkey.pub").read_text().split()
    (home / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
    process = subprocess.Popen([sshd, "-D", "-e", "-f", str(root / "sshd_config")], stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.setenv("DOCKER_HOST", f"ssh://root@127.0.0.1:{port}")
        monkeypatch.delenv("DOCKERNET_NB_MODE", raising=False)
        engine.reset_client()
        replay.set_mode(None)
        lesson = labels.lesson()
        yield port
    finally:
        try:
            dnb.cleanup()
        finally:
            monkeypatch.undo()
            engine.reset_client()
            replay.set_mode(None)
            labels.set_lesson(lesson)
            process.terminate()
            process.wait(timeout=10)
            shutil.rmtree(root, ignore_errors=True)


def test_the_verbs_work_through_an_ssh_docker_host(ssh_engine):
    status = dnb.start_lesson("overssh")
    assert status.mode == "live" and status.where.startswith("ssh://root@127.0.0.1:")
    net = dnb.create_net("mynet")
    server = dnb.run("uptime", name="nc", net="mynet", ports=f"{_free_port()}:8000", detach=True)
    port = int(server.ports["8000/tcp"].rsplit(":", 1)[1])
    assert server.ports["8000/tcp"].startswith("127.0.0.1:")
    reply = ""
    for _ in range(50):  # the server needs a moment before it listens
        try:
            reply = dnb.tcp_request(port)
            break
        except dnb.ConnectionRefused:
            time.sleep(0.1)
    assert "load average" in reply
    assert dnb.exec("nc", "nc localhost 8000").stdout.count("load average") == 1
    frame = dnb.ping(None, "nc", image="busybox", net="mynet", count=1)
    assert list(frame.address) == [server.addresses["mynet"]]
    assert dnb.inspect_routes("nc").set_index("destination").loc["0.0.0.0", "gateway"] == net.gateway
    assert set(dnb.cleanup().name) == {"nc", "mynet"}
