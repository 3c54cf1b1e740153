"""Translate the errors learners meet into the concept behind them and what to change.

A table of rules, each ``(exception types, regex on the message) -> (concept, what to
change, the lessons that show it)``. ``translate(exc)`` picks the first rule that matches; unknown errors
still get a friendly generic translation that keeps the original type and text.
No UI here: kit.exercise turns a Translation into a message.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_MESSAGE_CHARS = 400


@dataclass(frozen=True)
class Translation:
    """What an error means for a learner."""

    error_type: str
    message: str
    concept: str
    change: str
    lessons: tuple[str, ...] = ()
    known: bool = True

    @property
    def original(self) -> str:
        """``Type: message`` as a learner would print it."""
        return f"{self.error_type}: {self.message}" if self.message else self.error_type

    @property
    def lessons_note(self) -> str:
        """Where the lessons show this error, e.g. "Lesson 02 (Reuse modes) shows it."."""
        if not self.lessons:
            return ""
        from kit.lessons import lesson

        named = [f"lesson {n} ({lesson(n).title})" for n in self.lessons]
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        return f"{listed[0].upper()}{listed[1:]} {'shows' if len(named) == 1 else 'show'} it."


@dataclass(frozen=True)
class Rule:
    """One row of the table; ``concept`` and ``change`` may use the regex's named groups."""

    types: tuple[type[BaseException], ...]
    pattern: str
    concept: str
    change: str
    lessons: tuple[str, ...] = ()
    #: a message this rule must translate (tests check that no earlier rule takes it)
    example: str = ""
    #: applies only where this is true of the context the error happened in
    when: Callable[[ErrorContext], bool] | None = None

    def matches(self, exc: BaseException, message: str, context: ErrorContext) -> re.Match | None:
        if not isinstance(exc, self.types) or (self.when is not None and not self.when(context)):
            return None
        return re.search(self.pattern, message)


@dataclass(frozen=True)
class ErrorContext:
    """What the engine knows about where an error happened."""

    #: the graph's root variable scope was left reusing (``reuse_variables()`` at the top)
    root_scope_reusing: bool = False


class VariableCapReached(RuntimeError):
    """Raised by the exercise engine when learner code creates too many variables."""

    def __init__(self, cap: int):
        super().__init__(f"more than {cap:,} variables were created; the check stopped the build")
        self.cap = cap


_TF1_ONLY_NAMES = (
    "get_variable|variable_scope|AUTO_REUSE|placeholder|Session|layers|GraphKeys|gfile"
    "|truncated_normal_initializer|trainable_variables|global_variables|get_collection"
    "|get_variable_scope|global_variables_initializer|train|losses|contrib|InteractiveSession"
    "|random_normal|truncated_normal|to_float|variables_initializer|model_variables"
)

