"""The host-rule sweep on an engine where the course never could have added a rule (no engine needed)."""

from __future__ import annotations

import pytest

from dockernet_nb.engine import host_rules, sweep
from dockernet_nb.errors import ImageMissing


def test_an_engine_without_the_helper_image_has_no_course_host_rules_to_sweep(monkeypatch):
    # What a second engine holding only busybox answers when the helper container is created.
    def no_helper_image(scope="all", *, rules=None):
        raise ImageMissing("The image is not on this engine (No such image: dockernet-nb/debian:1).")

    monkeypatch.setattr(host_rules, "course_host_rules", no_helper_image)
    for scope, also_session in (("stale", False), ("stale", True), ("all", False)):
        found = sweep.host_rule_objects(scope, also_session=also_session)
        assert found.empty and list(found.columns) == sweep.OBJECT_COLUMNS


def test_other_failures_of_the_helper_still_reach_the_caller(monkeypatch):
    def broken(scope="all", *, rules=None):
        raise host_rules.EngineError("Reading the host's iptables failed: permission denied")

    monkeypatch.setattr(host_rules, "course_host_rules", broken)
    with pytest.raises(host_rules.EngineError, match="permission denied"):
        sweep.host_rule_objects("stale")
