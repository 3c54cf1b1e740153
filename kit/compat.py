"""The two tf-slim 1.1.0 fixes that TF 2.21 needs, each small and reversible.

1. ``slim.batch_norm`` (and so ``resnet_arg_scope`` and friends): TF's lazy loader
   imports ``tf_keras.legacy_tf_layers``, a module tf_keras 2.21 moved to
   ``tf_keras.src.legacy_tf_layers`` (FACTS RN11, RN12). We alias the old names.
2. ``slim.local_variable`` / ``slim.global_variable`` call
   ``variable_scope.variable``, which TF removed (FACTS SV09, SV10). We replace the two
   functions with versions that build a ``tf.compat.v1.Variable``, as tf-slim's
   unreleased master does.

Both are applied by ``import kit``; ``broken_upstream()`` reports which are still
needed, so a future tf-slim release that fixes them can be noticed by the tests.
"""

from __future__ import annotations

import importlib
import sys

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


def apply_fixes() -> None:
    """Apply both fixes; safe to call more than once."""
    alias_moved_keras_modules()
    replace_local_and_global_variable()
