"""Long calls show a progress bar in a notebook kernel: it appears, moves, and goes away."""

from __future__ import annotations

import os

from jupyter_client.manager import start_new_kernel


def test_a_ping_of_several_seconds_shows_a_moving_bar_that_closes_when_done():
    # Jupyter Server names the notebook's session in its kernel's environment: the sign that a learner watches.
    km, kc = start_new_kernel(kernel_name="python3", env={**os.environ, "JPY_SESSION_NAME": "progress-test.ipynb"})
    messages = []
    try:
        reply = kc.execute_interactive(
            'import dockernet_nb as dnb\ndnb.start_lesson("progress")\n'
            'frame = dnb.ping(None, "127.0.0.1", image="busybox", net="none", count=3)\n'
            "print(len(frame))",
            timeout=120,
            output_hook=messages.append,
        )
        assert reply["content"]["status"] == "ok"
    finally:
        kc.execute_interactive("dnb.cleanup()", timeout=60)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    kinds = [m["msg_type"] for m in messages]
    shown = [m for m in messages if m["msg_type"] == "display_data"]
    assert len(shown) == 1 and "application/vnd.jupyter.widget-view+json" in shown[0]["content"]["data"]
    assert shown[0]["content"]["data"]["text/plain"] == ""  # nothing to read where widgets do not render
    values = [
        m["content"]["data"]["state"]["value"]
        for m in messages
        if m["msg_type"] == "comm_msg" and "value" in m["content"]["data"].get("state", {})
    ]
    assert values and max(values) > 0.2  # it moved while ping ran
    assert "comm_close" in kinds  # and it went away at the end
    stream = "".join(m["content"].get("text", "") for m in messages if m["msg_type"] == "stream")
    assert stream.strip().endswith("3")


def test_a_notebook_run_headless_shows_no_bar():
    km, kc = start_new_kernel(kernel_name="python3", env={k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"})
    messages = []
    try:
        reply = kc.execute_interactive(
            'import dockernet_nb as dnb\ndnb.start_lesson("progress")\n'
            'frame = dnb.ping(None, "127.0.0.1", image="busybox", net="none", count=2)\n'
            "print(len(frame))",
            timeout=120,
            output_hook=messages.append,
        )
        assert reply["content"]["status"] == "ok"
    finally:
        kc.execute_interactive("dnb.cleanup()", timeout=60)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert [m for m in messages if m["msg_type"] in ("display_data", "comm_open")] == []
    assert "".join(m["content"].get("text", "") for m in messages if m["msg_type"] == "stream").strip().endswith("2")
