"""The Kubernetes set-up, checked offline: Zero to JupyterHub values -> KubeSpawner -> a learner's pod.

The chart cannot be fetched here, so :func:`kubespawner_config` maps the ``singleuser`` values that
``classroom/z2jh-values.yaml`` uses onto KubeSpawner's settings the way the chart's own
``jupyterhub_config.py`` does, and :func:`learner_pod` asks KubeSpawner (PyPI's
``jupyterhub-kubespawner``, with no cluster: its test mode) for the pod manifest it would create.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["VALUES", "load_values", "kubespawner_config", "learner_pod"]

OFFLINE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: offline, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: offline, user: {token: offline}}]
contexts: [{name: offline, context: {cluster: offline, user: offline, namespace: class}}]
current-context: offline
"""

VALUES = Path(__file__).resolve().parents[2] / "classroom" / "z2jh-values.yaml"


def load_values(path: Path = VALUES) -> dict[str, Any]:
    import yaml

    loaded: dict[str, Any] = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return loaded


def _get(values: dict[str, Any], dotted: str) -> Any:
    node: Any = values
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def kubespawner_config(values: dict[str, Any]) -> Any:
    """The KubeSpawner part of the chart's configuration for these values (the keys the classroom uses)."""
    from traitlets.config import Config

    c = Config()
    spawner = c.KubeSpawner
    image = _get(values, "singleuser.image") or {}
    if image.get("name"):
        spawner.image = f"{image['name']}:{image.get('tag') or 'latest'}"
    if image.get("pullPolicy"):
        spawner.image_pull_policy = image["pullPolicy"]
    simple = {
        "singleuser.uid": "uid",
        "singleuser.fsGid": "fs_gid",
        "singleuser.allowPrivilegeEscalation": "allow_privilege_escalation",
        "singleuser.cpu.limit": "cpu_limit",
        "singleuser.cpu.guarantee": "cpu_guarantee",
        "singleuser.memory.limit": "mem_limit",
        "singleuser.memory.guarantee": "mem_guarantee",
        "singleuser.extraContainers": "extra_containers",
        "singleuser.initContainers": "init_containers",
        "singleuser.extraPodConfig": "extra_pod_config",
        "singleuser.defaultUrl": "default_url",
    }
    for key, trait in simple.items():
        value = _get(values, key)
        if value is not None:
            setattr(spawner, trait, value)
    cmd = _get(values, "singleuser.cmd")
    if cmd:
        spawner.cmd = [cmd] if isinstance(cmd, str) else list(cmd)
    env = _get(values, "singleuser.extraEnv") or {}
    spawner.environment = {str(k): str(v) for k, v in env.items()}
    volumes = list(_get(values, "singleuser.storage.extraVolumes") or [])
    mounts = list(_get(values, "singleuser.storage.extraVolumeMounts") or [])
    spawner.volumes = volumes
    spawner.volume_mounts = mounts
    return c


def learner_pod(values: dict[str, Any], user: str = "ana") -> dict[str, Any]:
    """The pod KubeSpawner would create for ``user`` with these values, as plain data."""

    async def build() -> dict[str, Any]:
        from kubernetes_asyncio.client import ApiClient
        from kubespawner import KubeSpawner

        spawner = KubeSpawner(_mock=True, config=kubespawner_config(values))
        spawner.namespace = "class"
        spawner.user.name = user
        spawner.api_token = "not-a-real-token"
        manifest = await spawner.get_pod_manifest()
        async with ApiClient() as api:
            plain: dict[str, Any] = api.sanitize_for_serialization(manifest)
        return plain

    # KubeSpawner loads a cluster's configuration when it is made; a configuration that names no
    # reachable cluster is enough, since building a manifest asks the cluster nothing.
    with tempfile.TemporaryDirectory(prefix="dockernet-nb-kube-") as scratch:
        config = Path(scratch) / "config"
        config.write_text(OFFLINE_KUBECONFIG, encoding="utf-8")
        saved = os.environ.get("KUBECONFIG")
        os.environ["KUBECONFIG"] = str(config)
        try:
            import kubernetes_asyncio.config.kube_config as kube_config

            kube_config.KUBE_CONFIG_DEFAULT_LOCATION = str(config)  # read when the module was imported
            return asyncio.run(build())
        finally:
            if saved is None:
                os.environ.pop("KUBECONFIG", None)
            else:
                os.environ["KUBECONFIG"] = saved
