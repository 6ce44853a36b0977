"""Modules that need only numpy import without TensorFlow, and importing a package starts nothing.

TensorFlow is blocked in a child process (a `None` in sys.modules makes its import fail), so a
module that imports it, directly or through a package's `__init__`, fails this test.
"""

import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The packages, the CPU check and the numpy-only pieces: the synthetic world (its generator forks
# worker processes, unsafe once TensorFlow's threads exist), camera-height scaling, the frame
# preparation of the record builder (its spawned workers), and the TF-free device runtime.
TENSORFLOW_FREE = (
    "sfmlearner_tf", "export", "data_prep", "benchmarks", "demo",
    "sfmlearner_tf.cpu_features", "sfmlearner_tf.quiet_start", "sfmlearner_tf.config", "sfmlearner_tf.flags",
    "sfmlearner_tf.inference.camera_height", "sfmlearner_tf.evaluation.depth_metrics",
    "sfmlearner_tf.evaluation.pose_metrics", "sfmlearner_tf.evaluation.kitti",
    "data_prep.synthetic", "data_prep.synthetic_world.dataset", "data_prep.frame_ops", "data_prep.build_tfrecords",
    "export.lite_runtime", "benchmarks.synthetic_render",
)

_BLOCKED_IMPORT = """
import importlib, sys
sys.modules["tensorflow"] = None
importlib.import_module(sys.argv[1])
"""


@pytest.mark.parametrize("module", TENSORFLOW_FREE)
def test_imports_without_tensorflow(module):
    result = subprocess.run([sys.executable, "-c", _BLOCKED_IMPORT, module], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1]


def test_the_block_catches_a_module_that_needs_tensorflow():
    result = subprocess.run([sys.executable, "-c", _BLOCKED_IMPORT, "sfmlearner_tf.geometry"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "tensorflow" in result.stderr
