"""Lesson 08 exercises: the same model in TF1 scopes and in TF2 objects, and a port between them.

The TF1 model (``tf1_mlp``) names its variables by variable scope; the TF2 models
(``MLP`` of ``Dense`` modules, and ``keras_mlp``) own theirs as attributes. The port
exercise is judged by values: the learner's name map loads the TF1 checkpoint into the
Keras model, and both models must then give the same outputs on the same input.

``r1``-``r3`` open the lesson: recall questions on earlier lessons, checked and recorded like
the rest, with answers computed by building the graph they ask about.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from kit.checkpoints import plan_restore, stand_in_checkpoint
from kit.exercise import FixExercise, PredictExercise, TracebackExercise, exec_solution
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run, eager, run_eagerly
from kit.tf2_exercise import ModelExercise

tf1, slim = import_tensorflow()

SAMPLE = np.linspace(-1.0, 1.0, 15, dtype=np.float32).reshape(5, 3)
CHECKPOINT_KEYS = ("mlp/hidden/biases", "mlp/hidden/weights", "mlp/out/biases", "mlp/out/weights")


# --- the model, three ways -----------------------------------------------------------------


def tf1_mlp(x):
    """TF1 style: two slim layers in variable scope ``mlp``; AUTO_REUSE shares them."""
    with tf1.variable_scope("mlp", reuse=tf1.AUTO_REUSE):
        net = slim.fully_connected(x, 4, scope="hidden")
        return slim.fully_connected(net, 2, activation_fn=None, scope="out")


# The Dense layer is written once, as code, so the lesson can show it and the exercises
# can start from it: DENSE_CODE makes its variables inside the layer's own name scope;
# MY_DENSE_STARTER (q4's starter, the notebook's MyDense) opens that scope only in
# __call__, after its variables already have their names.
DENSE_CODE = '''\
class Dense(tf.Module):
    def __init__(self, units_in, units_out, activation=tf.nn.relu, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.w = tf.Variable(tf.random.normal([units_in, units_out], stddev=0.5), name="weights")
            self.b = tf.Variable(tf.zeros([units_out]), name="biases")
        self.activation = activation

    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        return self.activation(y) if self.activation else y
'''

MY_DENSE_STARTER = '''\
class MyDense(tf.Module):
    def __init__(self, units_in, units_out, activation=tf.nn.relu, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.random.normal([units_in, units_out], stddev=0.5), name="weights")
        self.b = tf.Variable(tf.zeros([units_out]), name="biases")
        self.activation = activation

    def __call__(self, x):
        with self.name_scope:
            y = tf.matmul(x, self.w) + self.b
            return self.activation(y) if self.activation else y
'''
MY_DENSE_SOLUTION = DENSE_CODE.replace("class Dense(", "class MyDense(")
TF2_NAMES = {"tf": tf}


def _defined(code: str, name: str):
    return exec_solution(code, f"lesson08 {name}", TF2_NAMES)[name]


Dense = _defined(DENSE_CODE, "Dense")
MyDense = _defined(MY_DENSE_STARTER, "MyDense")  # as the notebook hands it out


class MLP(tf.Module):
    """TF2 style: the same two layers as ``tf1_mlp``, as attributes of one module."""

    def __init__(self, layer=Dense, name="mlp"):
        super().__init__(name=name)
        with self.name_scope:
            self.hidden = layer(3, 4, name="hidden")
            self.out = layer(4, 2, activation=None, name="out")

    def __call__(self, x):
        return self.out(self.hidden(x))


def keras_mlp():
    """The same model in Keras 3 (``tf.keras``), built for 3 inputs."""
    return tf.keras.Sequential(
        [
            tf.keras.Input((3,)),
            tf.keras.layers.Dense(4, activation="relu", name="hidden"),
            tf.keras.layers.Dense(2, name="out"),
        ],
        name="mlp",
    )


# --- the TF1 checkpoint the port starts from --------------------------------------------------


def tf1_checkpoint() -> str:
    """The checks' TF1 checkpoint of ``tf1_mlp`` ("trained"), saved once per process in a
    folder removed at exit."""
    return stand_in_checkpoint("lesson08-tf1-mlp",
                               lambda: tf1_mlp(tf1.placeholder(tf1.float32, [None, 3])))


def tf1_outputs(path: str, inputs: np.ndarray = SAMPLE) -> np.ndarray:
    """What the TF1 model restored from ``path`` computes on ``inputs`` (graph and Session)."""
    with fresh_graph():
        x = tf1.placeholder(tf1.float32, [None, 3])
        y = tf1_mlp(x)
        with tf1.Session() as sess:
            tf1.train.Saver().restore(sess, path)
            return sess.run(y, {x: inputs})


def load_by_name_map(path: str, name_map: dict) -> None:
    """Assign each TF2 variable the checkpoint tensor its key names (``{key: variable}``)."""
    reader = tf.train.load_checkpoint(path)
    for key, variable in name_map.items():
        variable.assign(reader.get_tensor(key))


# --- what the predictions are, found by running TF ---------------------------------------------


def variables_after_two_calls() -> int:
    with eager():
        model = MLP()
        model(SAMPLE)
        model(SAMPLE[:2])
        return len(model.trainable_variables)


def my_dense_weights_name() -> str:
    with eager():
        return MLP(layer=MyDense).hidden.w.name


def keras_kernel_name() -> str:
    with eager():
        layer = tf.keras.layers.Dense(4, name="hidden")
        layer(SAMPLE)
        return layer.kernel.name


q1 = PredictExercise(
    name="q1",
    lesson="08",
    title="Variables after two calls",
    answer_name="q1_answer",
    expected=variables_after_two_calls,
    explanation=(
        "`MLP()` made its 4 variables in `__init__`; a call only reads them. In TF2 sharing is "
        "owning: call the same object again and it uses the same variables, with no reuse flag."
    ),
    wrong_answers={
        8: (
            "The second call makes nothing new: the variables were made once, in `__init__`, "
            "and every call reads those same objects."
        ),
        2: "Each of the two Dense layers owns two variables, weights and biases.",
        0: "The variables exist as soon as `MLP()` returns: they are made in `__init__`.",
    },
    hints=[
        (
            "When do the layers make their variables: once, when `MLP()` builds them, or on "
            "every call?"
        ),
        "Two Dense layers, each with a weights matrix and a bias vector; the calls only read them.",
    ],
    solution_code="q1_answer = 4",
)

q2 = PredictExercise(
    name="q2",
    lesson="08",
    title="A layer that does not open its own name scope",
    answer_name="q2_answer",
    expected=my_dense_weights_name,
    explanation=(
        "A variable gets its name when it is made, from the name scopes open at that moment. "
        "`MyDense` makes its variables in `__init__`, where only MLP's scope `mlp/` is open; "
        "it opens its own scope later, in `__call__`. So its weights are `mlp/weights:0`, "
        "and the out layer's too."
    ),
    wrong_answers={
        "mlp/hidden/weights:0": (
            "That is what you get when the variables are made inside MyDense's own "
            "`with self.name_scope:`. MyDense opens it only in `__call__`, after `__init__` "
            "has made them."
        ),
        "weights:0": (
            "MLP makes its layers inside its own `with self.name_scope:`, so a scope is open "
            "while MyDense's `__init__` runs."
        ),
        "hidden/weights:0": (
            "The layer's name `hidden` is used only inside MyDense's own "
            "`with self.name_scope:`, and that block is in `__call__`."
        ),
    },
    hints=[
        "A variable is named when `tf.Variable` runs, after the name scopes open at that moment.",
        (
            "Where does MyDense open its own name scope: in `__init__`, where its variables are "
            "made, or later?"
        ),
        "While MyDense's `__init__` runs, the only open scope is MLP's `mlp/`.",
    ],
    solution_code='q2_answer = "mlp/weights:0"',
)

q3 = PredictExercise(
    name="q3",
    lesson="08",
    title="What Keras 3 calls a kernel",
    answer_name="q3_answer",
    expected=keras_kernel_name,
    explanation=(
        "Keras 3 keeps a variable's own short name in `.name` and the layer path in `.path` "
        "(`hidden/kernel`). There is no `:0`: a Keras variable is not a graph tensor."
    ),
    wrong_answers={
        "hidden/kernel": "That is its `.path`; `.name` is only the variable's own name.",
        "hidden/kernel:0": "That is how Keras 2 (tf_keras) named it; Keras 3 changed what `.name` holds.",
        "hidden/weights": "`weights` is tf-slim's word, and Keras 3's `.name` holds no layer name.",
    },
    hints=[
        (
            "Keras 3 gives each variable two names: a short `.name` and a longer `.path` that "
            "starts with the layer's name."
        ),
        "The `.path` of this variable is `hidden/kernel`; `.name` is only its last part.",
    ],
    solution_code='q3_answer = "kernel"',
)


# --- q4: a Dense module whose names lose the layer's own scope ----------------------------------

def layer_names_missing(reference: Run, run: Run) -> str | None:
    """q4: variables named ``mlp/weights`` instead of ``mlp/hidden/weights``."""
    expected = {v.name for v in reference.tree.variables}
    mine = [v.name for v in run.tree.variables]
    lost = sorted({name for name in mine if name not in expected and name.count("/") < 2})
    if not lost:
        return None
    return (
        f"your variables are called {', '.join(f'`{n}`' for n in lost)}, without the layer's "
        "name (`hidden/`, `out/`). A variable is named when it is made, and a tf.Module's name "
        "applies only inside its `with self.name_scope:` block: is that block open where the "
        "variables are made?"
    )


q4 = ModelExercise(
    name="q4",
    lesson="08",
    title="Name a module's variables after the module",
    function_name="MyDense",
    starter_code=MY_DENSE_STARTER,
    solution_code=MY_DENSE_SOLUTION,
    names=TF2_NAMES,
    make_model=lambda layer: MLP(layer=layer),
    make_inputs=lambda tf: (tf.constant(SAMPLE),),
    calls=2,
    extra_checks=[layer_names_missing],
    hints=[
        (
            "Print `[v.name for v in MLP(layer=MyDense).variables]`: which part of the name is "
            "missing? A variable is named when it is made."
        ),
        (
            "MyDense's own name scope is open only in `__call__`, but the variables are made in "
            "`__init__`."
        ),
        "Move `with self.name_scope:` into `__init__`, around the two `tf.Variable` lines.",
    ],
    explanation=(
        "Inside `with self.name_scope:` in `__init__` the variables get the module's full "
        "scope, `mlp/hidden/`, so the TF2 names match the TF1 checkpoint's names. Opened in "
        "`__call__`, the scope came too late: the variables already had their names."
    ),
)


# --- q5: two towers that should share one layer -------------------------------------------------

TOWERS_STARTER = '''\
class Towers(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.left_tower = Dense(3, 4, name="tower")
            self.right_tower = Dense(3, 4, name="tower")

    def __call__(self, left, right):
        return self.left_tower(left), self.right_tower(right)
'''

TOWERS_SOLUTION = '''\
class Towers(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.tower = Dense(3, 4, name="tower")

    def __call__(self, left, right):
        return self.tower(left), self.tower(right)
'''


def same_name_twice(reference: Run, run: Run) -> str | None:
    """q5: two variables with one name: two layer objects where one shared object was meant."""
    names = [v.name for v in run.tree.variables]
    twice = sorted({name for name in names if names.count(name) > 1})
    if not twice:
        return None
    return (
        f"two variables are both called `{twice[0]}`. TF2 neither makes names unique nor looks "
        "variables up by name: each Dense object owns its own weights, whatever they are "
        "called. Make one Dense and call that object on both inputs."
    )


q5 = ModelExercise(
    name="q5",
    lesson="08",
    title="Two towers, one set of weights",
    function_name="Towers",
    starter_code=TOWERS_STARTER,
    solution_code=TOWERS_SOLUTION,
    names={**TF2_NAMES, "Dense": Dense},
    make_model=lambda towers: towers(name="towers"),
    make_inputs=lambda tf: (tf.constant(SAMPLE), tf.constant(SAMPLE[::-1].copy())),
    calls=2,
    extra_checks=[same_name_twice],
    hints=[
        "How many Dense objects does `__init__` make? Each one owns a weights matrix.",
        (
            "In TF2, sharing means calling the same object: two towers need one layer, not two "
            "layers with one name."
        ),
        "Keep one `self.tower = Dense(3, 4, name='tower')` and call it in both places.",
    ],
    explanation=(
        "One Dense object, used twice: both towers read the same two variables. That is "
        "lesson 03's `reuse=True`, written as ownership."
    ),
)


# --- q6: port the TF1 checkpoint into the Keras model by a name map ------------------------------

NAME_MAP_STARTER = '''\
def name_map(model):
    return {v.path: v for v in model.weights}
'''

NAME_MAP_SOLUTION = '''\
def name_map(model):
    keras_to_slim = {"kernel": "weights", "bias": "biases"}
    mapping = {}
    for v in model.weights:
        layer, kind = v.path.rsplit("/", 1)
        mapping[f"{layer}/{keras_to_slim[kind]}"] = v
    return mapping
'''


def _ported_outputs_problem(mapping, model) -> str | None:
    if not isinstance(mapping, dict):
        return (
            f"`name_map` returned a {type(mapping).__name__}; return a dict "
            "`{checkpoint name: variable}`."
        )
    plan = plan_restore(tf1_checkpoint(), mapping)
    if plan.missing:
        return (
            f"{plan.missing[0]!r} is not a name in the checkpoint, whose names are "
            f"{', '.join(CHECKPOINT_KEYS)}. Turn each Keras path (`mlp/hidden/kernel`) into the "
            "slim name (`mlp/hidden/weights`)."
        )
    shape_problem = plan.with_status("shape differs")
    if shape_problem:
        entry = shape_problem[0]
        return (
            f"{entry.key!r} {entry.checkpoint_shape} would go into `{entry.variable}` "
            f"{entry.graph_shape}: map weights to kernels and biases to biases."
        )
    if plan.unused:
        return (
            f"the checkpoint's {plan.unused[0]!r} is not mapped to any variable, so that "
            "variable would keep its fresh value. Map all four names."
        )
    load_by_name_map(tf1_checkpoint(), mapping)
    ported, original = model(SAMPLE).numpy(), tf1_outputs(tf1_checkpoint())
    if not np.allclose(ported, original, atol=1e-5):
        return "every name is mapped, but the Keras model's outputs differ from the TF1 model's."
    return None


def outputs_match_tf1(reference: Run, run: Run) -> str | None:
    """q6: the map loads all four tensors into the right variables: same outputs as TF1."""
    return _ported_outputs_problem(run.outputs[0] if run.outputs else None, run.model)


class NameMapExercise(FixExercise):
    """The learner's ``name_map(model)`` is called on a fresh Keras model, eagerly."""

    how_to_make_variables = "Return a dict of the model's own variables."

    def _run(self, fn, cap) -> Run:
        run = run_eagerly(keras_mlp, None, 1, cap, call=lambda model, _inputs: fn(model),
                          variables_of=lambda model: model.weights)
        run.input_count = 1
        return run


