"""Lesson 03 exercises: sharing weights between towers (seed 001) and clones (seed 000).

Predict answers are computed by building the graphs they ask about: seed 001's image
filter, eager-mode get_variable, and two ResNet-50 clones with batch norm (FACTS
SH01-SH07, DUP02, TF2-04, RN01-RN13).
"""

from __future__ import annotations

import functools

from kit.exercise import BuildExercise, FixExercise, PredictExercise
from kit.quiet_tf import fresh_graph, import_tensorflow

tf, slim = import_tensorflow()

IMAGE_SHAPE = [1, 16, 16, 32]  # seed 001's kernels are [5, 5, 32, 32]: 32 input channels


def conv_relu(inputs, kernel_shape, bias_shape):
    """Seed 001's conv layer, with its `constant_intializer` typo fixed (FACTS SH02)."""
    weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
    biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(inputs, weights, strides=[1, 1, 1, 1], padding="SAME")
    return tf.nn.relu(conv + biases)


def my_image_filter(input_images):
    """Seed 001's two-layer filter: variables conv1/{weights,biases}, conv2/{weights,biases}."""
    with tf.variable_scope("conv1"):
        relu1 = conv_relu(input_images, [5, 5, 32, 32], [32])
    with tf.variable_scope("conv2"):
        return conv_relu(relu1, [5, 5, 32, 32], [32])


def method2_second_output() -> str:
    """Seed 001 method 2 (scope.reuse_variables()): the name of the second result."""
    with fresh_graph():
        image1 = tf.placeholder(tf.float32, IMAGE_SHAPE, name="image1")
        image2 = tf.placeholder(tf.float32, IMAGE_SHAPE, name="image2")
        with tf.variable_scope("image_filters") as scope:
            my_image_filter(image1)
            scope.reuse_variables()
            return my_image_filter(image2).name


def eager_second_get_variable() -> str:
    """In eager mode, what a second default-reuse get_variable('w') does (FACTS TF2-04)."""
    from tensorflow.python.eager import context

    with context.eager_mode():
        with tf.variable_scope("foo"):
            first = tf.get_variable("w", [1])
        try:
            with tf.variable_scope("foo"):
                second = tf.get_variable("w", [1])
        except ValueError:
            return "raises"
    return "reuses" if second is first else "creates"


@functools.lru_cache(maxsize=1)
def clone_collection_sizes() -> dict[str, int]:
    """Two ResNet-50 clones (name_scope cloneN + AUTO_REUSE) under resnet_arg_scope."""
    from tf_slim.nets import resnet_v1

    with fresh_graph():
        images = tf.placeholder(tf.float32, [None, 224, 224, 3], name="images")
        with slim.arg_scope(resnet_v1.resnet_arg_scope()):
            for clone in ("clone0", "clone1"):
                with tf.name_scope(clone):
                    resnet_v1.resnet_v1_50(images, 1000, reuse=tf.AUTO_REUSE)
        return {
            "variables": len(tf.global_variables()),
            "regularization_losses": len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)),
            "update_ops": len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)),
        }


q1 = PredictExercise(
    name="q1",
    lesson="03",
    title="Where does method 2 put the second tower's ops?",
    answer_name="q1_answer",
    expected=method2_second_output,
    explanation=(
        "scope.reuse_variables() keeps you inside the same with-block, so the second call "
        "stays in name scope 'image_filters/'; only the inner variable_scope('conv2') "
        "opens a new name scope there, 'conv2_1' (FACTS SH04)."
    ),
    wrong_answers={
        "image_filters_1/conv2/Relu:0": (
            "That is methods 1 and 3, which close the scope and open it again (a new name "
            "scope 'image_filters_1'). Method 2 never leaves 'image_filters'."
        ),
        "image_filters/conv2/Relu_1:0": (
            "variable_scope('conv2') opens a name scope every time it is entered, and "
            "'conv2' is taken, so the new one is 'conv2_1'; the Relu inside it is the first."
        ),
        "image_filters/conv2/Relu:0": (
            "That is the FIRST call's output. Op names are never shared: the second call "
            "gets new op names even though its variables are shared."
        ),
    },
    hints=[
        (
            "Variables are shared, but ops are always new. Which name scope is open "
            "during the second call?"
        ),
        (
            "Entering variable_scope('conv2') a second time in the same name scope "
            "opens a uniquified name scope."
        ),
    ],
    solution_code='q1_answer = "image_filters/conv2_1/Relu:0"',
)

