"""Lesson 03 exercises: sharing weights between towers and between clones.

The towers are the image filter of the Chinese blog post on name_scope and variable_scope
(after the TF1 guide "Sharing Variables"); the clones are the TensorNets guide's pattern,
built with tf-slim's ResNet-50. Predict answers are computed by building the graphs they
ask about: the image filter, eager-mode get_variable, and two ResNet-50 clones with batch
norm.

``r1``-``r3`` open the lesson: recall questions on earlier lessons, checked and recorded like
the rest, with answers computed by building the graph they ask about.
"""

from __future__ import annotations

import functools

from kit.exercise import BuildExercise, FixExercise, PredictExercise
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run

tf, slim = import_tensorflow()

IMAGE_SHAPE = [1, 16, 16, 32]  # the blog's kernels are [5, 5, 32, 32]: 32 input channels


def conv_relu(inputs, kernel_shape, bias_shape):
    """The blog post's conv layer, with its `constant_intializer` typo fixed."""
    weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
    biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(inputs, weights, strides=[1, 1, 1, 1], padding="SAME")
    return tf.nn.relu(conv + biases)


def my_image_filter(input_images):
    """The blog post's two-layer filter: variables conv1/{weights,biases}, conv2/{weights,biases}."""
    with tf.variable_scope("conv1"):
        relu1 = conv_relu(input_images, [5, 5, 32, 32], [32])
    with tf.variable_scope("conv2"):
        return conv_relu(relu1, [5, 5, 32, 32], [32])


def method2_second_output() -> str:
    """The blog post's method 2 (scope.reuse_variables()): the name of the second result."""
    with fresh_graph():
        image1 = tf.placeholder(tf.float32, IMAGE_SHAPE, name="image1")
        image2 = tf.placeholder(tf.float32, IMAGE_SHAPE, name="image2")
        with tf.variable_scope("image_filters") as scope:
            my_image_filter(image1)
            scope.reuse_variables()
            return my_image_filter(image2).name