q6 = NameMapExercise(
    name="q6",
    lesson="08",
    title="Load a TF1 checkpoint into a Keras model",
    function_name="name_map",
    starter_code=NAME_MAP_STARTER,
    solution_code=NAME_MAP_SOLUTION,
    names=TF2_NAMES,
    compare=("names", "shapes"),
    extra_checks=[outputs_match_tf1],
    hints=[
        "Compare `tf.train.list_variables(CKPT)` with `[v.path for v in model.weights]`.",
        "The layer part (`mlp/hidden`) is the same; only `kernel`/`bias` must become `weights`/`biases`.",
        (
            "Split each path with `v.path.rsplit(\"/\", 1)` and look its last part up in a dict "
            "`{\"kernel\": \"weights\", \"bias\": \"biases\"}`."
        ),
    ],
    explanation=(
        "The map pairs each checkpoint name with the Keras variable that plays its part; "
        "assigning by it gives the Keras model the TF1 model's values, so both compute the same."
    ),
)

# --- recall: three questions on lessons 02 to 07 that open this lesson ------------------


def recall_vgg16_last_weights() -> str:
    """The name of the last layer's weights in tf_slim.nets.vgg.vgg_16 (in a graph)."""
    from tf_slim.nets import vgg

    with fresh_graph():
        images = tf1.placeholder(tf.float32, [None, 224, 224, 3], name="images")
        vgg.vgg_16(images, num_classes=10)
        return tf1.global_variables()[-2].name


