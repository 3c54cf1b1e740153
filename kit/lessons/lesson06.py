"""Lesson 06 exercises: slim.repeat / slim.stack names, and turning the TF-Slim README's
vgg16() into the real VGG-16.

Expected answers are computed by building the graphs; VGG-16's weights are never
initialised (parameters are counted from shapes, so the kernel stays small).

``r1``-``r3`` open the lesson: recall questions on earlier lessons, checked and recorded like
the rest, with answers computed by building the graph they ask about.
"""

from __future__ import annotations

from kit.exercise import BuildExercise, FixExercise, PredictExercise
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run
from kit.tree import ScopeTree

tf, slim = import_tensorflow()

VGG_PARAMETERS = 138_357_544  # tf_slim.nets.vgg.vgg_16, counted from its variable shapes
README_VGG_PARAMETERS = 37_694_248  # the README's vgg16(): fully_connected on the 4-D pool5 map


def image_batch(tf_module=tf):
    """A batch of 224x224 RGB images, the size VGG-16 was designed for."""
    return tf_module.placeholder(tf_module.float32, [None, 224, 224, 3], name="images")


def repeat_output_name() -> str:
    """The output of ``slim.repeat(net, 3, slim.conv2d, 256, [3, 3], scope='conv3')``."""
    with fresh_graph():
        net = tf.placeholder(tf.float32, [None, 28, 28, 128])
        return slim.repeat(net, 3, slim.conv2d, 256, [3, 3], scope="conv3").name


def unscoped_stack_output_name() -> str:
    """The output of ``slim.stack(x, slim.fully_connected, [32, 64, 128])`` with no scope."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 10])
        return slim.stack(x, slim.fully_connected, [32, 64, 128]).name


def vgg16_tree(with_arg_scope: bool = True) -> ScopeTree:
    """The scope tree of ``tf_slim.nets.vgg.vgg_16`` (inside ``vgg_arg_scope()`` by default)."""
    from tf_slim.nets import vgg

    with fresh_graph() as graph:
        if with_arg_scope:
            with slim.arg_scope(vgg.vgg_arg_scope()):
                vgg.vgg_16(image_batch())
        else:
            vgg.vgg_16(image_batch())
    return ScopeTree.from_graph(graph)


def fc6_parameters() -> int:
    """Parameters of vgg_16's fc6 block (weights + biases), read from the built graph."""
    return sum(v.size for v in vgg16_tree(with_arg_scope=False).variables
               if v.name.startswith("vgg_16/fc6/"))


q1 = PredictExercise(
    name="q1",
    lesson="06",
    title="Name the output of slim.repeat",
    answer_name="q1_answer",
    expected=repeat_output_name,
    explanation=(
        "slim.repeat opens variable_scope('conv3') and calls the layer with scope "
        "'conv3_1', 'conv3_2', 'conv3_3' inside it; the last conv's Relu is the output."
    ),
    wrong_answers={
        "conv3_3/Relu:0": (
            "slim.repeat also opens an outer scope with the name you pass, so the numbered "
            "layers sit inside 'conv3/'."
        ),
        "conv3/conv3_2/Relu:0": (
            "The numbering starts at 1, not 0: with three layers, which number does the last "
            "one get?"
        ),
        "conv3/Relu:0": (
            "Each repetition gets its own numbered scope inside 'conv3/'; the Relu belongs to "
            "the last of them."
        ),
        "conv3/conv3_3/BiasAdd:0": (
            "slim.conv2d applies its activation (ReLU by default) after BiasAdd, so the "
            "output comes from the activation's op."
        ),
    },
    hints=[
        (
            "slim.repeat opens a variable scope with the name you pass, and calls the layer "
            "inside it once per repetition, each time with a scope of its own."
        ),
        (
            "The inner scopes are the outer name with '_1', '_2', ... appended. The output is "
            "the last layer's activation: a Relu op."
        ),
        (
            "The TF-Slim README says the scopes are 'conv3/conv3_1', 'conv3/conv3_2' and "
            "'conv3/conv3_3'; add the last one's Relu and ':0'."
        ),
    ],
    solution_code='q1_answer = "conv3/conv3_3/Relu:0"',
)

