"""What the recorder stores of a notebook: no widget state, no widget views, but their plain form."""

from __future__ import annotations

import nbformat

from dockernet_nb.recorder import WIDGET_VIEW, without_widgets


def test_widget_views_go_and_a_plain_summary_stays():
    view = {WIDGET_VIEW: {"model_id": "abc", "version_major": 2, "version_minor": 0}}
    bar = nbformat.v4.new_output("display_data", data=dict(view))
    console = nbformat.v4.new_output("execute_result", data={**view, "text/plain": "Lab console: containers alpha"}, execution_count=1)
    text = nbformat.v4.new_output("stream", name="stdout", text="hello\n")
    cell = nbformat.v4.new_code_cell("console", outputs=[bar, console, text])
    notebook = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("# title")])
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}

    stored = without_widgets(notebook)

    assert "widgets" not in stored.metadata
    outputs = stored.cells[0].outputs
    assert [o.get("data", {}).get("text/plain") or o.get("text") for o in outputs] == ["Lab console: containers alpha", "hello\n"]
    assert all(WIDGET_VIEW not in o.get("data", {}) for o in outputs)
    nbformat.validate(stored)