def recall_batch_norm_checkpoint_count() -> int:
    """Names in the checkpoint a default Saver writes for one conv2d with batch norm."""
    import tempfile

    from kit.checkpoints import checkpoint_variables

    with tempfile.TemporaryDirectory(prefix="scopekit-recall08-") as folder:
        with fresh_graph():
            x = tf1.placeholder(tf.float32, [None, 8, 8, 3], name="x")
            slim.conv2d(x, 4, [3, 3], normalizer_fn=slim.batch_norm, scope="conv1")
            with tf1.Session() as sess:
                sess.run(tf1.global_variables_initializer())
                path = tf1.train.Saver().save(sess, f"{folder}/model")
        return len(checkpoint_variables(path))


RECALL_TOWER_CODE = '''\
images = tf1.placeholder(tf.float32, [2, 4])
left, right = images[:1], images[1:]
def tower(x):
    with tf1.variable_scope("tower"):
        w = tf1.get_variable("w", [4, 2])
        return tf.matmul(x, w)
net_left = tower(left)
net_right = tower(right)
'''


r1 = PredictExercise(
    name="r1",
    lesson="08",
    title="Recall (lessons 06 and 07): the real VGG-16's last weights",
    recall_of="lessons 06 and 07",
    answer_name="r1_answer",
    expected=recall_vgg16_last_weights,
    explanation=(
        "`vgg_16` wraps every layer in the variable scope `vgg_16` and keeps the paper's layer "
        "names, so the last weights are `vgg_16/fc8/weights:0`, and the checkpoint key is that "
        "without `:0`. This is why lesson 07's `exclude=[\"fc8\"]` misses them."
    ),
    wrong_answers={
        "fc8/weights:0": (
            "That is how the README's vgg16() names it. The real network opens one more "
            "variable scope, around all of its layers."
        ),
        "vgg_16/logits/weights:0": (
            "vgg_16 keeps the layer names of the paper for its head, as for fc6 and fc7."
        ),
        "vgg_16/fc8/weights_1:0": (
            "Every layer has a variable scope of its own, so no variable inside needs a `_1`."
        ),
    },
    hints=[
        "How does tf_slim.nets.vgg.vgg_16 differ from the README's vgg16() in its scopes?",
        (
            "Every layer of vgg_16 sits inside one outer variable scope named after the network, "
            "and the last layer keeps the name it has in the README (lesson 06, section 5)."
        ),
    ],
    solution_code='r1_answer = "vgg_16/fc8/weights:0"',
)

