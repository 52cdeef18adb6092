"""What a learner looks at besides tables: plots, the topology picture, the lab console, progress bars.

Nothing here asks the engine: each function draws from frames or snapshots the verbs produced.
"""
