"""Break-fix labs: a working set-up, one fault from a catalogue chosen by a seed, and a check of the symptom.

:mod:`.setups` builds the set-ups (the shop, the routed lab) with course verbs and says how a user would
try them; :mod:`.faults` is the catalogue. The notebook verb is :func:`dockernet_nb.verbs.break_fix.break_fix`.
"""