# The rules in groups by topic. Order matters only inside a group and is one rule:
# a specific pattern comes before a more general one that would also match it (the
# top-level reuse trap before "does not exist", a lambda before any invalid scope name,
# `scope=` before any unexpected keyword). Each rule's ``example`` is a message it must
# translate; tests/test_errors.py checks that no earlier rule takes it.
# Creating, fetching and sharing variables (variable_scope, get_variable).
SHARING_RULES: tuple[Rule, ...] = (
    Rule(
        (ValueError,),
        r"Variable (?P<var>\S+) already exists, disallowed",
        "creating a variable twice without reuse",
        "`{var}` was created by an earlier call and this call tried to create it again. "
        "To share it, open the variable_scope of the second call with `reuse=True` "
        "(or `reuse=tf.AUTO_REUSE` for every call); to keep two copies, give the second call "
        "its own scope name.",
        ("02", "03"),
        example='Variable goo/w already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?',
    ),
    Rule(
        (ValueError,),
        r"Variable (?P<var>\S+) does not exist, or was not created with tf\.get_variable",
        "reuse_variables() at the top level poisons the whole graph",
        "`tf.get_variable_scope().reuse_variables()` was called outside any named scope, "
        "so every later new variable in this graph fails. Call `reuse_variables()` on a "
        "named scope (`with tf.variable_scope('tower') as scope:`), or use "
        "`reuse=tf.AUTO_REUSE`.",
        ("02",),
        example="Variable b does not exist, or was not created with tf.get_variable(). Did "
        "you mean to set reuse=tf.AUTO_REUSE in VarScope?",
        when=lambda context: context.root_scope_reusing,
    ),
    Rule(
        (ValueError,),
        r"Variable (?P<var>\S+) does not exist, or was not created with tf\.get_variable",
        "reuse=True only fetches variables that already exist",
        "`{var}` was looked up with reuse on, but no earlier tf.get_variable made it. Create it "
        "first with reuse off (the first tower), or use `reuse=tf.AUTO_REUSE`. A variable made "
        "with tf.Variable can never be fetched this way, and a scope nested inside a reusing "
        "scope stays reusing even with `reuse=False`.",
        ("02",),
        example='Variable s/q does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?',
    ),
    Rule(
        (ValueError,),
        r"Trying to share variable (?P<var>\S+), but specified shape (?P<asked>\(.*?\)) "
        r"and found shape (?P<found>\(.*?\))",
        "a shared variable has one shape",
        "`{var}` already exists with shape {found}, and this call asked for {asked}. Sharing "
        "(reuse=True or AUTO_REUSE) returns the existing variable, so every call must ask for "
        "the same shape: check the input depth or the kernel size of the second call.",
        ("02",),
        example='Trying to share variable s/p, but specified shape (3, 2) and found shape (2, 3).',
    ),
    Rule(
        (ValueError,),
        r"Trying to share variable (?P<var>\S+), but specified dtype (?P<asked>\w+) "
        r"and found dtype (?P<found>\w+)",
        "a shared variable has one dtype",
        "`{var}` already exists as {found}, and this call asked for {asked}. Pass the same "
        "`dtype=` in every call that shares it.",
        ("02",),
        example='Trying to share variable s/p, but specified dtype int32 and found dtype float32.',
    ),
    Rule(
        (ValueError,),
        r"Variable (?P<var>\S+) did not get an initializer, so its [`']shape[`'] argument",
        "a new variable needs a shape",
        "tf.get_variable('{var}') creates a new variable here, so it needs `shape=[...]` (or an "
        "initializer that carries a value). Only with reuse on may the shape be left out.",
        ("02",),
        example="Variable noshape did not get an initializer, so its 'shape' argument must be specified.",
    ),
    Rule(
        (ValueError,),
        r"reuse=True cannot be used without a name_or_scope",
        "reuse needs a scope name",
        "Give the scope a name: `tf.variable_scope('tower', reuse=True)`, or call "
        "`scope.reuse_variables()` inside a named scope.",
        ("02",),
        example='reuse=True cannot be used without a name_or_scope',
    ),
    Rule(
        (TypeError,),
        r"If default_name is None then name_or_scope is required",
        "a variable_scope needs a name",
        "Pass a name (`tf.variable_scope('tower')`) or a default name "
        "(`tf.variable_scope(None, default_name='tower')`).",
        ("02",),
        example='If default_name is None then name_or_scope is required',
    ),
)

