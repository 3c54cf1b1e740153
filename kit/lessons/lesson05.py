"""Lesson 05 exercises: how slim layers name things, and arg_scope defaults.

Predict exercises compute their answers by building the graph they ask about. The two
TF-Slim README snippets that break on TF 2.21 become fix-the-bug exercises: the nested
arg_scope (a TypeError) as a function, the first arg_scope (a SyntaxError) as a code
string, so an untouched notebook still runs top to bottom.

``r1``-``r3`` open the lesson: recall questions on earlier lessons, checked and recorded like
the rest, with answers computed by building the graph they ask about.
"""

from __future__ import annotations

from kit.exercise import (
    BuildExercise,
    FixExercise,
    PredictExercise,
    SnippetFixExercise,
)
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run

tf, slim = import_tensorflow()


def _images(tf_module, size: int = 64):
    return tf_module.placeholder(tf_module.float32, [1, size, size, 3], name="inputs")


def logits_output_name() -> str:
    """The output tensor of ``fully_connected(..., activation_fn=None, scope='logits')``."""
    with fresh_graph():
        features = tf.placeholder(tf.float32, [None, 16], name="features")
        return slim.fully_connected(features, 10, activation_fn=None, scope="logits").name


def second_unscoped_conv_weights() -> str:
    """The weights of the second of two ``slim.conv2d`` calls without ``scope=``."""
    with fresh_graph():
        net = slim.conv2d(_images(tf, 16), 8, [3, 3])
        slim.conv2d(net, 8, [3, 3])
        return tf.global_variables()[2].name


def conv_with_batch_norm_variable_count() -> int:
    """How many variables ``conv2d(..., normalizer_fn=slim.batch_norm)`` creates."""
    with fresh_graph():
        slim.conv2d(_images(tf, 16), 8, [3, 3], normalizer_fn=slim.batch_norm, scope="conv1")
        return len(tf.global_variables())


def nested_arg_scope_output_size() -> int:
    """Spatial size after a 3x3 conv on 16x16 under stride=2/SAME, then padding=VALID inside."""
    with fresh_graph():
        images = _images(tf, 16)
        outer = slim.arg_scope([slim.conv2d], padding="SAME", stride=2)
        inner = slim.arg_scope([slim.conv2d], padding="VALID")
        with outer, inner:
            return slim.conv2d(images, 8, [3, 3], scope="conv1").shape[1]


q1 = PredictExercise(
    name="q1",
    lesson="05",
    title="Two conv2d calls without scope=",
    answer_name="q1_answer",
    expected=second_unscoped_conv_weights,
    explanation=(
        "Without scope=, slim.conv2d opens a variable scope with default_name 'Conv', and "
        "default names are made unique: 'Conv', then 'Conv_1'. The variable inside keeps "
        "its plain name 'weights'."
    ),
    wrong_answers={
        "Conv/weights_1:0": (
            "The second layer gets a fresh scope of its own; names inside it start over, so "
            "no variable needs a '_1' suffix."
        ),
        "Conv/weights:0": (
            "That is the first layer's variable. An unscoped layer never reuses: it gets a "
            "new, uniquified scope."
        ),
        "conv2d_1/weights:0": "slim's default scope for conv2d is 'Conv' (capital C), not 'conv2d'.",
        "Conv_2/weights:0": (
            "Counting starts at 'Conv' with no suffix, so the first suffix goes to the second "
            "layer."
        ),
    },
    hints=[
        ("Without scope=, a slim layer opens a variable scope from a default name and makes it "
        "unique in the graph."),
        "The first unscoped conv2d builds 'Conv/weights:0'. Does the second reuse 'Conv/'?",
        ("A default name taken twice gets '_1' the second time; inside the new scope the "
        "variable keeps its plain name 'weights'."),
    ],
    solution_code='q1_answer = "Conv_1/weights:0"',
)

