"""Images from Docker Hub's official busybox and debian, for laptops that reach Docker Hub."""

from __future__ import annotations

from collections.abc import Sequence

from dockernet_nb.engine.images import IMAGE_LABEL, CourseImage, Report, build_from_dockerfile, derived_dockerfile

__all__ = ["build"]


def build(todo: Sequence[CourseImage], report: Report) -> None:
    for done, image in enumerate(todo):
        report(f"Building {image.tag} (pulling its base from Docker Hub if needed) ...", done / len(todo))
        dockerfile = image.hub_dockerfile or derived_dockerfile(image)
        build_from_dockerfile(image.tag, dockerfile, {IMAGE_LABEL: image.name})
