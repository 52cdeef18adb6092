"""Logging in to a class: one password per person, made when the class starts.

JupyterHub's shared-password authenticator lets any learner log in as any other with the one class
password, which would show one learner another's notebooks and engine. Here every learner and
instructor gets a password of their own, printed once for the instructor to hand out; the class
folder keeps only salted scrypt hashes (``passwords.json``, readable by root only).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator
from traitlets import Unicode

from dockernet_nb.engine.spawn.common import write_private

__all__ = ["ClassListAuthenticator", "make_passwords", "check_password"]

_N, _R, _P = 2**14, 8, 1


def _hash(password: str, salt: bytes) -> str:
    return base64.b64encode(hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)).decode()


def make_passwords(path: Path, users: list[str]) -> dict[str, str]:
    """A fresh password for each of ``users`` (returned in plain text), their hashes written to ``path``."""
    plain = {user: secrets.token_urlsafe(9) for user in users}
    records = {}
    for user, password in plain.items():
        salt = secrets.token_bytes(16)
        records[user] = {"salt": base64.b64encode(salt).decode(), "scrypt": _hash(password, salt)}
    write_private(path, json.dumps(records, indent=1).encode())
    return plain


def check_password(path: Path, user: str, password: str) -> bool:
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8")).get(user)
    except (OSError, ValueError):
        return False
    if not record:
        return False
    expected = record["scrypt"]
    return hmac.compare_digest(_hash(password, base64.b64decode(record["salt"])), expected)


class ClassListAuthenticator(Authenticator):
    """Each name on the class list with its own password (see :func:`make_passwords`)."""

    passwords_file = Unicode("", config=True, help="the JSON file of salted password hashes")

    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:
        user = (data.get("username") or "").strip().lower()
        if user and check_password(Path(self.passwords_file), user, data.get("password") or ""):
            return user
        return None