# Graphs, eager mode and names that moved in TensorFlow 2.
GRAPH_AND_TF2_RULES: tuple[Rule, ...] = (
    Rule(
        (RuntimeError,),
        r"placeholder\(\) is not compatible with eager execution",
        "placeholders exist only in graphs",
        "This code ran eagerly (TF2's default). Build inside a graph: "
        "`with kit.fresh_graph() as g:`.",
        ("08",),
        example='tf.placeholder() is not compatible with eager execution.',
    ),
    Rule(
        (AttributeError, RuntimeError, ValueError),
        r"Tensor\.(?P<attr>name|graph|op) is undefined when eager execution is enabled",
        "eager tensors have no names",
        "This tensor was computed eagerly, so it has no `.{attr}` and no graph. Build inside "
        "`with kit.fresh_graph() as g:`, where every tensor has a name. Eagerly, "
        "tf.get_variable never shares and never complains.",
        ("08",),
        example='Tensor.name is undefined when eager execution is enabled.',
    ),
    Rule(
        (ValueError,),
        r"name for name_scope must be a string",
        "TF2's tf.name_scope needs a name",
        "TF2's `tf.name_scope(None)` raises; only the compat.v1 one resets to the root. Use "
        "`tf.compat.v1.name_scope(None)` (or give a name).",
        ("01",),
        example='name for name_scope must be a string.',
    ),
    Rule(
        (ValueError,),
        r"must be from the same graph",
        "one graph per build",
        "Your code mixes tensors from two graphs (often a tensor or variable made in another "
        "cell). Create everything inside the function from its arguments, in the graph it is "
        "called in.",
        ("03",),
        example='Tensor("x:0") must be from the same graph as Tensor("y:0").',
    ),
    Rule(
        (AttributeError,),
        rf"module 'tensorflow' has no attribute '(?P<attr>{_TF1_ONLY_NAMES})'",
        "TF1 names are not in the TF2 namespace",
        "`tf.{attr}` is a TF1 API: TensorFlow 2 keeps it under `tf.compat.v1`. Use "
        "`import tensorflow.compat.v1 as tf` (as the lessons do).",
        ("08",),
        example="module 'tensorflow' has no attribute 'get_variable'",
    ),
    Rule(
        (ModuleNotFoundError, ImportError, AttributeError),
        r"tensorflow\.contrib|has no attribute 'contrib'",
        "tf.contrib is gone",
        "TF-Slim left `tensorflow.contrib`: use `import tf_slim as slim`.",
        ("04", "06"),
        example="No module named 'tensorflow.contrib'",
    ),
    Rule(
        (RuntimeError,),
        r"The Session graph is empty",
        "sessions run graphs, not eager tensors",
        "Build the graph inside `with kit.fresh_graph() as g:` and run it with `tf.Session(graph=g)`.",
        ("08",),
        example='The Session graph is empty. Add operations to the graph before calling run().',
    ),
)

