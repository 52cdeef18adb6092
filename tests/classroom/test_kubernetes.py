"""Kubernetes: the Zero to JupyterHub values in classroom/z2jh-values.yaml make, through KubeSpawner
(built offline, no cluster), a learner pod with a docker-in-docker sidecar engine of its own, reached
at tcp://127.0.0.1:2376 with TLS, a non-root notebook container and limits on both."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("kubespawner") is None, reason="jupyterhub-kubespawner is missing: pip install -e '.[classroom]'"
)


@pytest.fixture(scope="module")
def values() -> dict:
    from dockernet_nb.classroom.kubernetes import load_values

    return load_values()


@pytest.fixture(scope="module")
def pod(values: dict) -> dict:
    from dockernet_nb.classroom.kubernetes import learner_pod

    return learner_pod(values, user="ana")


def containers(pod: dict) -> dict[str, dict]:
    return {c["name"]: c for c in pod["spec"]["containers"]}


def test_the_pod_has_the_notebook_and_an_engine_sidecar(pod: dict) -> None:
    assert set(containers(pod)) == {"notebook", "dind"}
    assert containers(pod)["notebook"]["image"].endswith("dockernet-nb/learner:1")
    assert containers(pod)["dind"]["image"].startswith("docker:") and "dind" in containers(pod)["dind"]["image"]
    assert pod["metadata"]["labels"]["hub.jupyter.org/username"] == "ana"


def test_the_notebook_reaches_its_own_engine_on_the_pods_loopback_with_tls(pod: dict) -> None:
    env = {e["name"]: e.get("value") for e in containers(pod)["notebook"]["env"]}
    assert env["DOCKER_HOST"] == "tcp://127.0.0.1:2376"
    assert env["DOCKER_TLS_VERIFY"] == "1" and env["DOCKER_CERT_PATH"] == "/home/jovyan/.docker"
    sidecar_env = {e["name"]: e.get("value") for e in containers(pod)["dind"]["env"]}
    assert sidecar_env["DOCKER_TLS_CERTDIR"] == "/certs"  # a fresh CA and certificates for this pod
    mounts = {m["name"]: m for m in containers(pod)["notebook"]["volumeMounts"]}
    assert mounts["engine-certs"]["subPath"] == "client" and mounts["engine-certs"]["readOnly"] is True
    assert mounts["engine-certs"]["mountPath"] == "/home/jovyan/.docker"
    engine_mounts = {m["mountPath"]: m["name"] for m in containers(pod)["dind"]["volumeMounts"]}
    assert engine_mounts == {"/certs": "engine-certs", "/var/lib/docker": "engine-data"}
    assert not any("docker.sock" in str(v) for v in pod["spec"]["volumes"])  # no host socket anywhere
    assert all("hostPath" not in v for v in pod["spec"]["volumes"])


def test_security_contexts(pod: dict) -> None:
    notebook = containers(pod)["notebook"]["securityContext"]
    assert notebook["runAsUser"] == 1000 and notebook["allowPrivilegeEscalation"] is False
    assert containers(pod)["dind"]["securityContext"] == {"privileged": True}  # the engine alone


def test_limits_on_the_notebook_and_the_engine(pod: dict) -> None:
    notebook = containers(pod)["notebook"]["resources"]
    assert notebook["limits"]["memory"] == 1024**3 and float(notebook["limits"]["cpu"]) == 1.0
    engine = containers(pod)["dind"]["resources"]
    assert engine["limits"] == {"memory": "1536Mi", "cpu": "1"}


def test_the_network_policy_keeps_other_pods_out(values: dict) -> None:
    policy = values["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    assert policy["egressAllowRules"]["privateIPs"] is False and policy["egressAllowRules"]["nonPrivateIPs"] is False
    assert values["proxy"]["service"]["type"] == "ClusterIP"
