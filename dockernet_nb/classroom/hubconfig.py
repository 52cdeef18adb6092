"""JupyterHub's configuration for a class, made from the class settings.

``jupyterhub -f <package>/classroom/jupyterhub_config.py`` with ``DOCKERNET_NB_CLASSROOM`` naming the
class's settings.json runs :func:`configure`. What it sets, and why:

- the proxy's public side on ``proxy_ip`` (127.0.0.1 unless the instructor names a course address),
  its API on 127.0.0.1; the hub's own API on the class network's gateway, the one host address the
  learners' servers need; never on every interface;
- :class:`~dockernet_nb.classroom.spawner.ClassroomSpawner` with the learner image, and the engine pool
  started as the hub starts (so engines are warm before the first login);
- :class:`~dockernet_nb.classroom.auth.ClassListAuthenticator`: the class list, one password each; the
  instructors are the hub's admins;
- the instructor page as the managed service ``progress`` (learners may open it too and see only
  their own row), with a role that lets it read whether servers run;
- the classroom command's own service token (``classroom-admin``) to start, stop and watch servers;
- the hub's database, cookie secret and pid file in the class folder; servers stopped when the hub
  stops (so every engine goes with it).
"""

from __future__ import annotations

import atexit
import logging
import sys
from typing import Any

from dockernet_nb.classroom.settings import SETTINGS_ENV, ClassSettings, load

__all__ = ["configure"]


def configure(c: Any, settings: ClassSettings | None = None, *, start_pool: bool = True) -> ClassSettings:
    settings = settings or load()
    ours = logging.getLogger("dockernet_nb")
    if not ours.handlers:  # the pool's and the spawner's news, in the hub's log
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("[%(levelname).1s %(asctime)s dockernet-nb %(module)s] %(message)s"))
        ours.addHandler(handler)
        ours.setLevel(logging.INFO)
    hub = settings.hub_dir
    hub.mkdir(parents=True, exist_ok=True, mode=0o700)

    c.JupyterHub.ip = settings.proxy_ip
    c.JupyterHub.port = settings.proxy_port
    c.JupyterHub.hub_ip = settings.hub_ip
    c.JupyterHub.hub_port = settings.hub_port
    c.JupyterHub.hub_connect_ip = settings.hub_ip
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
    c.ConfigurableHTTPProxy.should_start = True
    from dockernet_nb.classroom.proxy import proxy_command

    c.ConfigurableHTTPProxy.command = [str(proxy_command(settings.proxy_dir))]
    c.ConfigurableHTTPProxy.pid_file = str(hub / "proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{hub / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(hub / "cookie_secret")
    c.JupyterHub.pid_file = str(hub / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True
    c.JupyterHub.allow_named_servers = False
    c.JupyterHub.shutdown_on_logout = False

    # people
    c.JupyterHub.authenticator_class = "dockernet_nb.classroom.auth.ClassListAuthenticator"
    c.ClassListAuthenticator.passwords_file = str(settings.passwords_file)
    c.Authenticator.allowed_users = set(settings.learners)
    c.Authenticator.admin_users = set(settings.instructors)
    c.Authenticator.delete_invalid_users = True

    # servers
    c.JupyterHub.spawner_class = "dockernet_nb.classroom.spawner.ClassroomSpawner"
    c.DockerSpawner.image = settings.learner_image
    c.DockerSpawner.pull_policy = "never"
    c.DockerSpawner.remove = True
    c.DockerSpawner.prefix = settings.container_prefix
    c.DockerSpawner.name_template = "{prefix}-{username}"
    c.DockerSpawner.use_internal_ip = True
    c.DockerSpawner.network_name = settings.network
    c.Spawner.default_url = settings.default_url
    c.Spawner.start_timeout = settings.start_timeout
    c.Spawner.http_timeout = 90

    # the instructor page, and the command's own token
    service_url = f"http://127.0.0.1:{settings.progress_port}"
    c.JupyterHub.services = [
        {
            "name": "progress",
            "url": service_url,
            "command": [sys.executable, "-m", "dockernet_nb.classroom.progress"],
            "environment": {SETTINGS_ENV: str(settings.settings_file)},
            "oauth_no_confirm": True,
            "display": True,
        },
        {"name": "classroom-admin", "api_token": settings.admin_token},
    ]
    c.JupyterHub.load_roles = [
        {
            "name": "classroom-admin",
            "description": "the dockernet-nb classroom command: start, stop and watch the class's servers",
            "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users", "access:servers", "read:services"],
            "services": ["classroom-admin"],
        },
        {
            "name": "progress-reader",
            "description": "the instructor page: which learners' servers run",
            "scopes": ["list:users", "read:users:activity", "read:servers", "read:users:name"],
            "services": ["progress"],
        },
        {
            "name": "learner",
            "description": "a learner: their own server, and their own row of the progress page",
            "scopes": ["self", "access:services!service=progress"],
            "users": list(settings.learners),
        },
    ]

    # the engine pool: filling starts now, so engines are warm before the first login
    if start_pool:
        from dockernet_nb.classroom.spawner import pool

        engines = pool(settings)
        atexit.register(engines.close)
    return settings
