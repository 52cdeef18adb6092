"""Engine 28 for the course: built offline from Debian's testing suite, run two ways.

- :mod:`.mirror`: the Debian mirror apt uses here (or ``DOCKERNET_NB_DEBIAN_MIRROR``), for debootstrap.
- :mod:`.forky`: the forky debootstrap tree and the course image ``dockernet-nb/engine:1`` made from it.
- :mod:`.dind`: engine containers on the host engine (docker-in-docker), reached over TCP: the shape
  for classroom engines and remote-engine tests (their handles in :mod:`.dind_handle`, the network
  they join in :mod:`.engines_network`);
- :mod:`.nodes`: the multi-host lesson's nodes, dind engines labelled with the kernel's session,
  started in parallel and removed whole (:func:`remove_stale_nodes` for ``dockernet-nb clean``).
- :mod:`.local`: the tree as a *local* engine in namespaces of its own: what a Linux learner has, for
  recording and testing the notebooks (``localhost:PORT`` goes through that engine's docker-proxy).
- :mod:`.transfer`: ``docker save | docker load`` of course images between engines.

Everything here is created with the course label and a label (or state file) naming what it is, and
removed by those only: :func:`remove_all` (:mod:`.cleanup`) is what ``dockernet-nb clean`` calls for engines,
and :func:`remove_stale_nodes` for the nodes that kernels which no longer run left behind.
"""

from __future__ import annotations

from dockernet_nb.engine.mirror import debian_mirror, find_debian_mirror
from dockernet_nb.engine.spawn.cleanup import (
    list_engines,
    remove_all,
    remove_all_engines,
    remove_all_local_engines,
    remove_engines_network,
)
from dockernet_nb.engine.spawn.dind import DindEngine, dind_engine, reach_engine, remove_engine, start_engine, stop_engine
from dockernet_nb.engine.spawn.forky import (
    ENGINE_TAG,
    EngineImage,
    EngineTree,
    ensure_engine_image,
    ensure_tree,
    find_engine_image,
    read_tree,
)
from dockernet_nb.engine.spawn.local import (
    LocalEngine,
    find_local_engine,
    list_local_engines,
    local_engine,
    remove_local_engine,
    start_local_engine,
    stop_local_engine,
)
from dockernet_nb.engine.spawn.nodes import Node, find_nodes, remove_nodes, remove_stale_nodes, start_nodes
from dockernet_nb.engine.spawn.transfer import CORE_IMAGES, CopyReport, copy_images, copy_images_to_many

__all__ = [
    "CORE_IMAGES",
    "ENGINE_TAG",
    "CopyReport",
    "DindEngine",
    "EngineImage",
    "EngineTree",
    "LocalEngine",
    "Node",
    "copy_images",
    "copy_images_to_many",
    "debian_mirror",
    "dind_engine",
    "ensure_engine_image",
    "ensure_tree",
    "find_debian_mirror",
    "find_engine_image",
    "find_local_engine",
    "find_nodes",
    "list_engines",
    "list_local_engines",
    "local_engine",
    "reach_engine",
    "read_tree",
    "remove_all",
    "remove_all_engines",
    "remove_all_local_engines",
    "remove_engine",
    "remove_engines_network",
    "remove_local_engine",
    "remove_nodes",
    "remove_stale_nodes",
    "start_engine",
    "start_local_engine",
    "start_nodes",
    "stop_engine",
    "stop_local_engine",
]
