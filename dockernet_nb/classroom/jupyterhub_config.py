"""JupyterHub's configuration file for a dockernet-nb class.

Run by ``dockernet-nb classroom start`` as ``jupyterhub -f <this file>`` with DOCKERNET_NB_CLASSROOM
naming the class's settings.json; everything it sets is in :mod:`dockernet_nb.classroom.hubconfig`.
An instructor who wants to change something can copy this file, add lines after ``configure(c)``
(for example another authenticator) and pass it with ``--config``.
"""

from dockernet_nb.classroom.hubconfig import configure

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - provided by JupyterHub when it reads this file
configure(c)
