"""kit.charts: parameters per block, and PNG bytes that are the same on every run."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
import textwrap

from kit.charts import (
    ParameterChart,
    bar_chart_png,
    block_parameters,
    parameter_chart,
    parameter_table,
)
from kit.tree import ScopeTree, VariableInfo

SAMPLE = {"conv1": 1000, "fc6": 250000, "fc7": 40000}


def variable(name: str, shape: tuple) -> VariableInfo:
    return VariableInfo(name, shape, "float32", True, "", ("global", "trainable"))


def small_net() -> ScopeTree:
    return ScopeTree(
        [
            variable("net/conv1/conv1_1/weights", (3, 3, 3, 8)),
            variable("net/conv1/conv1_1/biases", (8,)),
            variable("net/conv1/conv1_2/weights", (3, 3, 8, 8)),
            variable("net/fc6/weights", (7, 7, 8, 16)),
            variable("net/fc6/biases", (16,)),
            variable("global_step", ()),
        ],
        [],
    )


def png_chunk_types(png: bytes) -> list[bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    types, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        types.append(png[offset + 4:offset + 8])
        offset += 12 + length
    return types


def test_block_parameters_sums_each_child_scope():
    counts = block_parameters(small_net(), "net")
    assert counts == {"conv1": 3 * 3 * 3 * 8 + 8 + 3 * 3 * 8 * 8, "fc6": 7 * 7 * 8 * 16 + 16}


def test_block_parameters_at_the_root_counts_loose_variables_by_name():
    counts = block_parameters(small_net())
    assert set(counts) == {"net", "global_step"}
    assert counts["global_step"] == 1


def test_parameter_table_lists_shares_and_the_total():
    table = parameter_table({"a": 1, "b": 3}, "Title")
    assert table.splitlines() == [
        "Title",
        "a      1   25.0%",
        "b      3   75.0%",
        "total  4  100.0%",
    ]


def test_chart_displays_png_and_a_text_table():
    chart = parameter_chart(small_net(), "net", "Small net")
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert bundle["text/plain"].startswith("Small net\nconv1")
    assert isinstance(chart, ParameterChart)


def test_png_has_no_software_or_time_metadata():
    png = parameter_chart(small_net(), "net").png
    chunks = png_chunk_types(png)
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(chunks)


def test_png_bytes_are_identical_in_the_same_process():
    assert parameter_chart(small_net(), "net").png == parameter_chart(small_net(), "net").png


def test_png_bytes_are_identical_in_a_fresh_process():
    """Another interpreter (own font cache load, own matplotlib state) draws the same bytes."""
    script = textwrap.dedent(
        f"""
        import hashlib
        from kit.charts import bar_chart_png
        print(hashlib.sha256(bar_chart_png({SAMPLE!r}, "Blocks")).hexdigest())
        """
    )
    other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert other == hashlib.sha256(bar_chart_png(SAMPLE, "Blocks")).hexdigest()
