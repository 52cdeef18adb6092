"""Rootless engines on this kernel: Engine 28 as uid 1000 inside a container (rootlesskit, slirp4netns),
runs a container whose root is uid 1000 on the host and serves a published port to its namespace."""

from __future__ import annotations

import pytest

from tests.classroom.conftest import why_no_class


def test_a_rootless_engine_runs_here_as_an_ordinary_user() -> None:
    why = why_no_class()
    if why:
        pytest.skip(why)
    from dockernet_nb.classroom.rootless import check_rootless

    report = check_rootless()
    assert report["works"], report
    assert report["kernel"]["unprivileged_user_can_make_a_user_namespace"] is True
    assert "name=rootless" in report["engine"]["security"]
    assert report["container_says"][:4] == ["0", "0", "1000", "1"]  # root inside is uid 1000 outside
    assert report["engine_processes_run_as_on_the_host"] == ["1000"]
