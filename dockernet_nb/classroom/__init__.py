"""A live classroom: JupyterHub on one machine, an engine of its own for every learner.

- :mod:`.settings`: one class's settings file (learners, instructors, ports, limits, folders);
- :mod:`.network`: the class network (no traffic between its members, no way out);
- :mod:`.pool`: warm engines (docker-in-docker Engine 28, TLS for one client, resource limits);
- :mod:`.spawner`: each learner's server inside their own engine's network namespace;
- :mod:`.image`: the learner's notebook image, built from this environment's packages;
- :mod:`.auth`: one password per person; :mod:`.progress`: the instructor's live page;
- :mod:`.hubconfig` / ``jupyterhub_config.py``: JupyterHub's configuration; :mod:`.hub`: running it;
- :mod:`.remote`: running cells in a learner's kernel through the Jupyter server API;
- :mod:`.rootless`: whether this kernel lets a rootless engine run in a container;
- :mod:`.command`: ``dockernet-nb classroom``.

Nothing here is imported by the notebook verbs; JupyterHub and DockerSpawner come with the
``classroom`` extra (``pip install 'dockernet-nb[classroom]'``).
"""
