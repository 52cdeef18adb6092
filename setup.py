"""Build hook: the wheel carries the lessons.

``notebooks/*.ipynb`` (with their stored outputs) and the pages they link to (``*.md``) stay the source the lessons are written and recorded
in; building copies them into ``dockernet_nb/lessons/`` of the build, so a wheel installed anywhere has
every lesson and ``dockernet-nb lab`` can copy them into a learner's workspace. An editable install
(``pip install -e .``, as ``./course`` does) reads ``notebooks/`` directly instead. All metadata is in
pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
LESSONS = HERE / "notebooks"
TARGET = ("dockernet_nb", "lessons")


class build_py_with_lessons(build_py):
    """build_py, then the lessons copied from notebooks/ into dockernet_nb/lessons/ of the build."""

    def _lessons(self):
        found = sorted(LESSONS.glob("*.ipynb"))
        if not found:
            raise SystemExit(f"No lessons in {LESSONS}: a dockernet-nb build must carry notebooks/*.ipynb.")
        return found + sorted(LESSONS.glob("*.md"))  # the glossary, recap and troubleshooting pages they link to

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install finds notebooks/ beside the package
        target = Path(self.build_lib, *TARGET)
        self.mkpath(str(target))
        for lesson in self._lessons():
            self.copy_file(str(lesson), str(target / lesson.name))

    def get_outputs(self, include_bytecode=True):
        outputs = super().get_outputs(include_bytecode)
        if getattr(self, "editable_mode", False):
            return outputs
        return outputs + [str(Path(self.build_lib, *TARGET, lesson.name)) for lesson in self._lessons()]


setup(cmdclass={"build_py": build_py_with_lessons})
