"""Tools the tests install leave no service running: a package that starts one on install starts none here.

These machines have no init system, so Debian's own packages start nothing; the test stands in for a
systemd machine with a permissive ``policy-rc.d`` and a small package whose install starts a "service"
the way ``invoke-rc.d`` would: after asking ``policy-rc.d``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from dockernet_nb.engine import apt

PACKAGE = "dnb-test-starts-a-service"
POSTINST = """#!/bin/sh
# Starts its "service" as invoke-rc.d would: only when policy-rc.d does not answer 101.
if [ -x /usr/sbin/policy-rc.d ]; then
  /usr/sbin/policy-rc.d {package} start
  [ $? -eq 101 ] && exit 0
fi
touch {marker}
exit 0
"""


@pytest.fixture
def service_package(tmp_path):
    """A .deb whose postinst starts a service (touches a marker), and a machine that lets services start."""
    if shutil.which("dpkg-deb") is None:
        pytest.fail("dpkg-deb is missing: these tests run on Debian as root (./course test)")
    marker = tmp_path / "service-started"
    root = tmp_path / "pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {PACKAGE}\nVersion: 1.0\nArchitecture: all\nMaintainer: tests <tests@localhost>\n"
        "Description: starts a service when installed (a dockernet-nb test)\n"
    )
    postinst = root / "DEBIAN" / "postinst"
    postinst.write_text(POSTINST.format(package=PACKAGE, marker=marker))
    postinst.chmod(0o755)
    deb = tmp_path / f"{PACKAGE}.deb"
    subprocess.run(["dpkg-deb", "--build", str(root), str(deb)], check=True, capture_output=True)
    saved = apt.POLICY.read_bytes() if apt.POLICY.exists() else None
    apt.POLICY.write_text("#!/bin/sh\nexit 0\n")  # a systemd machine: every service may start
    apt.POLICY.chmod(0o755)
    try:
        yield deb, marker
    finally:
        subprocess.run(["dpkg", "--purge", PACKAGE], capture_output=True)
        if saved is None:
            apt.POLICY.unlink(missing_ok=True)
        else:
            apt.POLICY.write_bytes(saved)
            apt.POLICY.chmod(0o755)


def test_a_plain_install_starts_the_service_so_the_test_can_tell(service_package):
    deb, marker = service_package
    subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True)
    assert marker.exists()


def test_installing_test_tools_starts_no_service_and_restores_the_machines_policy(service_package):
    deb, marker = service_package
    before = apt.POLICY.read_bytes()
    with apt.services_held():
        subprocess.run(["dpkg", "-i", str(deb)], check=True, capture_output=True)
    assert not marker.exists()
    assert apt.POLICY.read_bytes() == before


def test_a_failed_install_is_one_course_error():
    from dockernet_nb.errors import SetupError

    with pytest.raises(SetupError, match="dnb-no-such-package"):
        apt.install(["dnb-no-such-package"], start_services=False, say=lambda _: None)


def _listeners() -> list[tuple[str, str]]:
    """(local address, program) of every listening TCP socket on the machine."""
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    found = []
    for line in out.splitlines():
        fields = line.split()
        program = re.search(r'users:\(\("([^"]+)"', line)
        found.append((fields[3], program.group(1) if program else ""))
    return found


def test_no_sshd_or_registry_listens_on_an_outside_address():
    """The test tools are installed, and only the tests' own loopback instances may ever listen."""
    assert Path("/usr/sbin/sshd").exists() and shutil.which("docker-registry")
    outside = [
        (address, program)
        for address, program in _listeners()
        if program in ("sshd", "docker-registry", "registry")
        and not address.startswith(("127.", "[::1]", "[::ffff:127."))
    ]
    assert outside == []