IMAGE_FILTER_SOLUTION = '''\
def image_filter(images):
    with tf.variable_scope("image_filters", reuse=tf.AUTO_REUSE):
        with tf.variable_scope("conv1"):
            weights = tf.get_variable("weights", [5, 5, 32, 32])
            biases = tf.get_variable("biases", [32], initializer=tf.zeros_initializer())
            relu1 = tf.nn.relu(tf.nn.conv2d(images, weights, [1, 1, 1, 1], "SAME") + biases)
        with tf.variable_scope("conv2"):
            weights = tf.get_variable("weights", [5, 5, 32, 32])
            biases = tf.get_variable("biases", [32], initializer=tf.zeros_initializer())
            return tf.nn.relu(tf.nn.conv2d(relu1, weights, [1, 1, 1, 1], "SAME") + biases)
'''


def _towers_not_shared(expected_tree, learner_tree, run) -> str | None:
    copies = sorted(v.name for v in learner_tree.variables if v.name.startswith("image_filters_1/"))
    if copies:
        return (
            f"the second call made its own variables ({copies[0]} and {len(copies) - 1} more): "
            "the towers are not sharing. Open 'image_filters' with reuse=tf.AUTO_REUSE and "
            "make every variable with tf.get_variable."
        )
    return None


def _missing_outer_scope(expected_tree, learner_tree, run) -> str | None:
    names = [v.name for v in learner_tree.variables]
    if names and not any(name.startswith("image_filters/") for name in names):
        return (
            "your variables are not under 'image_filters/': wrap both conv layers in "
            "tf.variable_scope('image_filters', reuse=tf.AUTO_REUSE)."
        )
    return None


q2 = BuildExercise(
    name="q2",
    lesson="03",
    title="An image filter that shares itself",
    function_name="image_filter",
    solution_code=IMAGE_FILTER_SOLUTION,
    make_inputs=lambda tf: (tf.placeholder(tf.float32, IMAGE_SHAPE, name="images"),),
    calls=2,
    compare=("names", "shapes", "collections"),
    extra_checks=[_towers_not_shared, _missing_outer_scope],
    explanation=(
        "With reuse=tf.AUTO_REUSE inside the function, the first call creates the 4 "
        "variables and every later call reuses them: no caller has to remember reuse=True "
        "(FACTS RU03, SH03)."
    ),
    hints=[
        "The check calls image_filter twice; the 4 variables must exist once.",
        "Put both conv layers inside variable_scope('image_filters', reuse=tf.AUTO_REUSE).",
    ],
)

MIXED_TOWER_STARTER = '''\
def tower(images):
    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):
        weights = tf.get_variable("weights", [3, 3, 32, 8])
        biases = tf.Variable(tf.zeros([8]), name="biases")
        conv = tf.nn.conv2d(images, weights, [1, 1, 1, 1], "SAME")
        return tf.nn.relu(conv + biases)
'''

MIXED_TOWER_SOLUTION = '''\
def tower(images):
    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):
        weights = tf.get_variable("weights", [3, 3, 32, 8])
        biases = tf.get_variable("biases", [8], initializer=tf.zeros_initializer())
        conv = tf.nn.conv2d(images, weights, [1, 1, 1, 1], "SAME")
        return tf.nn.relu(conv + biases)
'''


def _biases_still_copied(expected_tree, learner_tree, run) -> str | None:
    biases = sorted(v.name for v in learner_tree.variables if "biases" in v.name.rsplit("/", 1)[-1])
    if len(biases) > 1:
        return (
            f"there are {len(biases)} bias variables ({', '.join(biases)}): tf.Variable "
            "ignores reuse and makes a new one per call. Create the biases with "
            "tf.get_variable so AUTO_REUSE can share them (FACTS DUP02)."
        )
    return None


