"""Long calls show a progress bar in a notebook kernel: it appears, moves, and goes away."""

from __future__ import annotations

import os

from jupyter_client.manager import start_new_kernel


def _ping_in_a_kernel(env: dict[str, str], count: int) -> list[dict]:
    """Every message a fresh kernel sends while it pings 127.0.0.1 ``count`` times (then cleans up)."""
    km, kc = start_new_kernel(kernel_name="python3", env=env)
    messages: list[dict] = []
    try:
        reply = kc.execute_interactive(
            'import dockernet_nb as dnb\ndnb.start_lesson("progress")\n'
            f'frame = dnb.ping(None, "127.0.0.1", image="busybox", net="none", count={count})\n'
            "print(len(frame))",
            timeout=120,
            output_hook=messages.append,
        )
        assert reply["content"]["status"] == "ok"
    finally:
        kc.execute_interactive("dnb.cleanup()", timeout=60)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return messages


def _printed(messages: list[dict]) -> str:
    return "".join(m["content"].get("text", "") for m in messages if m["msg_type"] == "stream").strip()


def test_a_ping_of_several_seconds_shows_a_moving_bar_that_closes_when_done():
    # Jupyter Server names the notebook's session in its kernel's environment: the sign that a learner watches.
    messages = _ping_in_a_kernel({**os.environ, "JPY_SESSION_NAME": "progress-test.ipynb"}, count=3)
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
    assert _printed(messages).endswith("3")


def test_a_notebook_run_headless_shows_no_bar():
    messages = _ping_in_a_kernel({k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"}, count=2)
    assert [m for m in messages if m["msg_type"] in ("display_data", "comm_open")] == []
    assert _printed(messages).endswith("2")
