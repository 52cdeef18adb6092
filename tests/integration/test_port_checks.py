"""The published-port checks against the real engine: each connects for real and judges by the server's log."""

from __future__ import annotations

import dockernet_nb as dnb
from dockernet_nb import checks


def test_check_visitor_address_judges_by_what_the_server_logged(fresh):
    dnb.run("uptime", name="nc-visited", detach=True)
    dnb.wait_for_port("nc-visited", 8000)
    assert not checks.check_visitor_address(None, server="nc-visited")
    assert not checks.check_visitor_address("banana", server="nc-visited")
    right = checks.check_visitor_address("client", server="nc-visited")
    assert right.ok and "the visitor's own address" in right.message
    wrong = checks.check_visitor_address("gateway", server="nc-visited")
    assert not wrong.ok and "which is the visitor" in wrong.message and wrong.hint
    last = dnb.connections("nc-visited").iloc[-1]
    assert last["client"] != dnb.networks().set_index("name").loc["bridge", "gateway"]


def test_check_visitor_address_names_the_section_to_run_again(fresh):
    missing = checks.check_visitor_address("client", server="nobody-here")
    assert not missing.ok and missing.hint == "Run the cells of section 2 again."


def test_check_proxy_or_dnat_names_the_section_to_run_again(fresh):
    missing = checks.check_proxy_or_dnat("proxy", server="nobody-here")
    assert not missing.ok and missing.hint.startswith("Run the cells of section 4 again")
