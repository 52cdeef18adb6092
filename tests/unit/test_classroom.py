"""The classroom's pure parts, with no engine and no hub: certificates, passwords, the progress rows,
settings checks, the hub's configuration and the command line."""

from __future__ import annotations

import argparse
import ipaddress
import json
import stat
from pathlib import Path

import pytest

from dockernet_nb.classroom.settings import ClassSettings
from dockernet_nb.engine.spawn.tls import make_engine_tls
from dockernet_nb.errors import InvalidInput


def settings(tmp_path: Path, **more: object) -> ClassSettings:
    values: dict = {"class_id": "c1", "root": str(tmp_path), "learners": ["ana", "ben"], "instructors": ["ida"]}
    values.update(more)
    return ClassSettings(**values)


def test_each_engine_has_its_own_authority_and_one_client(tmp_path: Path) -> None:
    from cryptography import x509

    a = make_engine_tls(tmp_path / "a", hosts=["172.16.220.10", "127.0.0.1", "localhost"])
    b = make_engine_tls(tmp_path / "b", hosts=["172.16.220.11", "127.0.0.1"])
    assert a.exists() and b.exists()
    assert sorted(p.name for p in a.folder.rglob("*") if p.is_file()) == sorted(
        ["ca.pem", "server-cert.pem", "server-key.pem", "ca.pem", "cert.pem", "key.pem"]
    )  # no authority key anywhere: no further certificate for this engine can be made
    load = lambda path: x509.load_pem_x509_certificate(path.read_bytes())  # noqa: E731
    ca_a, ca_b = load(a.client_dir / "ca.pem"), load(b.client_dir / "ca.pem")
    load(a.client_dir / "cert.pem").verify_directly_issued_by(ca_a)
    with pytest.raises(Exception):
        load(a.client_dir / "cert.pem").verify_directly_issued_by(ca_b)
    names = load(a.server_dir / "server-cert.pem").extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("172.16.220.10") in names.get_values_for_type(x509.IPAddress)
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    for key in (a.client_dir / "key.pem", a.server_dir / "server-key.pem"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o400


def test_one_password_per_person(tmp_path: Path) -> None:
    pytest.importorskip("jupyterhub")
    from dockernet_nb.classroom.auth import check_password, make_passwords

    path = tmp_path / "passwords.json"
    plain = make_passwords(path, ["ana", "ben"])
    assert plain["ana"] != plain["ben"]
    assert check_password(path, "ana", plain["ana"])
    assert not check_password(path, "ben", plain["ana"])  # no learner logs in as another
    assert not check_password(path, "ana", "")
    assert plain["ana"] not in path.read_text()  # hashes only
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_progress_rows_come_from_each_learners_own_file(tmp_path: Path) -> None:
    from dockernet_nb.classroom.progress import class_progress

    s = settings(tmp_path)
    record = {"version": 1, "lessons": {"bridge": {"started": "x", "exercises": {
        "redis-address": {"attempts": 2, "hints": 1, "first_attempt": "t1", "passed": "t2"}}}}}
    s.progress_file("ana").parent.mkdir(parents=True)
    s.progress_file("ana").write_text(json.dumps(record))
    columns, rows = class_progress(s, ["ana", "ben"])
    bridge = [c for c in columns if c[1] == "bridge"]
    assert bridge and "redis-address" in bridge[0][3]
    ana = next(lesson for lesson in rows[0]["lessons"] if lesson["lesson"] == "bridge")
    assert next(e for e in ana["exercises"] if e["exercise"] == "redis-address") == {
        "exercise": "redis-address", "passed": True, "attempts": 2, "hints": 1}
    assert rows[1]["passed"] == 0 and rows[1]["learner"] == "ben"
    _, only_ben = class_progress(s, ["ben"])
    assert [row["learner"] for row in only_ben] == ["ben"]


@pytest.mark.parametrize(
    ("change", "message"),
    [({"proxy_ip": "0.0.0.0"}, "every interface"), ({"class_id": "Bad Name"}, "class id"),
     ({"learners": ["Ana!"]}, "learner name"), ({"instructors": ["ana"]}, "both learner and instructor")],
)
def test_settings_refuse_what_would_open_or_confuse_a_class(tmp_path: Path, change: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        settings(tmp_path, **change).validate()


def test_the_hub_listens_on_loopback_and_the_class_network_only(tmp_path: Path) -> None:
    pytest.importorskip("dockerspawner")
    from traitlets.config import Config

    from dockernet_nb.classroom.hubconfig import configure

    s = settings(tmp_path, hub_ip="172.16.220.1", network="dockernet-nb-class-c1-net", admin_token="t" * 64)
    c = Config()
    configure(c, s, start_pool=False)
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.hub_ip == "172.16.220.1"
    assert c.ConfigurableHTTPProxy.api_url.startswith("http://127.0.0.1:")
    assert c.JupyterHub.spawner_class.endswith("ClassroomSpawner")
    assert c.Authenticator.admin_users == {"ida"} and c.Authenticator.allowed_users == {"ana", "ben"}
    assert [svc["url"] for svc in c.JupyterHub.services if "url" in svc] == [f"http://127.0.0.1:{s.progress_port}"]
    learner_role = next(role for role in c.JupyterHub.load_roles if role["name"] == "learner")
    assert learner_role["scopes"] == ["self", "access:services!service=progress"]


def test_the_command_adds_classroom_with_its_steps() -> None:
    from dockernet_nb.classroom.command import add

    parser = argparse.ArgumentParser()
    add(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["classroom", "start", "--learners", "ana,ben", "--instructors", "ida", "--pool", "3"])
    assert args.classroom_command == "start" and args.pool == 3 and args.ip == "127.0.0.1" and callable(args.func)
    assert parser.parse_args(["classroom", "clean", "--keep-homes"]).keep_homes is True