# tf-slim: its fixes, arg_scope, repeat and stack, nets.
SLIM_RULES: tuple[Rule, ...] = (
    Rule(
        (ModuleNotFoundError,),
        r"No module named 'tf_keras\.legacy_tf_layers'",
        "slim.batch_norm needs kit's fix",
        "Run `import kit` before tf_slim (it aliases the module tf_keras moved).",
        ("03", "05"),
        example="No module named 'tf_keras.legacy_tf_layers'",
    ),
    Rule(
        (AttributeError,),
        r"module 'tensorflow\.python\.ops\.variable_scope' has no attribute 'variable'",
        "slim.local_variable is broken in tf-slim 1.1.0",
        "Run `import kit` first (it replaces slim.local_variable / slim.global_variable), or "
        "use tf.get_variable(..., collections=[tf.GraphKeys.LOCAL_VARIABLES], trainable=False).",
        ("04",),
        example="module 'tensorflow.python.ops.variable_scope' has no attribute 'variable'",
    ),
    Rule(
        (TypeError,),
        r"(?P<fn>\w+)\(\) got multiple values for argument '(?P<arg>\w+)'",
        "arg_scope already supplies that argument",
        "`{fn}` got `{arg}` twice: once from an arg_scope (or a positional argument) and once "
        "by keyword. Pass `{arg}=...` by keyword only, after the positional ones, so the local "
        "value overrides the arg_scope default.",
        ("05",),
        example="convolution2d() got multiple values for argument 'stride'",
    ),
    Rule(
        (TypeError,),
        r"got an unexpected keyword argument 'scope'",
        "slim passes scope= to the layer function",
        "slim.repeat, slim.stack and arg_scope call your layer with `scope=...`: give your function "
        "a `scope=None` parameter and pass it on to the slim layer or variable_scope inside.",
        ("06",),
        example="block() got an unexpected keyword argument 'scope'",
    ),
    Rule(
        (TypeError,),
        r"(?P<fn>\w+)\(\) got an unexpected keyword argument '(?P<arg>\w+)'",
        "an argument the function does not take",
        "`{fn}` has no parameter `{arg}`. If it came from an arg_scope, that scope accepted it "
        "silently and it only fails now: remove it or list the right function in arg_scope.",
        ("05",),
        example="convolution2d() got an unexpected keyword argument 'not_an_arg'",
    ),
    Rule(
        (ValueError,),
        r"'(?P<name>[^']*<lambda>[^']*)' is not a valid scope name",
        "slim.repeat/stack name scopes after the layer function",
        "slim.repeat and slim.stack name each block after the function's `__name__`; a lambda is "
        "called `<lambda>`, which is not a valid scope name. Pass `scope='block'`, or use a "
        "named function or functools.partial.",
        ("06",),
        example="'Repeat/<lambda>_1' is not a valid scope name",
    ),
    Rule(
        (ValueError,),
        r"'(?P<name>[^']*)' is not a valid scope name",
        "scope names have a fixed alphabet",
        "Scope names may use letters, digits, `_ . / > -` only: `{name}` does not fit.",
        ("06",),
        example="'two words' is not a valid scope name",
    ),
    Rule(
        (ValueError,),
        r"stack_args need to be a list or tuple",
        "slim.stack takes a list",
        "Pass one entry per layer: `slim.stack(x, slim.fully_connected, [32, 64, 128])`.",
        ("06",),
        example='stack_args need to be a list or tuple',
    ),
    Rule(
        (ValueError,),
        r"is not decorated with @add_arg_scope",
        "arg_scope works only on decorated functions",
        "Decorate your own layer with `@slim.add_arg_scope` before listing it in arg_scope.",
        ("05",),
        example='Function my_layer is not decorated with @add_arg_scope',
    ),
    Rule(
        (ValueError,),
        r"When attempting to re-use a scope by suppling a ?dictionary, kwargs must be empty",
        "a captured arg_scope is re-applied as is",
        "`slim.arg_scope(sc)` with a captured scope takes no extra keyword arguments; nest a "
        "second arg_scope for the extra defaults.",
        ("05",),
        example='When attempting to re-use a scope by suppling adictionary, kwargs must be empty.',
    ),
    Rule(
        (AttributeError,),
        r"'tuple' object has no attribute 'get_shape'",
        "slim nets return (net, end_points)",
        "`vgg.vgg_16(...)` returns a tuple: write `net, end_points = vgg.vgg_16(...)`.",
        ("06",),
        example="'tuple' object has no attribute 'get_shape'",
    ),
)