q2 = PredictExercise(
    name="q2",
    lesson="06",
    title="slim.stack without a scope",
    answer_name="q2_answer",
    expected=unscoped_stack_output_name,
    explanation=(
        "Without scope=, slim.stack opens a uniquified 'Stack' scope and names each layer "
        "after the layer function's __name__: fully_connected_1, _2, _3."
    ),
    wrong_answers={
        "fully_connected_2/Relu:0": (
            "slim.stack always opens an outer scope; with no scope= it is called 'Stack'."
        ),
        "Stack/fully_connected_2/Relu:0": (
            "Three layers are stacked and numbered from 1, not 0: which number does the last "
            "one get?"
        ),
        "fc/fc_3/Relu:0": "That is the name with scope='fc'; this call passes no scope.",
        "Stack/Stack_3/Relu:0": (
            "The inner scopes are named after the layer function (its __name__ is "
            "'fully_connected'), not after the outer 'Stack' scope."
        ),
    },
    hints=[
        (
            "Without scope=, slim.stack picks default names, as slim.repeat did above: one for "
            "the outer scope, one for the layers inside it."
        ),
        (
            "With scope='fc' the output is 'fc/fc_3/Relu:0'. The outer default is 'Stack'; the "
            "inner names come from the layer function's __name__, numbered from 1."
        ),
        "slim.fully_connected.__name__ is 'fully_connected'; the output is the third layer's Relu.",
    ],
    solution_code='q2_answer = "Stack/fully_connected_3/Relu:0"',
)

q4 = PredictExercise(
    name="q4",
    lesson="06",
    title="How many parameters are in VGG-16's fc6?",
    answer_name="q4_answer",
    expected=fc6_parameters,
    explanation=(
        "fc6 is a 7x7 convolution over the 512-channel pool5 map: 7*7*512*4096 weights + 4096 "
        "biases = 102,764,544, about 74% of VGG-16's 138,357,544."
    ),
    wrong_answers={
        512 * 4096 + 4096: (
            "That is the README's fc6, a fully_connected layer on the last axis only (512 -> "
            "4096). The real fc6 is a 7x7 conv that reads the whole 7x7x512 map."
        ),
        7 * 7 * 512 * 4096: "Close: that is the weights only; fc6 also has 4096 biases.",
        4096 * 4096 + 4096: "That is fc7 (1x1x4096x4096 + biases); fc6 reads the 7x7x512 pool5 map.",
    },
    hints=[
        (
            "A layer's parameters are its weights plus its biases; a weight tensor holds as "
            "many numbers as the product of its shape."
        ),
        (
            "Section 5 printed vgg_16's fc6/weights shape, (7, 7, 512, 4096); fc6 also has "
            "one bias per output channel."
        ),
        "Compute 7 * 7 * 512 * 4096 weights + 4096 biases.",
    ],
    solution_code="q4_answer = 7 * 7 * 512 * 4096 + 4096",
)

STACK_SOLUTION = '''\
def conv_block(images):
    return slim.stack(images, slim.conv2d, [(32, [3, 3]), (64, [1, 1]), (64, [3, 3])],
                      scope="block")
'''


def stack_used_not_repeat(reference: Run, run: Run) -> str | None:
    """Reason for equal channel counts: slim.repeat repeats the same arguments."""
    shapes = [v.shape for v in run.tree.variables if v.name.endswith("/weights")]
    if len(shapes) == 3 and len({s[-1] for s in shapes}) == 1:
        return (
            "all three layers have the same number of outputs: slim.repeat repeats the same "
            "arguments. slim.stack takes one entry per layer: a number of outputs, or a tuple "
            "of positional arguments such as (num_outputs, kernel_size)."
        )
    return None


def stack_has_scope(reference: Run, run: Run) -> str | None:
    """Reason for slim.stack's default names: Stack/convolution2d_N."""
    if any(v.name.startswith("Stack") for v in run.tree.variables):
        return (
            "your layers are named Stack/convolution2d_N: without scope=, slim.stack opens "
            "'Stack' and names layers after the function. Pass scope='block'."
        )
    return None


