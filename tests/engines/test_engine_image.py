"""The forky tree and the engine image: a current engine, labelled, and never over a learner's tag."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest

from dockernet_nb.engine.labels import COURSE
from dockernet_nb.engine.spawn import forky
from dockernet_nb.engine.spawn.common import ENGINE_IMAGE, ENGINE_VERSION, EngineBuildError, EngineNameInUse


def test_the_tree_runs_engine_25_or_newer(engine_tree: forky.EngineTree) -> None:
    assert engine_tree.major >= 25, engine_tree
    assert (engine_tree.path / "usr/sbin/dockerd").is_file()
    # Read from the tree itself, not from the marker: the two agree.
    assert forky.dockerd_version(engine_tree.path) == (engine_tree.version, engine_tree.full_version)


def test_the_tree_carries_compose_v2(engine_tree: forky.EngineTree) -> None:
    assert engine_tree.compose is not None


def test_the_image_reports_the_tree_version_in_its_labels(
    host: docker.DockerClient, engine_image: forky.EngineImage, engine_tree: forky.EngineTree
) -> None:
    labels = host.images.get(engine_image.tag).labels
    assert labels[COURSE] == "1" and labels[ENGINE_IMAGE] == engine_tree.suite
    assert labels[ENGINE_VERSION] == engine_tree.version == engine_image.version
    assert int(engine_image.version.split(".")[0]) >= 25


def test_a_second_call_reuses_the_cached_image(host: docker.DockerClient, engine_image: forky.EngineImage) -> None:
    again = forky.ensure_engine_image(client=host)
    assert again.id == engine_image.id and again.import_seconds == 0.0


def test_a_learners_image_under_the_tag_is_left_alone(host: docker.DockerClient, engine_tree: forky.EngineTree) -> None:
    tag = "dockernet-nb/engine-test-learner:1"
    learner = host.images.get("dockernet-nb/busybox:1")  # any image without the engine labels
    learner.tag(tag)
    try:
        with pytest.raises(EngineNameInUse, match=r"docker image rm dockernet-nb/engine-test-learner:1"):
            forky.ensure_engine_image(tag=tag, tree=engine_tree, client=host)
        assert host.images.get(tag).id == learner.id
    finally:
        host.images.remove(tag)  # only the tag this test added


def test_a_folder_that_is_not_a_course_tree_is_never_replaced(tmp_path: Path) -> None:
    """DOCKERNET_NB_ENGINE_TREE pointed at someone's folder: the build refuses before touching it."""
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("keep me")
    with pytest.raises(EngineBuildError, match="left alone"):
        forky.ensure_tree(path=theirs)
    assert (theirs / "notes.txt").read_text() == "keep me"
