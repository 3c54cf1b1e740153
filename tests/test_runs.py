"""One runner for learner code: in a fresh graph or eagerly, both stop runaway variables."""

from __future__ import annotations

import kit  # noqa: F401  (imports TF quietly first)
from kit.exercise import Outcome, exec_solution
from kit.lessons import lesson08
from kit.runs import MIN_VARIABLE_CAP, run_eagerly, run_in_graph

RUNAWAY_GRAPH = '''\
def build(x):
    i = 0
    while True:
        tf.get_variable(f"w{i}", [1])
        i += 1
'''

RUNAWAY_NAME_MAP = '''\
def name_map(model):
    mapping = {}
    while True:
        mapping[len(mapping)] = tf.Variable(0.0)
'''


def test_a_runaway_build_in_a_graph_stops_at_the_cap():
    build = exec_solution(RUNAWAY_GRAPH, "test")["build"]
    run = run_in_graph(build, lambda tf: (tf.zeros([1]),), 1, cap=MIN_VARIABLE_CAP)
    assert type(run.error).__name__ == "VariableCapReached"


def test_a_runaway_object_made_eagerly_stops_at_the_cap():
    import tensorflow as tf2

    class Greedy(tf2.Module):
        def __init__(self):
            super().__init__()
            self.parts = [tf2.Variable(0.0) for _ in range(10_000)]

    run = run_eagerly(Greedy, None, 1, cap=MIN_VARIABLE_CAP)
    assert type(run.error).__name__ == "VariableCapReached"


def test_eager_runs_count_variables_after_each_call():
    import tensorflow as tf2

    class Grows(tf2.Module):
        def __call__(self, x):
            self.last = tf2.Variable(x)
            return x

    run = run_eagerly(Grows, lambda tf: (tf.constant(1.0),), 3)
    assert run.counts == [1, 2, 3] and run.error is None


def test_the_checkpoint_port_exercise_stops_a_runaway_name_map_at_the_cap():
    name_map = exec_solution(RUNAWAY_NAME_MAP, "test", lesson08.TF2_NAMES)["name_map"]
    feedback = lesson08.q6.check(name_map)
    assert feedback.outcome is Outcome.ERROR
    assert "runaway variable creation" in feedback.to_text()