q2 = PredictExercise(
    name="q2",
    lesson="05",
    title="A logits layer with no activation",
    answer_name="q2_answer",
    expected=logits_output_name,
    explanation=(
        "fully_connected builds MatMul, then BiasAdd, then the activation. With "
        "activation_fn=None the last op is BiasAdd, so the output is 'logits/BiasAdd:0'."
    ),
    wrong_answers={
        "logits/Relu:0": "activation_fn=None removes the Relu: the layer stops after adding the biases.",
        "logits/MatMul:0": "The biases are still added after the MatMul; only the activation is gone.",
        "logits:0": (
            "A slim layer's scope names its ops, not its output: the output is the last op "
            "inside 'logits/'."
        ),
    },
    hints=[
        "A fully connected layer is MatMul, then BiasAdd, then the activation function.",
        "Without an activation, which op comes last inside the 'logits/' scope?",
        "The output is the tensor of the last op: scope, op name, then ':0'.",
    ],
    solution_code='q2_answer = "logits/BiasAdd:0"',
)

q3 = PredictExercise(
    name="q3",
    lesson="05",
    title="Variables of conv2d + batch_norm",
    answer_name="q3_answer",
    expected=conv_with_batch_norm_variable_count,
    explanation=(
        "conv1/weights, then conv1/BatchNorm/beta, moving_mean and moving_variance: 4. "
        "With a normalizer_fn the conv drops its biases (beta does that job), and "
        "batch_norm has no gamma unless scale=True."
    ),
    wrong_answers={
        5: "With normalizer_fn set, conv2d creates no biases: batch norm's beta replaces them.",
        6: (
            "No biases (beta replaces them) and no gamma: slim.batch_norm uses scale=False by "
            "default."
        ),
        2: (
            "batch_norm adds variables of its own: beta plus the two moving averages, which "
            "are not trainable but are still variables."
        ),
        3: "The moving mean and the moving variance are two separate variables.",
    },
    hints=[
        ("Count the conv's own variables, then the ones batch norm keeps: what it learns and "
        "what it averages during training."),
        ("With a normalizer_fn, does the conv still need biases? slim.batch_norm defaults: "
        "center=True (beta), scale=False (no gamma)."),
        ("Batch norm also keeps two moving averages, the mean and the variance: not trainable, "
        "but variables."),
    ],
    solution_code="q3_answer = 4",
)


# --- shared by the two fix exercises ---------------------------------------------------


def _same_output_shape(why: str):
    """An extra check: the learner's output tensor must have the reference's shape."""

    def check(reference: Run, run: Run) -> str | None:
        wanted = _output_shape(reference.outputs)
        got = _output_shape(run.outputs)
        if got is None or got == wanted:
            return None
        return f"the output has shape {got}, the README's network gives {wanted}: {why}"

    return check


def _output_shape(outputs: list) -> tuple | None:
    last = outputs[-1] if outputs else None
    shape = getattr(last, "shape", None)
    return tuple(shape.as_list()) if shape is not None and shape.dims is not None else None


# --- the README's first arg_scope snippet is missing a comma (a SyntaxError) -------

README_SNIPPET = '''\
with slim.arg_scope([slim.conv2d], padding='SAME',
                    weights_initializer=tf.truncated_normal_initializer(stddev=0.01)
                    weights_regularizer=slim.l2_regularizer(0.0005)):
    net = slim.conv2d(inputs, 64, [11, 11], 4, scope='conv1')
    net = slim.conv2d(net, 128, [11, 11], padding='VALID', scope='conv2')
    net = slim.conv2d(net, 256, [11, 11], scope='conv3')
'''

FIXED_SNIPPET = README_SNIPPET.replace("(stddev=0.01)\n", "(stddev=0.01),\n")


