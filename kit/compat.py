"""The four tf-slim 1.1.0 fixes that TF 2.21 needs, each small and reversible.

1. ``slim.batch_norm`` (and so ``resnet_arg_scope`` and friends): TF's lazy loader
   imports ``tf_keras.legacy_tf_layers``, a module tf_keras 2.21 moved to
   ``tf_keras.src.legacy_tf_layers``, so without help it fails with ``ModuleNotFoundError:
   No module named 'tf_keras.legacy_tf_layers'``. We alias the old names.
2. ``slim.local_variable`` / ``slim.global_variable`` call ``variable_scope.variable``,
   which TF removed, so both raise ``AttributeError`` before they build anything (lesson 04,
   "Local variables", shows it). We replace the two functions with versions that build a
   ``tf.compat.v1.Variable`` in the collection the function names.
3. Names TF moved: tf-slim looks up ``ops.Tensor``, ``ops.IndexedSlices`` and
   ``array_ops.unstack``, which TF 2.21 keeps only in other modules, so ``slim.batch_norm``
   on a 2-D input (``fully_connected(..., normalizer_fn=slim.batch_norm)``) fails with
   ``AttributeError: module 'tensorflow.python.framework.ops' has no attribute 'Tensor'``.
   tf-slim's modules get a view of ``ops`` / ``array_ops`` that also has the moved names;
   TensorFlow's own modules are not touched.
4. ``slim.learning.train``: its Supervisor counts steps and saves checkpoints in
   background threads, and in TF 2 a new thread runs eagerly, outside the graph being
   trained, so training stops with ``TypeError: <tf.Tensor 'global_step:0' ...> is out of
   scope and cannot be used here`` (then ``RuntimeError: Graph is finalized``). The
   Supervisor's three threads now run inside their session's graph.

All four are applied by ``import kit``. tests/test_compat.py runs the unpatched calls in a
fresh process that never imports kit and checks that both errors still happen, so a future
tf-slim release that fixes them is noticed.
"""

from __future__ import annotations

import importlib
import sys
import types

MOVED_KERAS_MODULES = {
    "tf_keras.legacy_tf_layers": "tf_keras.src.legacy_tf_layers",
    "tf_keras.legacy_tf_layers.base": "tf_keras.src.legacy_tf_layers.base",
    "tf_keras.legacy_tf_layers.normalization": "tf_keras.src.legacy_tf_layers.normalization",
}


def alias_moved_keras_modules() -> None:
    """Make ``tf_keras.legacy_tf_layers[...]`` importable again (batch norm fix)."""
    for old, new in MOVED_KERAS_MODULES.items():
        if old not in sys.modules:
            sys.modules[old] = importlib.import_module(new)


def _variable_in(collection_key: str):
    def make(initial_value, validate_shape=True, name=None, use_resource=None):
        import tensorflow.compat.v1 as tf1

        return tf1.Variable(
            initial_value,
            trainable=False,
            collections=[collection_key],
            validate_shape=validate_shape,
            use_resource=use_resource,
            name=name,
        )

    return make


def replace_local_and_global_variable() -> None:
    """Swap tf-slim's broken ``local_variable``/``global_variable`` for working ones."""
    import tensorflow.compat.v1 as tf1
    import tf_slim
    from tf_slim.ops import variables as slim_variables

    fixed = {
        "local_variable": _variable_in(tf1.GraphKeys.LOCAL_VARIABLES),
        "global_variable": _variable_in(tf1.GraphKeys.GLOBAL_VARIABLES),
    }
    for name, function in fixed.items():
        original = getattr(slim_variables, name)
        # A second apply_fixes() finds our fix in place: keep tf-slim's own function.
        original = getattr(original, "__wrapped_original__", original)
        function.__name__ = name
        function.__doc__ = original.__doc__
        function.__wrapped_original__ = original
        setattr(slim_variables, name, function)
        setattr(tf_slim, name, function)


# tf-slim modules that use names TF 2.21 moved, and the moved names they need.
MOVED_NAMES = {
    "ops": ("tf_slim.layers.utils", "tf_slim.learning", "tf_slim.training.training",
            "tf_slim.layers.optimizers"),
    "array_ops": ("tf_slim.layers.layers",),
}


def _moved_names() -> dict[str, dict[str, object]]:
    from tensorflow.python.framework import indexed_slices, tensor
    from tensorflow.python.ops import array_ops_stack

    return {
        "ops": {"Tensor": tensor.Tensor, "IndexedSlices": indexed_slices.IndexedSlices},
        "array_ops": {"unstack": array_ops_stack.unstack},
    }


def module_view(module: types.ModuleType, names: dict[str, object]) -> types.ModuleType:
    """A stand-in for ``module`` that has ``names`` as well as everything ``module`` has."""
    view = types.ModuleType(module.__name__, module.__doc__)
    view.__dict__.update(names)
    view.__getattr__ = lambda name: getattr(module, name)
    view.__wrapped_module__ = module
    return view


def restore_moved_names() -> None:
    """Give tf-slim's modules views of ``ops``/``array_ops`` with the names TF moved."""
    moved = _moved_names()
    for attribute, module_names in MOVED_NAMES.items():
        for module_name in module_names:
            module = importlib.import_module(module_name)
            current = getattr(module, attribute)
            original = getattr(current, "__wrapped_module__", current)
            setattr(module, attribute, module_view(original, moved[attribute]))


def run_supervisor_threads_in_their_graph() -> None:
    """Make ``slim.learning.train``'s background threads build in the session's graph."""
    from tensorflow.python.training import supervisor

    for thread_class in (supervisor.SVSummaryThread, supervisor.SVStepCounterThread,
                         supervisor.SVTimerCheckpointThread):
        original = getattr(thread_class.run, "__wrapped_original__", thread_class.run)

        def run(self, _original=original):
            graph = getattr(getattr(self, "_sess", None), "graph", None)
            if graph is None:
                return _original(self)
            with graph.as_default():
                return _original(self)

        run.__wrapped_original__ = original
        thread_class.run = run


def apply_fixes() -> None:
    """Apply all four fixes; safe to call more than once."""
    alias_moved_keras_modules()
    replace_local_and_global_variable()
    restore_moved_names()
    run_supervisor_threads_in_their_graph()
