"""The evaluation tests' tiny run directory, records and restored networks, shared (built once per module)."""

from tests.evaluation.conftest import depth_model, networks, run_dir, tfrecords_dir  # noqa: F401
