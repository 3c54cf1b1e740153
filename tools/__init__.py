"""The project's own tools: notebook execution, solution mode, golden files, benchmarks.

Run them from the repository root as modules (``python -m tools.execute_notebooks``), so
that one tool imports another as ``tools.NAME`` without touching ``sys.path``.
"""
