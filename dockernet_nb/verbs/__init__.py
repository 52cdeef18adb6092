"""The notebook verbs, one module per topic; :mod:`dockernet_nb` re-exports every public one.

Each verb mirrors a Docker command, asks the engine (or, in replay mode, the recording) through
:mod:`dockernet_nb.engine`, hands raw text to a pure parser, and returns a frame or a small record.
"""
