"""Engine notes chosen from an engine's answers alone (recorded ``/version`` and ``/info`` fields, no engine)."""

from __future__ import annotations

import pytest

from dockernet_nb.engine.kind import classify
from dockernet_nb.verbs.engine_notes import TOPICS

DEBIAN_20_10 = classify({"Version": "20.10.24+dfsg1"}, {"OperatingSystem": "Debian GNU/Linux 12 (bookworm)"})
FORKY_28 = classify({"Version": "28.5.2+dfsg4"}, {"OperatingSystem": "Debian GNU/Linux forky/sid"})
DESKTOP_28 = classify({"Version": "28.3.0"}, {"OperatingSystem": "Docker Desktop"})


@pytest.mark.parametrize("topic", sorted(TOPICS))
def test_every_topic_has_a_different_note_for_each_side_of_its_change(topic):
    old, new = TOPICS[topic](DEBIAN_20_10), TOPICS[topic](FORKY_28)
    assert old and new
    if topic != "host-view":
        assert old != new, f"{topic}: the same words for 20.10 and 28"


def test_the_lessons_topics_say_what_each_engine_does():
    assert "random" in TOPICS["mac-address"](FORKY_28) and "02:42" in TOPICS["mac-address"](FORKY_28)
    assert "built from its IPv4 address" in TOPICS["mac-address"](DEBIAN_20_10)
    assert "ExtServers: [127.0.0.1]" in TOPICS["resolv-conf"](FORKY_28)
    assert "without any comments" not in TOPICS["resolv-conf"](DEBIAN_20_10)
    assert TOPICS["internal-routes"](FORKY_28).startswith("a container on an internal network gets no default route")
    assert "still gets a default route" in TOPICS["internal-routes"](DEBIAN_20_10)
    assert "::1" in TOPICS["loopback-ipv6"](FORKY_28)
    assert "Desktop's own Linux VM" in TOPICS["host-view"](DESKTOP_28)
    assert "this machine" in TOPICS["host-view"](FORKY_28)
