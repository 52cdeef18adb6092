"""Three learners on one machine, each with their own server, kernel and engine, at the same time.

Through JupyterHub's REST API (the classroom command's service token starts servers and makes a token
for each learner) and each learner's own Jupyter server (sessions and kernel websockets, as
JupyterLab uses them): all three run lesson 01 live together, with every exercise's solution right
after its exercise cell, and every check says "Correct". Then one learner's code tries to reach
another's engine and published ports by address, and the host's engine; and stopping a server removes
that learner's engine with everything in it.
"""

from __future__ import annotations

import asyncio
import json
import re
import ssl
import time
from pathlib import Path
from typing import Any

import docker
import docker.errors
import nbformat
import pytest
import requests

from dockernet_nb.classroom.remote import RemoteKernel
from dockernet_nb.curriculum import solutions
from dockernet_nb.engine.spawn.tls import EngineTls
from dockernet_nb.recorder import with_solutions
from tests.classroom.conftest import INSTRUCTOR, LEARNERS

LESSON = Path(__file__).resolve().parents[2] / "notebooks" / "01-bridge-networks.ipynb"

# Lesson 01's answers, used only while the notebook carries no solution cells of its own.
FALLBACK = {
    "redis-address": 'answer = redis.addresses["mynet"]\nchecks.check_redis_address(answer)',
    "redis-greeting": 'answer = dnb.run("redis", "redis-cli -h redis set greeting hello", net="mynet")\nchecks.check_redis_greeting(answer)',
}


def lesson_with_answers() -> tuple[Any, list[int]]:
    """Lesson 01 with each exercise answered right after its cell (its own solutions, else FALLBACK)."""
    notebook = nbformat.read(str(LESSON), as_version=4)
    if solutions(json.loads(nbformat.writes(notebook))):
        return with_solutions(notebook)
    for index in reversed(range(len(notebook.cells))):
        cell = notebook.cells[index]
        found = re.search(r"checks\.check_(redis_address|redis_greeting)\(", "".join(cell.source)) if cell.cell_type == "code" else None
        if found:
            notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(FALLBACK[found.group(1).replace("_", "-")]))
    inserted = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.source in FALLBACK.values()]
    return notebook, inserted


def first_line(cell: Any) -> str:
    for output in cell.outputs:
        text = output.get("data", {}).get("text/plain", "") or output.get("text", "")
        if text:
            return str(text).splitlines()[0]
    return "(no output)"


async def run_lesson(hub: Any, name: str, token: str) -> tuple[Any, list[int], float]:
    notebook, inserted = lesson_with_answers()
    started = time.monotonic()
    kernel = await RemoteKernel(hub.server_url(name), token).start(f"notebooks/{LESSON.name}")
    try:
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs = [nbformat.from_dict(o) for o in await kernel.execute(cell.source, timeout=600)]
    finally:
        await kernel.close()
    return notebook, inserted, time.monotonic() - started


async def in_kernel(hub: Any, name: str, token: str, code: str) -> str:
    kernel = await RemoteKernel(hub.server_url(name), token).start("notebooks/probe.ipynb")
    try:
        outputs = await kernel.execute(code, timeout=120)
    finally:
        await kernel.close()
    return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")


def engine_of(hub: Any, name: str) -> dict[str, str]:
    """The learner's engine as the hub recorded it (name, container, address)."""
    return hub.learner_engines[name]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def learners(classroom: Any) -> dict[str, str]:
    """All three servers started at once, as a class logging in together; each learner's token."""
    hub = classroom
    started = time.monotonic()
    for name in LEARNERS:
        hub.spawn(name)
    for name in LEARNERS:
        hub.wait_ready(name)
    hub.spawn_seconds = time.monotonic() - started
    host = docker.from_env()
    hub.learner_engines = {}
    for name in LEARNERS:
        server = host.containers.get(f"{hub.settings.container_prefix}-{name}")
        engine_id = server.attrs["HostConfig"]["NetworkMode"].split(":", 1)[1]
        engine = host.containers.get(engine_id)
        hub.learner_engines[name] = {
            "name": engine.labels["dockernet-nb.engine"],
            "container": engine.name,
            "address": engine.attrs["NetworkSettings"]["Networks"][hub.settings.network]["IPAddress"],
            "server": server.name,
            "id": engine.id,
        }
    return {name: hub.token_for(name) for name in LEARNERS}