q3 = BuildExercise(
    name="q3",
    lesson="06",
    title="One slim.stack call, three different conv layers",
    function_name="conv_block",
    solution_code=STACK_SOLUTION,
    make_inputs=lambda tf: (image_batch(tf),),
    calls=1,
    compare=("names", "shapes", "collections"),
    extra_checks=[stack_used_not_repeat, stack_has_scope],
    hints=[
        (
            "slim.repeat repeats one set of arguments; slim.stack takes a list with one entry "
            "per layer and names the layers after its scope."
        ),
        (
            "slim.stack(inputs, layer, [entry_1, entry_2, entry_3], scope=...) calls layer once "
            "per entry; an entry can be a tuple of positional arguments, for slim.conv2d "
            "(num_outputs, kernel_size)."
        ),
        "The list is [(32, [3, 3]), (64, [1, 1]), (64, [3, 3])] and the scope is 'block'.",
    ],
    explanation=(
        "slim.stack opens variable_scope('block') and names the layers block_1..block_3."
    ),
)

README_VGG16 = '''\
def vgg16(inputs):
    with slim.arg_scope([slim.conv2d, slim.fully_connected],
                        activation_fn=tf.nn.relu,
                        weights_initializer=tf.truncated_normal_initializer(0.0, 0.01),
                        weights_regularizer=slim.l2_regularizer(0.0005)):
        net = slim.repeat(inputs, 2, slim.conv2d, 64, [3, 3], scope='conv1')
        net = slim.max_pool2d(net, [2, 2], scope='pool1')
        net = slim.repeat(net, 2, slim.conv2d, 128, [3, 3], scope='conv2')
        net = slim.max_pool2d(net, [2, 2], scope='pool2')
        net = slim.repeat(net, 3, slim.conv2d, 256, [3, 3], scope='conv3')
        net = slim.max_pool2d(net, [2, 2], scope='pool3')
        net = slim.repeat(net, 3, slim.conv2d, 512, [3, 3], scope='conv4')
        net = slim.max_pool2d(net, [2, 2], scope='pool4')
        net = slim.repeat(net, 3, slim.conv2d, 512, [3, 3], scope='conv5')
        net = slim.max_pool2d(net, [2, 2], scope='pool5')
        net = slim.fully_connected(net, 4096, scope='fc6')
        net = slim.dropout(net, 0.5, scope='dropout6')
        net = slim.fully_connected(net, 4096, scope='fc7')
        net = slim.dropout(net, 0.5, scope='dropout7')
        net = slim.fully_connected(net, 1000, activation_fn=None, scope='fc8')
    return net
'''

VGG16_SOLUTION = '''\
def vgg16(inputs):
    with tf.variable_scope('vgg_16'):
        with slim.arg_scope([slim.conv2d, slim.fully_connected],
                            activation_fn=tf.nn.relu,
                            weights_initializer=tf.truncated_normal_initializer(0.0, 0.01),
                            weights_regularizer=slim.l2_regularizer(0.0005)):
            net = slim.repeat(inputs, 2, slim.conv2d, 64, [3, 3], scope='conv1')
            net = slim.max_pool2d(net, [2, 2], scope='pool1')
            net = slim.repeat(net, 2, slim.conv2d, 128, [3, 3], scope='conv2')
            net = slim.max_pool2d(net, [2, 2], scope='pool2')
            net = slim.repeat(net, 3, slim.conv2d, 256, [3, 3], scope='conv3')
            net = slim.max_pool2d(net, [2, 2], scope='pool3')
            net = slim.repeat(net, 3, slim.conv2d, 512, [3, 3], scope='conv4')
            net = slim.max_pool2d(net, [2, 2], scope='pool4')
            net = slim.repeat(net, 3, slim.conv2d, 512, [3, 3], scope='conv5')
            net = slim.max_pool2d(net, [2, 2], scope='pool5')
            # fc6-fc8 are convolutions: fc6 reads the whole 7x7x512 map at once.
            net = slim.conv2d(net, 4096, [7, 7], padding='VALID', scope='fc6')
            net = slim.dropout(net, 0.5, scope='dropout6')
            net = slim.conv2d(net, 4096, [1, 1], scope='fc7')
            net = slim.dropout(net, 0.5, scope='dropout7')
            net = slim.conv2d(net, 1000, [1, 1], activation_fn=None, scope='fc8')
            net = tf.squeeze(net, [1, 2], name='fc8/squeezed')
    return net
'''


def _first_output(run):
    value = run.outputs[0] if run.outputs else None
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    return value