r2 = PredictExercise(
    name="r2",
    lesson="08",
    title="Recall (lessons 04, 05 and 07): a checkpoint of one conv layer with batch norm",
    recall_of="lessons 04, 05 and 07",
    answer_name="r2_answer",
    expected=recall_batch_norm_checkpoint_count,
    explanation=(
        "A Saver made with no var_list saves every global variable. slim.conv2d with a "
        "normalizer makes `weights` and no biases; slim.batch_norm makes `beta` (gamma only "
        "with scale=True) and the two moving averages, which are not trainable but global. "
        "Four names."
    ),
    wrong_answers={
        2: (
            "That counts the trainable variables. A default Saver saves every global variable, "
            "trainable or not."
        ),
        6: (
            "With a normalizer_fn, slim.conv2d makes no biases, and slim.batch_norm makes no "
            "gamma unless scale=True."
        ),
        5: (
            "One of the variables you counted is not made: conv2d drops its biases when it is "
            "given a normalizer, and batch_norm makes gamma only with scale=True."
        ),
    },
    hints=[
        (
            "A Saver made with no var_list saves one collection of variables. Which one, and "
            "which of this layer's variables are in it?"
        ),
        (
            "With normalizer_fn=slim.batch_norm, conv2d makes weights but no biases; batch_norm "
            "makes beta and two moving averages (not trainable, still global), and gamma only "
            "with scale=True (lesson 05, section 7)."
        ),
    ],
    solution_code="r2_answer = 4",
)