q4 = SnippetFixExercise(
    name="q4",
    lesson="05",
    title="The README's first arg_scope (SyntaxError)",
    answer_name="q4_snippet",
    snippet=README_SNIPPET,
    fixed_snippet=FIXED_SNIPPET,
    function_name="readme_convs",
    syntax_advice="Inside the parentheses every argument needs a comma after it, except the last.",
    make_inputs=lambda tf: (_images(tf),),
    calls=1,
    compare=("names", "shapes", "collections"),
    extra_checks=[
        _same_output_shape(
            "keep every argument of the README (padding, stride 4 on conv1, the per-layer "
            "padding='VALID') and only add what is missing.",
        )
    ],
    hints=[
        (
            "Python reads the arguments of a call as a list separated by commas; a "
            "SyntaxError says where it stopped understanding."
        ),
        "The error is on line 2 of the snippet: compare the end of line 2 with the end of line 1.",
        (
            "Add a comma at the end of the weights_initializer line, after `(stddev=0.01)`, and "
            "change nothing else."
        ),
    ],
)

# --- the README's nested arg_scope passes stride twice (a TypeError) ---------------

NESTED_STARTER = '''\
def readme_nested(inputs):
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        activation_fn=tf.nn.relu,
                        weights_initializer=tf.truncated_normal_initializer(stddev=0.01),
                        weights_regularizer=slim.l2_regularizer(0.0005)):
        with slim.arg_scope([slim.conv2d], stride=1, padding='SAME'):
            net = slim.conv2d(inputs, 64, [11, 11], 4, padding='VALID', scope='conv1')
            net = slim.conv2d(net, 256, [5, 5],
                              weights_initializer=tf.truncated_normal_initializer(stddev=0.03),
                              scope='conv2')
            net = slim.fully_connected(net, 1000, activation_fn=None, scope='fc')
    return net
'''

NESTED_SOLUTION = NESTED_STARTER.replace("[11, 11], 4, padding", "[11, 11], stride=4, padding")


q5 = FixExercise(
    name="q5",
    lesson="05",
    title="The README's nested arg_scope (TypeError)",
    function_name="readme_nested",
    starter_code=NESTED_STARTER,
    solution_code=NESTED_SOLUTION,
    make_inputs=lambda tf: (_images(tf),),
    calls=1,
    compare=("names", "shapes", "collections"),
    extra_checks=[
        _same_output_shape(
            "conv1 must keep its stride 4 and its padding 'VALID'; pass them as keywords so "
            "they override the arg_scope.",
        )
    ],
    hints=[
        (
            "An arg_scope passes its defaults as keyword arguments; a value given by position "
            "for the same parameter collides with it."
        ),
        (
            "Read the error: which argument does convolution2d get twice? stride is conv2d's "
            "4th parameter: which value in conv1's call sits in that place?"
        ),
        (
            "In conv1's call, write the 4 as a keyword, `stride=4`: a keyword given at the call "
            "wins over the arg_scope's default."
        ),
    ],
)


q6 = PredictExercise(
    name="q6",
    lesson="05",
    title="Nested arg_scopes: which defaults win?",
    answer_name="q6_answer",
    expected=nested_arg_scope_output_size,
    explanation=(
        "Nested arg_scopes merge: the inner one changes padding to 'VALID', the outer "
        "stride=2 still applies. A 3x3 VALID conv with stride 2 on 16 pixels gives "
        "(16 - 3) // 2 + 1 = 7."
    ),
    wrong_answers={
        8: (
            "That is padding 'SAME' with stride 2. The inner arg_scope sets padding='VALID' for "
            "conv2d, and the innermost value wins."
        ),
        14: (
            "That is padding 'VALID' with stride 1, but the outer stride=2 is not cancelled: "
            "nested arg_scopes merge their defaults."
        ),
        16: "Both the outer stride=2 and the inner padding='VALID' apply, so the map shrinks.",
    },
    hints=[
        "An inner arg_scope adds to the outer one; for the same argument, the inner value wins.",
        ("The inner scope sets only padding, so the outer stride still applies. VALID output "
        "size = (input - kernel) // stride + 1."),
    ],
    solution_code="q6_answer = 7",
)