def test_three_learners_run_lesson_01_at_once_and_every_check_passes(classroom: Any, learners: dict[str, str]) -> None:
    hub = classroom

    async def all_three() -> list[tuple[Any, list[int], float]]:
        return await asyncio.gather(*(run_lesson(hub, name, learners[name]) for name in LEARNERS))

    results = asyncio.run(all_three())
    for name, (notebook, inserted, seconds) in zip(LEARNERS, results, strict=True):
        verdicts = [first_line(notebook.cells[i]) for i in inserted]
        assert inserted and all(v.startswith("Correct") for v in verdicts), (name, verdicts)
        print(f"{name}: lesson 01 with its answers in {seconds:.1f} s")
    # The instructor's page has it too (from each learner's own progress file).
    instructor = hub.api("POST", f"users/{INSTRUCTOR}/tokens", json={"note": "test"})["token"]
    page = requests.get(f"{hub.url}/services/progress/api/progress", headers={"Authorization": f"token {instructor}"}, timeout=30)
    assert page.status_code == 200, page.text[:300]
    rows = {row["learner"]: row for row in page.json()["learners"]}
    assert set(rows) == set(LEARNERS)
    for name in LEARNERS:
        bridge = next(lesson for lesson in rows[name]["lessons"] if lesson["lesson"] == "bridge")
        assert bridge["exercises"] and all(e["passed"] for e in bridge["exercises"]), (name, bridge)
        assert rows[name]["server"] == "ready"


def test_a_learner_sees_only_their_own_progress(classroom: Any, learners: dict[str, str]) -> None:
    hub = classroom
    mine = requests.get(f"{hub.url}/services/progress/api/progress", headers={"Authorization": f"token {learners['ana']}"}, timeout=30)
    assert mine.status_code == 200, mine.text[:300]
    assert [row["learner"] for row in mine.json()["learners"]] == ["ana"]
    assert mine.json()["instructor"] is False
    nobody = requests.get(f"{hub.url}/services/progress/api/progress", allow_redirects=False, timeout=30)
    assert nobody.status_code in (302, 403), nobody.status_code


