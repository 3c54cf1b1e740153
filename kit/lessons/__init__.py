"""The lessons, in order: number, title, notebook file and exercises module.

Plain data on purpose: this module imports nothing heavy (no TensorFlow), so the
start-here notebook and the tools can list lessons without building any graph. Each
lesson's exercises live in ``kit.lessons.lessonNN``; import that module to get them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    """One lesson notebook in ``notebooks/``."""

    number: str
    title: str
    notebook: str
    module: str | None


LESSONS: tuple[Lesson, ...] = (
    Lesson("00", "Start here", "00_start_here.ipynb", None),
    Lesson("01", "name_scope vs variable_scope", "01_name_scope_vs_variable_scope.ipynb",
           "kit.lessons.lesson01"),
    Lesson("02", "Reuse modes", "02_reuse_modes.ipynb", "kit.lessons.lesson02"),
    Lesson("03", "Sharing weights", "03_sharing_weights.ipynb", "kit.lessons.lesson03"),
    Lesson("04", "tf-slim variables", "04_slim_variables.ipynb", "kit.lessons.lesson04"),
    Lesson("05", "tf-slim layers and arg_scope", "05_slim_layers_arg_scope.ipynb",
           "kit.lessons.lesson05"),
    Lesson("06", "repeat, stack and VGG-16", "06_repeat_stack_vgg16.ipynb",
           "kit.lessons.lesson06"),
    Lesson("07", "Checkpoints and warm starts", "07_checkpoints_warm_start.ipynb",
           "kit.lessons.lesson07"),
    Lesson("08", "From variable_scope to TF2", "08_variable_scope_to_tf2.ipynb",
           "kit.lessons.lesson08"),
    Lesson("09", "Losses and training", "09_losses_and_training.ipynb", "kit.lessons.lesson09"),
    Lesson("10", "Fine-tuning and evaluation", "10_fine_tuning_and_evaluation.ipynb",
           "kit.lessons.lesson10"),
    Lesson("11", "Capstone: two towers, a warm start and a port to TF2", "11_capstone.ipynb",
           "kit.lessons.lesson11"),
)


def lesson(number: str) -> Lesson:
    """The lesson with this number (``"01"``); ``KeyError`` if there is none."""
    for candidate in LESSONS:
        if candidate.number == number:
            return candidate
    raise KeyError(f"no lesson {number!r}; lessons are {', '.join(x.number for x in LESSONS)}")


def exercise_lessons() -> tuple[Lesson, ...]:
    """The lessons that have exercises (all but the start page)."""
    return tuple(candidate for candidate in LESSONS if candidate.module)