def names_start_with_vgg_16(reference: Run, run: Run) -> str | None:
    """Reason for variables without the 'vgg_16/' prefix (no variable_scope around the body)."""
    if any(v.name.startswith("vgg_16/") for v in run.tree.variables):
        return None
    return (
        "none of your variables starts with `vgg_16/`: slim layers take their names from "
        "variable scopes only, so wrap the body in tf.variable_scope('vgg_16'); a name_scope "
        "would not rename them."
    )


def output_is_one_score_per_class(reference: Run, run: Run) -> str | None:
    """Reason for an output that is not (batch, 1000): the README's per-position classifier."""
    output = _first_output(run)
    shape = getattr(output, "shape", None)
    if shape is None or shape.rank is None:
        return None
    dims = tuple(shape.as_list())
    if dims == (None, 1000):
        return None
    shown = "(" + ", ".join("None" if d is None else str(d) for d in dims) + ")"
    if len(dims) == 4 and dims[1:3] == (7, 7):
        return (
            f"the output has shape {shown}: fully_connected on the 4-D pool5 map acts on the "
            "last axis only, one classifier per 7x7 position. Make fc6 a 7x7 "
            "'VALID' convolution, fc7/fc8 1x1 convolutions, and squeeze the 1x1 dimensions."
        )
    if len(dims) == 4 and dims[1:3] == (1, 1):
        return (
            f"the output has shape {shown}: squeeze the two 1x1 dimensions (axes 1 and 2, "
            "with tf.squeeze) to get one row of 1000 scores."
        )
    return f"the output has shape {shown}; VGG-16 gives (None, 1000): one score per class."


def same_parameter_count(reference: Run, run: Run) -> str | None:
    """Reason naming the parameter totals when they differ."""
    if run.tree.parameter_count == reference.tree.parameter_count:
        return None
    return (
        f"your network has {run.tree.parameter_count:,} parameters; VGG-16 has "
        f"{reference.tree.parameter_count:,}. Compare the fc6/fc7/fc8 weight shapes below."
    )


q5 = FixExercise(
    name="q5",
    lesson="06",
    title="Make the README's vgg16() the real VGG-16",
    function_name="vgg16",
    starter_code=README_VGG16,
    solution_code=VGG16_SOLUTION,
    make_inputs=lambda tf: (image_batch(tf),),
    calls=1,
    compare=("names", "shapes", "collections"),
    extra_checks=[names_start_with_vgg_16, output_is_one_score_per_class, same_parameter_count],
    hints=[
        (
            "Three kinds of change: the scope the names live in, the kind of layer fc6-fc8 are, "
            "and the shape of the output. Start with the diff: every expected name starts with "
            "'vgg_16/'. Which kind of scope prefixes slim's variables?"
        ),
        (
            "In vgg_16, fc6-fc8 are convolutions: fc6 is 7x7 with padding 'VALID', so it reads "
            "the whole 7x7x512 pool5 map at once; fc7 and fc8 are 1x1. That leaves an output of "
            "shape (None, 1, 1, 1000)."
        ),
        (
            "Wrap the body in a variable scope named 'vgg_16'; write fc6 as "
            "slim.conv2d(net, 4096, [7, 7], padding='VALID', scope='fc6') and fc7/fc8 as 1x1 "
            "slim.conv2d layers; end with tf.squeeze over axes [1, 2], named 'fc8/squeezed'."
        ),
    ],
    explanation=(
        "The fixed vgg16() has vgg_16's 32 variables, their shapes and 138,357,544 parameters."
    ),
)

# --- recall: three questions on lessons 02 and 05 that open this lesson -----------------


def recall_second_unscoped_fully_connected() -> str:
    """The weights of the second of two slim.fully_connected layers called without scope=."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 8], name="x")
        slim.fully_connected(slim.fully_connected(x, 4), 2)
        return tf.global_variables()[2].name


def recall_conv_parameter_count() -> int:
    """Parameters (weights and biases) of slim.conv2d(x, 64, [3, 3]) on a 3-channel image."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 32, 32, 3], name="x")
        slim.conv2d(x, 64, [3, 3], scope="conv1")
        return sum(v.shape.num_elements() for v in tf.global_variables())


