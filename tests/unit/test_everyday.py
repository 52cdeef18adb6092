"""The everyday lessons' pure parts, no engine: the Compose policy, host-rule tags and checks, names, modes."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from dockernet_nb.engine import compose_cli, host_rules, labels
from dockernet_nb.engine.compose_policy import course_project
from dockernet_nb.engine.kind import EngineKind
from dockernet_nb.errors import InvalidInput
from dockernet_nb.parsers import compose_progress, getent
from dockernet_nb.verbs import engine_notes, host_firewall, modes, names

LABELS = {"dockernet-nb": "1", "dockernet-nb.session": "abcd1234", "dockernet-nb.lesson": "compose", "dockernet-nb.owner": "x/1:2:3"}


def _project(config: dict, **options) -> dict:
    free4 = (f"172.24.{n}.0/24" for n in itertools.count(10))
    free6 = (f"fdd0:d0c:4e42:{n}::/64" for n in itertools.count(1))
    defaults = dict(project="compose-abcd1234-shop", labels=LABELS, publish_ip="127.0.0.1", image_tag=lambda i: {"redis": "dockernet-nb/redis:1"}.get(i, i),
                    free4=free4, free6=free6, docker_command="docker compose up")
    return course_project(config, **{**defaults, **options})


SHOP = {
    "name": "compose-abcd1234-shop",
    "services": {
        "web": {"image": "dockernet-nb/uptime:1", "networks": {"front": None},
                "ports": [{"mode": "ingress", "target": 8000, "published": "8108", "protocol": "tcp"}]},
        "db": {"image": "redis", "networks": {"back": {"aliases": ["database"]}}, "expose": ["6379"]},
    },
    "networks": {"front": {"name": "compose-abcd1234-shop_front"}, "back": {"name": "compose-abcd1234-shop_back", "enable_ipv6": True}},
}


def test_the_course_writes_its_labels_dns_loopback_ports_images_and_subnets_into_a_project():
    out = _project(SHOP)
    web, db = out["services"]["web"], out["services"]["db"]
    for item in (web, db, *out["networks"].values()):
        assert LABELS.items() <= item["labels"].items()
    assert web["dns"] == ["127.0.0.1"] and web["dns_opt"] == ["ndots:1"]
    assert web["ports"][0]["host_ip"] == "127.0.0.1" and web["pull_policy"] == "never"
    assert db["image"] == "dockernet-nb/redis:1"
    assert db["networks"] == {"back": {"aliases": ["database"], "ipv4_address": "172.24.10.2", "ipv6_address": "fdd0:d0c:4e42:1::2"}}
    assert web["networks"] == {"front": {"ipv4_address": "172.24.11.2"}}
    # networks in name order: back takes the first free subnet, front the next
    assert [c["subnet"] for c in out["networks"]["back"]["ipam"]["config"]] == ["172.24.10.0/24", "fdd0:d0c:4e42:1::/64"]
    assert [c["subnet"] for c in out["networks"]["front"]["ipam"]["config"]] == ["172.24.11.0/24"]
    assert out["networks"]["back"]["name"] == "compose-abcd1234-shop_back"


def test_addresses_follow_service_names_and_leave_the_files_own_and_scaled_services_alone():
    config = {
        "services": {
            "b": {"image": "x", "networks": {"n": None}},
            "a": {"image": "x", "networks": {"n": {"ipv4_address": "172.24.9.2"}}},
            "c": {"image": "x", "networks": {"n": None}, "deploy": {"replicas": 2}},
            "d": {"image": "x", "networks": {"n": None}},
        },
        "networks": {"n": {"ipam": {"config": [{"subnet": "172.24.9.0/24"}]}}},
    }
    services = _project(config)["services"]
    assert [services[s]["networks"]["n"] for s in "abcd"] == [
        {"ipv4_address": "172.24.9.2"}, {"ipv4_address": "172.24.9.3"}, None, {"ipv4_address": "172.24.9.4"}
    ]


def test_a_network_the_project_made_before_keeps_its_subnets():
    before = {"compose-abcd1234-shop_front": ["172.24.3.0/24"]}
    out = _project(SHOP, existing=before)
    assert out["networks"]["front"]["ipam"]["config"] == [{"subnet": "172.24.3.0/24"}]


def test_a_service_that_shares_another_ones_network_stack_gets_no_dns_options():
    config = {"services": {"a": {"image": "x"}, "b": {"image": "x", "network_mode": "service:a"}}}
    b = _project(config)["services"]["b"]
    assert "dns" not in b and "dns_opt" not in b


REFUSED = [
    ("volumes", {"services": {"a": {"image": "x", "volumes": [{"type": "bind", "source": "/", "target": "/host"}]}}}, "host's files"),
    ("privileged", {"services": {"a": {"image": "x", "privileged": True}}}, "privileged"),
    ("container_name", {"services": {"a": {"image": "x", "container_name": "web"}}}, "session prefix"),
    ("build", {"services": {"a": {"image": "x", "build": {"context": "."}}}}, "build"),
    ("pid host", {"services": {"a": {"image": "x", "pid": "host"}}}, "process table"),
    ("capability", {"services": {"a": {"image": "x", "cap_add": ["SYS_MODULE"]}}}, "SYS_MODULE"),
    ("host mode and NET_ADMIN", {"services": {"a": {"image": "x", "network_mode": "host", "cap_add": ["NET_ADMIN"]}}}, "host's own routes"),
    ("another container's network", {"services": {"a": {"image": "x", "network_mode": "container:mine"}}}, "outside the project"),
    ("dns outside", {"services": {"a": {"image": "x", "dns": ["8.8.8.8"]}}}, "DNS servers on this machine"),
    ("external network", {"services": {"a": {"image": "x"}}, "networks": {"n": {"external": True}}}, "may be your own"),
    ("fixed network name", {"services": {"a": {"image": "x"}}, "networks": {"n": {"name": "mynet"}}}, "fixed name"),
    ("subnet outside", {"services": {"a": {"image": "x"}}, "networks": {"n": {"ipam": {"config": [{"subnet": "10.9.0.0/24"}]}}}}, "outside the course's ranges"),
    ("fd00::/64", {"services": {"a": {"image": "x"}}, "networks": {"n": {"ipam": {"config": [{"subnet": "fd00::/64"}]}}}}, "fd00::/64"),
    ("top-level volumes", {"services": {"a": {"image": "x"}}, "volumes": {"data": {}}}, "volumes"),
    ("no services", {"services": {}}, "no services"),
]


@pytest.mark.parametrize(("config", "phrase"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_what_a_course_project_may_not_ask_for_is_refused_with_the_reason(config, phrase):
    with pytest.raises(InvalidInput) as caught:
        _project(config)
    assert phrase in str(caught.value)


def _fake_compose(tmp_path: Path, printed: str) -> str:
    script = tmp_path / "docker-compose"
    script.write_text(f"#!/bin/sh\necho '{printed}'\n")
    script.chmod(0o755)
    return str(script)


def test_a_compose_v2_named_by_the_environment_is_used_and_v1_never(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(compose_cli, "cache_path", lambda: tmp_path / "nothing")
    monkeypatch.setattr(compose_cli, "_candidates", lambda: [((_fake_compose(tmp_path, "2.40.3"),), "env")])
    found = compose_cli.find_compose()
    assert found is not None and found.version == "2.40.3"
    v1 = tmp_path / "v1"
    v1.mkdir()
    monkeypatch.setattr(compose_cli, "_candidates", lambda: [((_fake_compose(v1, "1.29.2"),), "bookworm's package")])
    assert compose_cli.find_compose() is None
    assert "version 1" in compose_cli.how_to_get_compose()


def test_compose_progress_keeps_the_last_status_and_collects_errors():
    text = Path(__file__).resolve().parents[1].joinpath("fixtures/compose/docker-compose-progress-json--missing-image.txt").read_text()
    frame = compose_progress.parse(text)
    assert frame.loc[frame["kind"] == "Container", "status"].iloc[0].startswith("Error response from daemon: No such image")
    assert frame.attrs["errors"] == ["Error response from daemon: No such image: dnbfx-no-such-image:1"]


def test_getent_ahosts_keeps_each_address_once_in_order():
    text = "fd00:dbf:20::2 STREAM six\nfd00:dbf:20::2 DGRAM  \n172.29.21.2     STREAM \n172.29.21.2     RAW    \n"
    frame = getent.parse(text)
    assert frame[["address", "family", "names"]].astype(object).where(frame.notna(), None).values.tolist() == [
        ["fd00:dbf:20::2", 6, "six"], ["172.29.21.2", 4, None]
    ]
    assert frame.attrs["dialect"] == "ahosts"


# --- host rules -------------------------------------------------------------------------------------


def test_every_host_rule_names_its_session_lesson_and_owner_and_is_found_again(monkeypatch):
    monkeypatch.setattr(labels, "session_id", lambda: "abcd1234")
    comment = host_rules.comment_for(owner="b00t/4026531836:42:99")
    assert comment == "dockernet-nb session=abcd1234 lesson=" + labels.lesson() + " owner=b00t/4026531836:42:99"
    saved = pd.DataFrame(
        {
            "table": ["filter", "filter", "filter"],
            "chain": ["DOCKER-USER", "INPUT", "DOCKER-USER"],
            "target": ["ACCEPT", "REJECT", "RETURN"],
            "rule": [
                f'-A DOCKER-USER -s 172.24.1.2/32 -m comment --comment "{comment}" -j ACCEPT',
                '-A INPUT -p tcp -m comment --comment "dockernet-nb session=ffff0000 lesson=firewall owner=b00t/4026531836:999999999:1" -j REJECT',
                "-A DOCKER-USER -j RETURN",
            ],
        }
    )
    monkeypatch.setattr(labels, "owner_alive", lambda found: found[labels.OWNER].endswith(":42:99"))
    assert list(host_rules.course_host_rules("session", rules=saved)["chain"]) == ["DOCKER-USER"]
    stale = host_rules.course_host_rules("stale", rules=saved)
    assert list(stale["session"]) == ["ffff0000"] and not stale["owner_alive"].any()
    assert len(host_rules.course_host_rules("all", rules=saved)) == 2  # never Docker's own RETURN rule


def test_a_saved_rule_becomes_the_command_that_deletes_exactly_it():
    saved = '-A DOCKER-USER -s 172.24.1.2/32 -p tcp -m tcp --dport 8000 -m comment --comment "dockernet-nb session=abcd1234 lesson=x owner=o" -j ACCEPT'
    words = host_rules.delete_words(saved)
    assert words[:2] == ["-D", "DOCKER-USER"] and "dockernet-nb session=abcd1234 lesson=x owner=o" in words
    with pytest.raises(ValueError):
        host_rules.delete_words("-N DOCKER-USER")


@pytest.fixture
def session_scope(monkeypatch):
    import ipaddress

    scope = ([ipaddress.ip_network("172.24.1.0/24")], {"br-0123456789ab"}, {"8112"})
    monkeypatch.setattr(host_firewall, "_session_scope", lambda: scope)


@pytest.mark.parametrize(
    "rule",
    [
        "-I DOCKER-USER -s 172.24.1.2 -d 172.24.9.9 -p tcp --dport 8000 -j ACCEPT",
        "-A DOCKER-USER -i br-0123456789ab -j DROP",
        "-I INPUT 2 -p tcp --dport 8112 -j REJECT --reject-with tcp-reset",
    ],
)
def test_a_host_rule_about_this_sessions_own_things_gets_the_course_comment_before_its_target(session_scope, rule):
    add, spec = host_firewall._checked(rule)
    at = spec.index("--comment")
    assert spec[at + 1].startswith("dockernet-nb session=") and spec[at - 2:at] == ["-m", "comment"]
    assert spec[at + 2] == "-j"
    assert host_firewall._without_comment(add) == rule.split()


@pytest.mark.parametrize(
    ("rule", "phrase"),
    [
        ("-I DOCKER-USER -j DROP", "this session's own containers"),
        ("-I DOCKER-USER ! -s 172.24.1.2 -j DROP", "this session's own containers"),
        ("-I DOCKER-USER -s 172.16.0.0/12 -j DROP", "this session's own containers"),
        ("-I FORWARD -s 172.24.1.2 -j DROP", "DOCKER-USER and INPUT only"),
        ("-I DOCKER-USER -s 172.24.1.2 -j DOCKER", "one of ACCEPT"),
        ("-F DOCKER-USER", "starting with -I or -A"),
        ("-I DOCKER-USER -s 172.24.1.2 -m comment --comment mine -j DROP", "cannot be part of a host rule"),
    ],
)
def test_a_host_rule_that_reaches_further_is_refused(session_scope, rule, phrase):
    with pytest.raises(InvalidInput) as caught:
        host_firewall._checked(rule)
    assert phrase in str(caught.value)


# --- names and modes --------------------------------------------------------------------------------


def test_the_dns_server_is_a_perl_program_perl_accepts():
    if shutil.which("perl") is None:
        pytest.skip("no perl on this machine")
    result = subprocess.run(["perl", "-c", "-e", names.DNS_SERVER_PERL], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_rounds_of_a_loop_are_split_on_their_markers():
    assert names._sections("--- round 1\na\nb\n--- round 2\n--- round 3\nc\n") == ["a\nb\n", "", "c\n"]


def test_interfaces_a_host_has_many_of_are_counted():
    assert modes._collapsed(["lo", "eth0", "docker0", "br-1", "br-2", "veth1", "veth2", "veth3"]) == "lo, eth0, docker0, br-… ×2, veth… ×3"


@pytest.mark.parametrize("topic", ["ipv6-nat", "docker-user", "icc"])
def test_the_new_engine_notes_say_something_for_20_10_28_and_desktop(topic):
    def kind(version: str, desktop: bool = False) -> EngineKind:
        major, minor = (int(p) for p in version.split(".")[:2])
        return EngineKind(version, major, minor, desktop, False, False, "Docker Desktop" if desktop else "Debian", "2")

    texts = {engine_notes.TOPICS[topic](kind(v, d)) for v, d in (("20.10.24", False), ("28.5.2", False), ("28.5.2", True))}
    assert all(len(t) > 40 for t in texts) and len(texts) >= 2