BLOCK_SOLUTION = '''\
def conv_bn_block(images):
    with slim.arg_scope([slim.conv2d],
                        normalizer_fn=slim.batch_norm,
                        weights_regularizer=slim.l2_regularizer(0.0005)):
        net = slim.conv2d(images, 16, [3, 3], scope='conv1')
        net = slim.conv2d(net, 32, [3, 3], scope='conv2')
    return net
'''


def _normalizer_reason(reference: Run, run: Run) -> str | None:
    """Name the conv layers that kept their biases, i.e. got no batch norm."""
    unnormalized = [v.name.rsplit("/", 1)[0] for v in run.tree.variables
                    if v.name.endswith("/biases")]
    if not unnormalized:
        return None
    return (
        f"{', '.join(unnormalized)} has biases and no BatchNorm/: pass "
        "normalizer_fn=slim.batch_norm to every conv; an arg_scope over slim.conv2d does it "
        "once."
    )


q7 = BuildExercise(
    name="q7",
    lesson="05",
    title="Two conv + batch-norm layers from one arg_scope",
    function_name="conv_bn_block",
    solution_code=BLOCK_SOLUTION,
    make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 16, 16, 3], name="images"),),
    calls=1,
    compare=("names", "shapes", "collections"),
    extra_checks=[_normalizer_reason],
    hints=[
        (
            "An arg_scope gives default keyword arguments to the functions in its list; a "
            "normalizer and a regularizer are keyword arguments of slim.conv2d."
        ),
        (
            "Put the two shared keywords in the arg_scope (normalizer_fn and "
            "weights_regularizer); inside it each conv call needs only its input, its number "
            "of outputs, its kernel size and its scope. The second conv reads the first's "
            "output."
        ),
        (
            "The arg_scope sets `normalizer_fn=slim.batch_norm` and an L2 weights_regularizer "
            "of 0.0005. Inside it call slim.conv2d twice, both 3x3: 16 outputs and scope "
            "'conv1' on the images, then 32 outputs and scope 'conv2' on the first's output."
        ),
    ],
)

# --- recall: three questions on lessons 03 and 04 that open this lesson -----------------


def recall_model_variables_of_four_calls() -> list[str]:
    """get_model_variables() after slim.variable, slim.model_variable and tf.get_variable."""
    with fresh_graph():
        slim.variable("counter", [], trainable=False)
        slim.model_variable("weights", [3, 3])
        tf.get_variable("bias", [3])
        slim.model_variable("scale", [], trainable=False)
        return [v.op.name for v in slim.get_model_variables()]


def recall_collection_scope_prefix() -> list[str]:
    """tf.get_collection(GLOBAL_VARIABLES, scope='enc') with scopes enc, enc_2 and dec."""
    with fresh_graph():
        for name in ("enc", "enc_2", "dec"):
            with tf.variable_scope(name):
                tf.get_variable("w", [1])
        return [v.op.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="enc")]