q3 = FixExercise(
    name="q3",
    lesson="03",
    title="Half-shared tower: weights shared, biases not",
    function_name="tower",
    starter_code=MIXED_TOWER_STARTER,
    solution_code=MIXED_TOWER_SOLUTION,
    make_inputs=lambda tf: (tf.placeholder(tf.float32, IMAGE_SHAPE, name="images"),),
    calls=2,
    compare=("names", "shapes", "collections"),
    extra_checks=[_biases_still_copied],
    explanation=(
        "Only tf.get_variable looks at reuse. A tf.Variable in a reusing scope is created "
        "again on every call, silently, under a new name scope (FACTS DUP01, DUP02)."
    ),
    hints=[
        "Which of the two variables honours reuse=tf.AUTO_REUSE?",
        "Make the biases with get_variable('biases', [8], initializer=tf.zeros_initializer()).",
    ],
)

q4 = PredictExercise(
    name="q4",
    lesson="03",
    title="Eager mode: the second get_variable('w')",
    answer_name="q4_answer",
    expected=eager_second_get_variable,
    explanation=(
        "Without a graph there is no variable store: in eager mode tf.compat.v1.get_variable "
        "makes a new variable on every call and never complains, so nothing is shared "
        "(FACTS TF2-04). Build inside kit.fresh_graph() (or tf.Graph().as_default())."
    ),
    wrong_answers={
        "raises": (
            "In a graph it would raise 'already exists'. Eagerly there is no variable "
            "store to check against, so nothing fails."
        ),
        "reuses": (
            "Eagerly there is no variable store to find 'foo/w' in; get_variable makes a "
            "brand-new variable with the same name."
        ),
    },
    also_correct=("create",),
    hints=[
        "Sharing works by looking names up in the graph's variable store.",
        "Is there a graph while TF executes eagerly?",
    ],
    solution_code='q4_answer = "creates"',
)

q5 = PredictExercise(
    name="q5",
    lesson="03",
    title="Batch-norm update ops after two clones",
    answer_name="q5_answer",
    expected=lambda: clone_collection_sizes()["update_ops"],
    explanation=(
        "Each of ResNet-50's 53 batch-norm layers adds 2 update ops (moving mean and "
        "variance) every time it runs with is_training=True, so each clone adds 106: 212 in "
        "all. Each clone must update the statistics of the data it saw (FACTS RN13)."
    ),
    wrong_answers={
        106: (
            "106 is one clone's worth. Update ops are ops, not variables: clone1 shares the "
            "moving averages but adds its own ops to update them."
        ),
        53: (
            "53 is the number of batch-norm layers, but each layer adds two update ops: one "
            "for moving_mean, one for moving_variance. And there are two clones."
        ),
        0: "resnet_v1_50 trains by default (is_training=True), so batch norm adds update ops.",
    },
    hints=[
        "After clone0 alone there are 106 update ops. Does clone1 add ops or reuse them?",
        "Variables are shared between clones; ops never are.",
    ],
    solution_code="q5_answer = 212",
)

q6 = PredictExercise(
    name="q6",
    lesson="03",
    title="Regularization losses after two clones",
    answer_name="q6_answer",
    expected=lambda: clone_collection_sizes()["regularization_losses"],
    explanation=(
        "A regularizer runs when its variable is CREATED. clone0 creates all 54 weight "
        "matrices (53 convs + logits) and their losses; clone1 only reuses, so it adds "
        "none. That is why slim's model_deploy takes regularization from the first clone "
        "(FACTS RN13)."
    ),
    wrong_answers={
        108: (
            "Regularization losses are added when a variable is created, not each time it "
            "is read. clone1 reuses every weight, so it adds none."
        ),
        53: (
            "The logits layer is a regularized conv too: 53 convs in the body + 1 for the "
            "logits."
        ),
    },
    hints=[
        "After clone0 there are 54 regularization losses.",
        "When does get_variable call the regularizer: on create or on every reuse?",
    ],
    solution_code="q6_answer = 54",
)

EXERCISES = (q1, q2, q3, q4, q5, q6)