# Plain Python mistakes inside a learner's function, and the kit's own limits.
PYTHON_RULES: tuple[Rule, ...] = (
    Rule(
        (VariableCapReached,),
        r"more than (?P<cap>[\d,]+) variables",
        "runaway variable creation",
        "Your code made more than {cap} variables, so the check stopped it. Look for a loop "
        "or recursion that calls tf.get_variable / tf.Variable / a slim layer without end.",
        example='more than 2,000 variables were created; the check stopped the build',
    ),
    Rule(
        (TypeError,),
        r"'(?P<cls>\w+)' object is not callable",
        "calling an object whose class has no __call__",
        "Code called a `{cls}` object like a function, so `{cls}` needs a method "
        "`def __call__(self, ...)` that computes its output (a tf.Module gets none by itself).",
        example="'Dense' object is not callable",
    ),
    Rule(
        (AttributeError,),
        r"module 'tensorflow(?:\.compat\.v1)?' has no attribute 'constant_intializer'",
        "a typo copied from an old article",
        "It is spelled `tf.constant_initializer` (the Chinese blog post on name_scope and "
        "variable_scope prints `constant_intializer`). The "
        "error comes after the conv's weights were created, so re-run in a fresh graph.",
        ("03",),
        example="module 'tensorflow.compat.v1' has no attribute 'constant_intializer'",
    ),
    Rule(
        (RecursionError,),
        r"",
        "a function that calls itself without end",
        "Your function calls itself (directly or through another function) and never stops. "
        "Build each layer once per call; loop with `for` or slim.repeat instead.",
        example='maximum recursion depth exceeded',
    ),
    Rule(
        (NameError,),
        r"name '(?P<name>\w+)' is not defined",
        "a name used before it is defined",
        "`{name}` is not defined where your function runs. Define or import it (run the cell "
        "that does), or pass it in as an argument.",
        example="name 'slim' is not defined",
    ),
    Rule(
        (SystemExit,),
        r"",
        "exit() stops the kernel's code, not just the cell",
        "Remove the `exit()` / `sys.exit()` call: return from the function instead.",
        example='',
    ),
)

RULES: tuple[Rule, ...] = (*SHARING_RULES, *GRAPH_AND_TF2_RULES, *SLIM_RULES, *PYTHON_RULES)


# Machine paths (`/home/x/site-packages/...`), not variable names (`tower/conv1/weights`).
_PATH = re.compile(r"(?<![\w.<>-])/(?:[\w.@+-]+/)+[\w.@+-]*")
_ADDRESS = re.compile(r"(?:^|\s)at 0x[0-9a-fA-F]+")


def clean_message(text: str) -> str:
    """The part of an error message worth showing: no traceback tail, paths or addresses."""
    text = text.split(" Originally defined at:", 1)[0]
    text = _ADDRESS.sub("", text)
    text = _PATH.sub("<path>", text)
    text = text.strip()
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 3].rstrip() + "..."
    return text


def _typo_suggestion(message: str) -> Translation | None:
    """``module 'tensorflow...' has no attribute 'x'``: suggest the closest real name."""
    match = re.search(r"module '(?P<module>tensorflow[\w.]*)' has no attribute '(?P<attr>\w+)'", message)
    if not match:
        return None
    import importlib

    try:
        module = importlib.import_module(match["module"])
        names = [n for n in dir(module) if not n.startswith("_")]
    except Exception:  # noqa: BLE001 - a suggestion is optional
        return None
    close = difflib.get_close_matches(match["attr"], names, n=1, cutoff=0.8)
    if not close:
        return None
    return Translation(
        "AttributeError",
        message,
        "a misspelled TensorFlow name",
        f"`{match['attr']}` does not exist in `{match['module']}`; did you mean `{close[0]}`?",
        ("03",),
    )


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - learner exceptions may have a broken __str__
        return "(the error's message could not be shown)"


def translate(exc: BaseException, *, root_scope_reusing: bool = False) -> Translation:
    """Explain ``exc`` for a learner; never raises.

    ``root_scope_reusing`` says the graph's root variable scope was left reusing, which
    turns "does not exist" into the top-level ``reuse_variables()`` trap.
    """
    error_type = type(exc).__name__
    message = clean_message(_safe_str(exc))
    context = ErrorContext(root_scope_reusing=root_scope_reusing)
    for rule in RULES:
        match = rule.matches(exc, message, context)
        if match is not None:
            groups = {k: v for k, v in match.groupdict().items() if v is not None}
            return Translation(error_type, message, rule.concept, rule.change.format(**groups),
                               rule.lessons)
    suggestion = _typo_suggestion(message) if isinstance(exc, AttributeError) else None
    if suggestion is not None:
        return suggestion
    return Translation(
        error_type,
        message,
        "an error this kit does not know yet",
        "Fix what the message says in your code, run its cell, then the check again; the "
        "hints may help.",
        known=False,
    )
