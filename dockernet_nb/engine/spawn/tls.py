"""TLS for an engine reached over TCP: a certificate authority of its own, a server and one client.

Each engine gets a fresh authority that signs exactly two certificates, the engine's (valid for the
addresses it is reached at) and one client's, and is then thrown away: its key is never written to
disk, so no further client certificate for that engine can ever be made. The engine trusts only that
authority (``dockerd --tlsverify``), so a client certificate made for one engine opens no other, and a
client without one is turned away during the handshake, whatever address or port it guesses.

Layout of an engine's folder (the engine mounts ``server/`` read-only; whoever may use the engine
gets ``client/``, in the layout ``DOCKER_CERT_PATH`` expects)::

    server/ca.pem  server/server-cert.pem  server/server-key.pem
    client/ca.pem  client/cert.pem         client/key.pem
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docker
import docker.constants
import docker.tls

from dockernet_nb.engine.spawn.common import write_private

__all__ = ["EngineTls", "TLS_PORT", "make_engine_tls", "remove_engine_tls"]

TLS_PORT = 2376  # Docker's port for an engine that checks client certificates
SERVER_MOUNT = "/etc/docker/tls"  # where an engine container finds server/


@dataclasses.dataclass(frozen=True)
class EngineTls:
    """The certificate folder of one engine."""

    folder: Path

    @property
    def server_dir(self) -> Path:
        return self.folder / "server"

    @property
    def client_dir(self) -> Path:
        return self.folder / "client"

    def exists(self) -> bool:
        return all((self.client_dir / name).is_file() for name in ("ca.pem", "cert.pem", "key.pem")) and all(
            (self.server_dir / name).is_file() for name in ("ca.pem", "server-cert.pem", "server-key.pem")
        )

    def client_config(self) -> docker.tls.TLSConfig:
        """What the Docker SDK needs to talk to the engine as its one client."""
        return docker.tls.TLSConfig(
            client_cert=(str(self.client_dir / "cert.pem"), str(self.client_dir / "key.pem")),
            ca_cert=str(self.client_dir / "ca.pem"),
            verify=True,
        )

    def client(self, base_url: str, *, timeout: int = 120) -> docker.DockerClient:
        """A Docker SDK client for the engine at ``base_url`` that checks it against this folder's
        authority only. (requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE in the environment replace
        the client's own CA file, which would reject the engine's certificate: the environment is not
        consulted for this connection.)"""
        made = docker.DockerClient(
            base_url=base_url, timeout=timeout, tls=self.client_config(), version=docker.constants.DEFAULT_DOCKER_API_VERSION
        )
        made.api.trust_env = False
        return made

    def dockerd_args(self) -> list[str]:
        """dockerd's options when ``server/`` is mounted at :data:`SERVER_MOUNT`."""
        return [
            "--tlsverify",
            f"--tlscacert={SERVER_MOUNT}/ca.pem",
            f"--tlscert={SERVER_MOUNT}/server-cert.pem",
            f"--tlskey={SERVER_MOUNT}/server-key.pem",
        ]


def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def make_engine_tls(
    folder: Path,
    *,
    hosts: Sequence[str],
    client_name: str = "learner",
    client_owner: int | None = None,
    days: int = 30,
) -> EngineTls:
    """Make ``folder`` with a fresh authority's server certificate (valid for ``hosts``: addresses or
    names) and one client certificate named ``client_name``. ``client_owner``: the uid that owns
    ``client/`` (the learner's uid inside their notebook container), so the key is readable by that
    user only. The authority's key is discarded."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    until = now + datetime.timedelta(days=days)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dockernet-nb"), x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = _key()
    ca_name = name(f"dockernet-nb engine authority {folder.name}")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(until)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(key: Any, common: str, usage: Any, alt: list[x509.GeneralName] | None) -> Any:
        builder = (
            x509.CertificateBuilder()
            .subject_name(name(common))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if alt:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        return builder.sign(ca_key, hashes.SHA256())

    alt: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt.append(x509.DNSName(host))
    server_key, client_key = _key(), _key()
    server = leaf(server_key, "dockernet-nb engine", ExtendedKeyUsageOID.SERVER_AUTH, alt)
    client = leaf(client_key, client_name, ExtendedKeyUsageOID.CLIENT_AUTH, None)
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)

    tls = EngineTls(Path(folder))
    if tls.folder.exists():
        shutil.rmtree(tls.folder)
    tls.folder.mkdir(parents=True, mode=0o700)
    tls.server_dir.mkdir(mode=0o700)
    tls.client_dir.mkdir(mode=0o700)
    write_private(tls.server_dir / "ca.pem", ca_pem, mode=0o444)
    write_private(tls.server_dir / "server-cert.pem", server.public_bytes(serialization.Encoding.PEM), mode=0o444)
    write_private(tls.server_dir / "server-key.pem", _pem_key(server_key), mode=0o400)
    write_private(tls.client_dir / "ca.pem", ca_pem, mode=0o444, owner=client_owner)
    write_private(tls.client_dir / "cert.pem", client.public_bytes(serialization.Encoding.PEM), mode=0o444, owner=client_owner)
    write_private(tls.client_dir / "key.pem", _pem_key(client_key), mode=0o400, owner=client_owner)
    if client_owner is not None and hasattr(os, "chown"):
        os.chown(tls.client_dir, client_owner, client_owner)
        os.chmod(tls.folder, 0o711)  # the owner of client/ may pass through; nobody may list
    return tls


def remove_engine_tls(folder: Path) -> bool:
    """Delete an engine's certificate folder; False when there was none."""
    if not Path(folder).exists():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True