def recall_reused_layer_output() -> str:
    """The output of a second slim.conv2d with scope='conv1' and reuse=True."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 8, 8, 3], name="x")
        slim.conv2d(x, 4, [3, 3], scope="conv1")
        return slim.conv2d(x, 4, [3, 3], scope="conv1", reuse=True).name


r1 = PredictExercise(
    name="r1",
    lesson="06",
    title="Recall (lesson 05): two layers without scope=",
    recall_of="lesson 05",
    answer_name="r1_answer",
    expected=recall_second_unscoped_fully_connected,
    explanation=(
        "Without scope=, slim.fully_connected opens the default variable scope "
        "`fully_connected`; the second layer's default scope is uniquified to "
        "`fully_connected_1`, and the variables inside keep their plain names: "
        "`fully_connected_1/weights:0`."
    ),
    wrong_answers={
        "fully_connected/weights_1:0": (
            "Each slim layer opens a variable scope of its own, so its variables never need a "
            "`_1`: what gets a number is the scope."
        ),
        "fully_connected/weights:0": (
            "That is the first layer's weights. Without scope= the second call does not reuse: "
            "it gets a default scope of its own."
        ),
        "fully_connected_2/weights:0": (
            "The first layer's scope carries no number; the numbering starts with the second."
        ),
    },
    hints=[
        (
            "Without scope=, a slim layer picks a default scope name. What does a second layer of "
            "the same kind get?"
        ),
        (
            "Like the second `Conv` in lesson 05, section 3, the second default scope gets a "
            "suffix, and the variables inside it keep their plain names."
        ),
    ],
    solution_code='r1_answer = "fully_connected_1/weights:0"',
)

r2 = PredictExercise(
    name="r2",
    lesson="06",
    title="Recall (lesson 05): the parameters of one conv layer",
    recall_of="lesson 05",
    answer_name="r2_answer",
    expected=recall_conv_parameter_count,
    explanation=(
        "The weights have shape `[3, 3, 3, 64]` (kernel height and width, input channels, "
        "output channels): 1,728 numbers; the biases one per output channel, 64. Together "
        "1,792, whatever the image size. VGG-16's first layer is exactly this layer."
    ),
    wrong_answers={
        1728: "That is the weights alone: slim.conv2d makes biases too, one per output channel.",
        640: (
            "Each of the 64 filters is 3 x 3 in space and also spans every input channel: "
            "an RGB image has three."
        ),
        65536: (
            "A conv layer's parameter count does not depend on the image size: the same "
            "kernel slides over every position."
        ),
    },
    hints=[
        (
            "A conv layer's weights have the shape [kernel height, kernel width, input channels, "
            "output channels]. What else does slim.conv2d make?"
        ),
        "Weights: 3 x 3 x 3 x 64; biases: one per output channel (lesson 05, section 2).",
    ],
    solution_code="r2_answer = 1792",
)

r3 = PredictExercise(
    name="r3",
    lesson="06",
    title="Recall (lessons 02 and 05): a layer reused by scope",
    recall_of="lessons 02 and 05",
    answer_name="r3_answer",
    expected=recall_reused_layer_output,
    explanation=(
        "`reuse=True` re-opens the variable scope `conv1`, so both calls share `conv1/weights` "
        "and `conv1/biases`. Re-opening a scope opens a new name scope for its ops, `conv1_1/`, "
        "so the second output is `conv1_1/Relu:0`."
    ),
    wrong_answers={
        "conv1/Relu_1:0": (
            "reuse=True re-opens the variable scope `conv1`, but a re-opened scope gets a name "
            "scope of its own: the new ops do not go back into the first one."
        ),
        "conv1/Relu:0": (
            "That is the first call's output. Reuse shares variables, not ops: the second call "
            "makes new ops, and two ops cannot have one name."
        ),
        "ValueError": (
            "'Already exists' comes only from a scope that does not reuse, and this second call "
            "passes reuse=True."
        ),
    },
    hints=[
        "Reuse shares the variables. Where do the second layer's ops go?",
        (
            "Re-opening a variable scope opens a new name scope, numbered like a second name "
            "scope of the same name (lesson 02, section 8; lesson 05, section 5)."
        ),
    ],
    solution_code='r3_answer = "conv1_1/Relu:0"',
)


EXERCISES = (r1, r2, r3, q1, q2, q3, q4, q5)