r3 = TracebackExercise(
    name="r3",
    lesson="08",
    title="Recall (lessons 02 and 03): two towers in TF1",
    recall_of="lessons 02 and 03",
    answer_name="r3_answer",
    broken_code=RECALL_TOWER_CODE,
    fix=(4, 'with tf1.variable_scope("tower", reuse=tf1.AUTO_REUSE):'),
    wrong_answers={
        8: (
            "Line 8 builds the second tower, which you want. What must the scope allow when the "
            "function runs a second time?"
        ),
        5: (
            "Line 5 asks for `tower/w`; whether tf.get_variable may hand back the one that "
            "exists is decided by the scope it runs in."
        ),
        7: "The first call builds without trouble: the error comes from the second.",
    },
    hints=[
        (
            "In TF1, a function called twice creates its variables twice unless its scope says "
            "otherwise. What does the error ask for?"
        ),
        (
            "The scope the function opens must create `tower/w` on the first call and reuse it on "
            "the second (lesson 02, section 3; lesson 03, section 2)."
        ),
    ],
    explanation=(
        "`tf1.variable_scope(\"tower\")` does not reuse, so the second call's get_variable "
        "finds `tower/w` taken. With `reuse=tf1.AUTO_REUSE` the first call creates it and the "
        "second reuses it: the two towers share one `w`. In TF2 (this lesson) you get the same "
        "by calling one object twice."
    ),
)
r3.names = {"tf1": tf1, "tf": tf}


EXERCISES = (r1, r2, r3, q1, q2, q3, q4, q5, q6)