def recall_tf_variable_under_auto_reuse() -> int:
    """Trainable variables after a layer mixing get_variable and tf.Variable is called twice."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 2], name="x")

        def layer(inputs):
            with tf.variable_scope("layer", reuse=tf.AUTO_REUSE):
                w = tf.get_variable("w", [2, 2])
                b = tf.Variable(tf.zeros([2]), name="b")
                return tf.matmul(inputs, w) + b

        layer(layer(x))
        return len(tf.trainable_variables())


r1 = PredictExercise(
    name="r1",
    lesson="05",
    title="Recall (lesson 04): which helpers make model variables",
    recall_of="lesson 04",
    answer_name="r1_answer",
    expected=recall_model_variables_of_four_calls,
    explanation=(
        "Only `slim.model_variable` (and every slim layer, which uses it) adds to the "
        "`model_variables` collection, trainable or not, so the list is "
        "`['weights', 'scale']`. `slim.variable` makes a regular variable, and "
        "`tf.get_variable` knows nothing of tf-slim's collections."
    ),
    wrong_answers={
        ("weights",): (
            "trainable=False keeps a variable out of training, not out of the model variables."
        ),
        ("counter", "weights", "scale"): (
            "slim.variable makes a regular variable: of tf-slim's two helpers, only one files "
            "its variable as a model variable."
        ),
        ("weights", "bias", "scale"): (
            "tf.get_variable knows nothing of tf-slim's collections: it joins the global and "
            "trainable ones only."
        ),
        ("counter", "weights", "bias", "scale"): (
            "get_model_variables() reads one collection, not every variable of the graph."
        ),
    },
    hints=[
        (
            "get_model_variables() reads the `model_variables` collection. Which of the calls "
            "add to it?"
        ),
        (
            "slim.model_variable and the slim layers do, whether the variable is trainable or "
            "not; slim.variable and tf.get_variable do not (lesson 04, sections 4 and 6)."
        ),
    ],
    solution_code='r1_answer = ["weights", "scale"]',
)

r2 = PredictExercise(
    name="r2",
    lesson="05",
    title="Recall (lesson 04): what scope= matches",
    recall_of="lesson 04",
    answer_name="r2_answer",
    expected=recall_collection_scope_prefix,
    explanation=(
        "`scope=` is a regular expression matched at the start of each full name (`re.match`), "
        "so `\"enc\"` also catches `enc_2/w`. Write `\"enc/\"` to mean the scope."
    ),
    wrong_answers={
        ("enc/w",): (
            "scope= is not compared with whole scopes: it is a pattern matched against the start "
            "of each full name. Look at every name that begins with those letters."
        ),
        ("enc/w", "enc_2/w", "dec/w"): (
            "scope= does filter: it keeps only the names that match the pattern at their start."
        ),
    },
    hints=[
        (
            "How does scope= compare its pattern with a variable's name: as a whole scope, or as "
            "the start of the string?"
        ),
        (
            "It matches a regular expression at the start of the full name, so `'enc'` is not the "
            "same as `'enc/'` (lesson 04, section 9)."
        ),
    ],
    solution_code='r2_answer = ["enc/w", "enc_2/w"]',
)

r3 = PredictExercise(
    name="r3",
    lesson="05",
    title="Recall (lesson 03): tf.Variable in a layer built twice",
    recall_of="lesson 03",
    answer_name="r3_answer",
    expected=recall_tf_variable_under_auto_reuse,
    explanation=(
        "AUTO_REUSE shares what tf.get_variable makes, so `layer/w` is made once. tf.Variable "
        "never looks in the variable store: each call makes a new bias (`layer/b`, then "
        "`layer_1/b`). Three variables, and the towers share only the weights."
    ),
    wrong_answers={
        2: (
            "AUTO_REUSE shares what tf.get_variable makes. Does tf.Variable look in the "
            "variable store at all?"
        ),
        4: (
            "AUTO_REUSE does share `layer/w`: the second call finds it and reuses it."
        ),
    },
    hints=[
        "Which of the two ways of making a variable does a reuse mode affect?",
        (
            "tf.Variable ignores reuse: every call makes a new one; tf.get_variable under "
            "AUTO_REUSE makes `w` once (lesson 03, section 4)."
        ),
    ],
    solution_code="r3_answer = 3",
)


EXERCISES = (r1, r2, r3, q1, q2, q3, q4, q5, q6, q7)


def conv_settings(graph) -> str:
    """One line per conv layer in ``graph``: its padding, strides and output shape."""
    lines = []
    for op in graph.get_operations():
        if op.type == "Conv2D":
            layer = op.name.rsplit("/", 1)[0]
            padding = op.get_attr("padding").decode()
            strides = list(op.get_attr("strides"))
            shape = tuple(op.outputs[0].shape.as_list())
            lines.append(f"{layer}: padding={padding} strides={strides} output={shape}")
    return "\n".join(lines)