def test_a_learner_cannot_reach_another_learners_engine_or_ports_or_the_hosts_engine(
    classroom: Any, learners: dict[str, str]
) -> None:
    hub = classroom
    ben = engine_of(hub, "ben")
    # ben starts a server in his engine, published on his loopback and on every interface of his namespace
    ben_code = (
        "import docker, socket, time\n"
        "c = docker.from_env()\n"
        "probe = c.containers.run('dockernet-nb/uptime:1', detach=True, name='ben-probe',\n"
        "    ports={'8000/tcp': [('127.0.0.1', 18080), ('0.0.0.0', 18081)]})\n"
        "for _ in range(50):\n"
        "    try:\n"
        "        s = socket.create_connection(('127.0.0.1', 18080), timeout=2); print('ben reaches his port:', s.recv(200).decode().strip()[:40]); s.close(); break\n"
        "    except OSError:\n"
        "        time.sleep(0.2)\n"
        "print('ben lists', sorted(x.name for x in c.containers.list(all=True)))\n"
    )
    said = asyncio.run(in_kernel(hub, "ben", learners["ben"], ben_code))
    assert "ben reaches his port:" in said and "ben-probe" in said, said

    ben_address, hub_ip = ben["address"], hub.settings.hub_ip
    ana_code = f"""
import docker, os, socket
c = docker.from_env()
print('ana lists', sorted(x.name for x in c.containers.list(all=True)))
def attempt(what, fn):
    try:
        fn(); print(what, 'REACHED')
    except Exception as err:
        print(what, 'refused:', type(err).__name__)
def connect(host, port):
    socket.create_connection((host, port), timeout=3).close()
tls = docker.tls.TLSConfig(client_cert=(os.path.expanduser('~/.docker/cert.pem'), os.path.expanduser('~/.docker/key.pem')),
                           ca_cert=os.path.expanduser('~/.docker/ca.pem'), verify=True)
attempt('ben engine tls', lambda: docker.DockerClient(base_url='tcp://{ben_address}:2376', tls=tls, timeout=4).ping())
attempt('ben engine plain', lambda: docker.DockerClient(base_url='tcp://{ben_address}:2375', timeout=4).ping())
attempt('ben port 18081', lambda: connect('{ben_address}', 18081))
attempt('ben server 8888', lambda: connect('{ben_address}', 8888))
attempt('own loopback 18080', lambda: connect('127.0.0.1', 18080))
attempt('host engine 2375', lambda: connect('{hub_ip}', 2375))
attempt('host engine 2376', lambda: connect('{hub_ip}', 2376))
print('docker socket', os.path.exists('/var/run/docker.sock'), os.path.exists('/run/docker.sock'))
print('uid', os.getuid())
"""
    said = asyncio.run(in_kernel(hub, "ana", learners["ana"], ana_code))
    assert "ben-probe" not in said.split("ana lists", 1)[1].splitlines()[0], said
    for what in ("ben engine tls", "ben engine plain", "ben port 18081", "ben server 8888", "own loopback 18080", "host engine 2375", "host engine 2376"):
        assert f"{what} refused:" in said, (what, said)
    assert "docker socket False False" in said and "uid 1000" in said, said

    # Were the network open, the certificates would still keep ana out: from the host (which does
    # reach ben's engine), ana's client certificate and no certificate are both turned away.
    ana_tls = EngineTls(hub.settings.engines_dir / engine_of(hub, "ana")["name"])
    ben_tls = EngineTls(hub.settings.engines_dir / ben["name"])
    assert ben_tls.client(f"tcp://{ben['address']}:2376", timeout=10).ping()
    context = ssl.create_default_context(cafile=str(ben_tls.client_dir / "ca.pem"))
    context.load_cert_chain(str(ana_tls.client_dir / "cert.pem"), str(ana_tls.client_dir / "key.pem"))
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        import socket

        with socket.create_connection((ben["address"], 2376), timeout=5) as raw, context.wrap_socket(raw, server_hostname=ben["address"]) as tls:
            tls.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            assert not tls.recv(100), "ben's engine answered ana's certificate"
    with pytest.raises(docker.errors.DockerException):
        docker.DockerClient(base_url=f"tcp://{ben['address']}:2376", timeout=5).ping()


def test_stopping_a_server_removes_that_learners_engine_and_everything_in_it(classroom: Any, learners: dict[str, str]) -> None:
    hub = classroom
    host = docker.from_env()
    ben, ana = engine_of(hub, "ben"), engine_of(hub, "ana")
    started = time.monotonic()
    hub.stop_server("ben")
    print(f"ben's server and engine removed in {time.monotonic() - started:.1f} s")
    for name in (ben["server"], ben["container"]):
        with pytest.raises(docker.errors.NotFound):
            host.containers.get(name)
    with pytest.raises(docker.errors.NotFound):
        host.volumes.get(f"{ben['container']}-data")
    assert not (hub.settings.engines_dir / ben["name"]).exists()
    assert not list(Path("/sys/fs/cgroup").glob(f"*/docker/{ben['id']}"))  # cgroup v1: its group, inner ones included
    assert host.containers.get(ana["server"]).status == "running"
    assert host.containers.get(ana["container"]).status == "running"
    assert hub.user("ben")["servers"] == {}
