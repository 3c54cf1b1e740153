"""How much does ``check()`` add over building the reference graph itself?

For a few representative exercises this times, as medians of interleaved runs:
- reference build: running the solution (a fresh graph, or eagerly for TF2): what any check must do;
- check (first): the first ``check()``, which also builds and caches the reference tree;
- check (warm): a later ``check()`` of a correct answer: learner build + tree + diff.
The floor is warm check <= 2x the reference build. ``main()`` prints a table;
``tools/bench.py`` calls it. Run: ``.venv/bin/python -m tools.bench_exercises``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import kit
from kit.exercise import BuildExercise, PredictExercise
from kit.lessons import lesson08
from kit.tf2_exercise import ModelExercise, eager
from tools.execute_notebooks import isolated_progress_store

FLOOR = 2.0

TOWERS = '''def towers(images):
    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):
        net = slim.conv2d(images, 32, [5, 5], scope="conv1")
        net = slim.conv2d(net, 32, [5, 5], scope="conv2")
        return slim.fully_connected(slim.flatten(net), 10, scope="logits")
'''

VGG = '''from tf_slim.nets import vgg

def build(images):
    net, end_points = vgg.vgg_16(images, num_classes=1000, is_training=False)
    return net
'''


def exercises() -> list[BuildExercise | PredictExercise]:
    """Two-tower sharing (TF1 graph and TF2 objects), VGG-16, a predict exercise that runs
    TF, and lesson 08's checkpoint port (load by a name map, compare with the TF1 model)."""

    def name_in_nest() -> str:
        with kit.fresh_graph(), kit.tf.name_scope("foo"), kit.tf.variable_scope("goo"):
            return kit.tf.get_variable("w", [1]).name

    return [
        BuildExercise(
            name="towers", lesson="bench", function_name="towers", solution_code=TOWERS,
            make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 28, 28, 1]),), calls=2,
        ),
        BuildExercise(
            name="vgg16", lesson="bench", function_name="build", solution_code=VGG,
            make_inputs=lambda tf: (tf.placeholder(tf.float32, [1, 224, 224, 3]),),
        ),
        PredictExercise(name="predict", lesson="bench", answer_name="a", expected=name_in_nest),
        lesson08.q5,
        lesson08.q6,
    ]


def _interleaved_medians_ms(first: Callable[[], object], second: Callable[[], object],
                           repeats: int) -> tuple[float, float]:
    """Median ms of each action, timed in alternation so load swings hit both alike.

    Millisecond-sized actions get more rounds (at least 50): their medians need them.
    """
    times: tuple[list[float], list[float]] = ([], [])
    rounds = repeats
    while True:
        for action, samples in zip((first, second), times):
            start = time.perf_counter()
            action()
            samples.append((time.perf_counter() - start) * 1000)
        if len(times[0]) >= rounds:
            if statistics.median(times[0]) < 20 and rounds < 50:
                rounds = 50
                continue
            return statistics.median(times[0]), statistics.median(times[1])


def _reference_build(exercise: BuildExercise) -> None:
    """What any check of ``exercise`` must do with the solution, and no more."""
    function = exercise.reference_function
    if isinstance(exercise, ModelExercise):  # the TF2 object, called eagerly
        import tensorflow as tf2

        with eager():
            model = exercise.make_model(function)
            inputs = exercise.make_inputs(tf2) if exercise.make_inputs else ()
            for _ in range(exercise.calls):
                model(*inputs)
        return
    if isinstance(exercise, lesson08.NameMapExercise):  # port, then both models' outputs
        with eager():
            model = lesson08.keras_mlp()
            lesson08.load_by_name_map(lesson08.tf1_checkpoint(), function(model))
            model(lesson08.SAMPLE)
        lesson08.tf1_outputs(lesson08.tf1_checkpoint())
        return
    with kit.fresh_graph():
        inputs = exercise.make_inputs(kit.tf) if exercise.make_inputs else ()
        for _ in range(exercise.calls):
            function(*inputs)


def measure(exercise, repeats: int = 5) -> dict:
    """Times in milliseconds for one exercise (see the module docstring)."""
    if isinstance(exercise, PredictExercise):
        start = time.perf_counter()
        answer = exercise.expected  # the first check computes this; later ones reuse it
        exercise.check(answer)
        first = (time.perf_counter() - start) * 1000
        reference, warm = _interleaved_medians_ms(
            exercise._expected_source, lambda: exercise.check(answer), repeats)
    else:
        solution = exercise.reference_function  # exec the solution once, outside the timings
        start = time.perf_counter()
        feedback = exercise.check(solution)
        first = (time.perf_counter() - start) * 1000
        assert feedback.correct, str(feedback)
        reference, warm = _interleaved_medians_ms(
            lambda: _reference_build(exercise), lambda: exercise.check(solution), repeats)
    return {
        "exercise": exercise.name if exercise.lesson == "bench" else f"{exercise.lesson} {exercise.name}",
        "reference_ms": reference,
        "first_check_ms": first,
        "warm_check_ms": warm,
        "ratio": warm / reference if reference else float("inf"),
    }


def table(rows: list[dict]) -> str:
    lines = [
        f"{'exercise':<10} {'reference build':>16} {'first check':>12} {'warm check':>11} {'warm/ref':>9}  floor",
    ]
    for row in rows:
        verdict = "ok" if row["ratio"] <= FLOOR else f"OVER {FLOOR:g}x"
        lines.append(
            f"{row['exercise']:<10} {row['reference_ms']:>13.1f} ms {row['first_check_ms']:>9.1f} ms "
            f"{row['warm_check_ms']:>8.1f} ms {row['ratio']:>8.2f}x  {verdict}"
        )
    return "\n".join(lines)


def main(repeats: int = 5) -> list[dict]:
    """Print the table and return its rows (for tools/bench.py)."""
    with isolated_progress_store():  # the checks record outcomes: keep them out of yours
        rows = [measure(exercise, repeats) for exercise in exercises()]
    print(f"check() overhead (medians of {repeats} or more interleaved runs; timings here "
          "vary about 2x)")
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
