"""Break-fix labs: a working set-up, one fault from a catalogue chosen by a seed, and a check of the symptom.

:mod:`.setups` builds the set-ups (the shop, the routed lab) with course verbs and says how a user would
try them; :mod:`.faults` is the catalogue; :mod:`.verbs` holds the notebook verbs (``dnb.break_fix``,
``dnb.check_fix``, ``dnb.fault_hint``, ``dnb.explain_fault``). The labs are built from the course's verbs,
so the whole feature sits above ``verbs/``, which never imports it.
"""