def eager_second_get_variable() -> str:
    """In eager mode, what a second default-reuse get_variable('w') does."""
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
        "opens a new name scope there, 'conv2_1', because 'conv2' is taken."
    ),
    wrong_answers={
        "image_filters_1/conv2/Relu:0": (
            "That is methods 1 and 3, which close the scope and open it again (a new name "
            "scope 'image_filters_1'). Method 2 never leaves 'image_filters'."
        ),
        "image_filters/conv2/Relu_1:0": (
            "Relu_1 would mean both Relus sit in one name scope. But variable_scope('conv2') "
            "opens a new name scope every time it is entered, and when 'conv2' is taken the "
            "new one gets another name: which?"
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
            "opens a new name scope, and a name scope whose name is taken gets a "
            "numbered suffix."
        ),
        (
            "Method 2 never leaves name scope 'image_filters/', and in it the second "
            "'conv2' name scope becomes 'conv2_1'; the Relu in it is the first there."
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


def _towers_not_shared(reference: Run, run: Run) -> str | None:
    copies = sorted(v.name for v in run.tree.variables if v.name.startswith("image_filters_1/"))
    if copies:
        return (
            f"the second call made its own variables ({copies[0]} and {len(copies) - 1} more): "
            "the towers are not sharing. Open 'image_filters' with reuse=tf.AUTO_REUSE and "
            "make every variable with tf.get_variable."
        )
    return None


def _missing_outer_scope(reference: Run, run: Run) -> str | None:
    names = [v.name for v in run.tree.variables]
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
        "variables and every later call reuses them: no caller has to remember reuse=True."
    ),
    hints=[
        (
            "The check calls image_filter twice and wants the 4 variables to exist once: "
            "which reuse mode creates a variable when it is missing and returns it when it "
            "exists (lesson 02)?"
        ),
        (
            "Open one outer variable scope, 'image_filters', inside the function with that "
            "mode, and make the four variables with tf.get_variable in scopes conv1 and "
            "conv2, as conv_relu does."
        ),
        (
            'The body starts with `with tf.variable_scope("image_filters", '
            'reuse=tf.AUTO_REUSE):` and holds the two layers of my_image_filter.'
        ),
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


def _biases_still_copied(reference: Run, run: Run) -> str | None:
    biases = sorted(v.name for v in run.tree.variables if "biases" in v.name.rsplit("/", 1)[-1])
    if len(biases) > 1:
        return (
            f"there are {len(biases)} bias variables ({', '.join(biases)}): tf.Variable "
            "ignores reuse and makes a new one per call. Create the biases with "
            "tf.get_variable so AUTO_REUSE can share them."
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
        "again on every call, silently, under a new name scope."
    ),
    hints=[
        (
            "Only one of the two ways of making a variable looks at the reuse mode; the "
            "other makes a new variable on every call (section 4)."
        ),
        (
            "The weights are made the right way. Make the biases the same way: same name, "
            "shape [8], and a zeros initializer instead of tf.zeros([8])."
        ),
        (
            'Replace the biases line with `biases = tf.get_variable("biases", [8], '
            'initializer=tf.zeros_initializer())`.'
        ),
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
        "Build inside kit.fresh_graph() (or tf.Graph().as_default())."
    ),
    wrong_answers={
        "raises": (
            "In a graph it would raise 'already exists'. But this runs eagerly: what does "
            "get_variable check a name against, and is it there without a graph?"
        ),
        "reuses": (
            "Reusing means finding 'foo/w' in the graph's variable store, the one that "
            "remembers what get_variable made. Is there such a store while TF executes "
            "eagerly?"
        ),
    },
    also_correct=("create",),
    hints=[
        "Sharing works by looking names up in the graph's variable store.",
        "Is there a graph, and so a variable store, while TF executes eagerly?",
        (
            "With no store, get_variable cannot find the first 'foo/w', and it has nothing "
            "to compare a name with either."
        ),
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
        "all. Each clone must update the statistics of the data it saw."
    ),
    wrong_answers={
        106: (
            "106 is clone0's count alone. Update ops are ops, not variables: does sharing "
            "the moving-average variables also share the ops that update them?"
        ),
        53: (
            "53 is the number of batch-norm layers, but each layer adds two update ops: one "
            "for moving_mean, one for moving_variance. And there are two clones."
        ),
        0: "resnet_v1_50 trains by default (is_training=True), so batch norm adds update ops.",
    },
    hints=[
        "Reuse shares variables. Are update ops variables, or ops?",
        (
            "Batch norm adds its update ops each time it runs in training mode, even when "
            "it reuses its moving-average variables. Does clone1 run batch norm?"
        ),
        "clone1 runs the same 53 batch-norm layers as clone0: 2 update ops each, again.",
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
        "tensors (53 convs + logits) and their losses; clone1 only reuses, so it adds "
        "none. That is why the TF-Slim image models' model_deploy takes regularization "
        "losses from the first clone only."
    ),
    wrong_answers={
        108: (
            "108 would mean clone1 made a second loss for every weight. Is a regularization "
            "loss made each time a weight is read, or once, when it is made?"
        ),
        53: (
            "53 counts only the convolutions in the body. The logits layer is a "
            "regularized conv too; and think about what clone1 adds."
        ),
    },
    hints=[
        (
            "A regularization loss belongs to a variable: get_variable calls the variable's "
            "regularizer at one moment of its life."
        ),
        (
            "get_variable calls the regularizer when it creates a variable, not when it "
            "hands back an existing one. Which clone creates variables?"
        ),
        (
            "clone0 creates every weight (53 convs and the logits layer, one loss each); "
            "clone1 only reuses them, so the count stays at clone0's 54."
        ),
    ],
    solution_code="q6_answer = 54",
)

# --- recall: three questions on lessons 01 and 02 that open this lesson -----------------


def recall_third_auto_reuse_pass_op() -> str:
    """The product's name after three passes through variable_scope('dense', AUTO_REUSE)."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        for _ in range(3):
            with tf.variable_scope("dense", reuse=tf.AUTO_REUSE):
                y = tf.matmul(x, tf.get_variable("w", [2, 2]))
        return y.name


def recall_nested_reuse_false_count() -> int:
    """Variables after get_variable under reuse=False nested in a reuse=True scope."""
    with fresh_graph():
        with tf.variable_scope("model"), tf.variable_scope("inner"):
            tf.get_variable("w", [1])
        with tf.variable_scope("model", reuse=True), tf.variable_scope("inner", reuse=False):
            tf.get_variable("w", [1])
        return len(tf.global_variables())


def recall_get_variable_after_tf_variable() -> str:
    """tf.get_variable('w') in scope 'head' after a tf.Variable named 'w' there."""
    with fresh_graph(), tf.variable_scope("head"):
        tf.Variable(0.0, name="w")
        return tf.get_variable("w", []).name


r1 = PredictExercise(
    name="r1",
    lesson="03",
    title="Recall (lessons 01 and 02): the third pass through an AUTO_REUSE scope",
    recall_of="lessons 01 and 02",
    answer_name="r1_answer",
    expected=recall_third_auto_reuse_pass_op,
    explanation=(
        "AUTO_REUSE shares the variable `dense/w`, but each `with tf.variable_scope(\"dense\")` "
        "also opens a name scope, and a name scope opened again is uniquified: `dense/`, "
        "`dense_1/`, `dense_2/`. So the third product is `dense_2/MatMul:0`."
    ),
    wrong_answers={
        "dense/MatMul_2:0": (
            "Each pass opens the variable scope `dense` again, and each opening opens a new name "
            "scope too: the ops of a later pass do not go back into the first one."
        ),
        "dense/MatMul:0": (
            "AUTO_REUSE shares the variable, not the ops: every pass makes a new MatMul, and two "
            "ops cannot have one name."
        ),
        "dense_3/MatMul:0": (
            "Count the passes again: the first opening gets the plain name, and the suffixes "
            "start at `_1`."
        ),
    },
    hints=[
        (
            "AUTO_REUSE shares variables. What happens to the name scope each time the variable "
            "scope is opened again?"
        ),
        (
            "Every `with tf.variable_scope(...)` opens a name scope as well, and a name scope "
            "opened a second time gets a suffix `_1`, then `_2` (lesson 01, section 6; lesson "
            "02, section 8)."
        ),
    ],
    solution_code='r1_answer = "dense_2/MatMul:0"',
)

r2 = PredictExercise(
    name="r2",
    lesson="03",
    title="Recall (lesson 02): reuse=False inside a scope that reuses",
    recall_of="lesson 02",
    answer_name="r2_answer",
    expected=recall_nested_reuse_false_count,
    explanation=(
        "A nested scope's `reuse=False`, like `None`, means 'inherit': inside "
        "`variable_scope(\"model\", reuse=True)` the scope `inner` reuses as well, so the "
        "second get_variable returns `model/inner/w` and the graph still holds one variable."
    ),
    wrong_answers={
        2: (
            "A second variable would need get_variable to create `model/inner/w` again, but "
            "reuse=False inside a scope that reuses does not switch reuse off."
        ),
        "ValueError": (
            "'Already exists' comes from a scope that does not reuse. Does reuse=False really "
            "switch reuse off inside a scope opened with reuse=True?"
        ),
    },
    hints=[
        "What does reuse=False mean when the scope around it was opened with reuse=True?",
        (
            "In a nested scope, reuse=False behaves like reuse=None: the child takes its parent's "
            "setting, and reuse=True cannot be undone inside (lesson 02, section 6)."
        ),
    ],
    solution_code="r2_answer = 1",
)

r3 = PredictExercise(
    name="r3",
    lesson="03",
    title="Recall (lesson 01): tf.get_variable after a tf.Variable of the same name",
    recall_of="lesson 01",
    answer_name="r3_answer",
    expected=recall_get_variable_after_tf_variable,
    explanation=(
        "tf.get_variable keeps its own store of the variables it made, and tf.Variable never "
        "registers there, so get_variable creates. The graph already has an op `head/w`, so "
        "the new variable is renamed `head/w_1:0` (its store still files it as `head/w`)."
    ),
    wrong_answers={
        "head/w:0": (
            "get_variable does create here, but the graph already has an op with that name "
            "(the tf.Variable's), and two ops cannot share one name."
        ),
        "ValueError": (
            "get_variable refuses a name that is in its own store of variables. Did the "
            "tf.Variable put `head/w` there?"
        ),
    },
    hints=[
        (
            "tf.get_variable keeps a store of the variables it made. Does tf.Variable register "
            "there?"
        ),
        (
            "It does not, so get_variable creates; but the graph needs a unique op name, and the "
            "tf.Variable took the plain one (lesson 01, section 9)."
        ),
    ],
    solution_code='r3_answer = "head/w_1:0"',
)


EXERCISES = (r1, r2, r3, q1, q2, q3, q4, q5, q6)
