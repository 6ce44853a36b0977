"""The quiet start drops TensorFlow's start-up notices and nothing else, even when the import dies."""

import os
import signal
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

NOTICE = "I0000 oneDNN custom operations are on"

IMPORTS = """
import os
os.write(2, b"{notice}\\n")
os.write(2, b"E0000 a message of the import\\n")
"""
ENDINGS = {
    "succeeds": "class config:\n    @staticmethod\n    def list_physical_devices():\n        return []\n",
    "raises": "raise ImportError('libcudart.so.12: cannot open shared object file')\n",
    "aborts": "os.abort()\n",
}


def _import_with_fake_tensorflow(tmp_path, ending: str) -> subprocess.CompletedProcess:
    package = tmp_path / "fake" / "tensorflow"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(IMPORTS.format(notice=NOTICE) + ENDINGS[ending])
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "fake"), REPO_ROOT])
    program = "import sfmlearner_tf; sfmlearner_tf.start_tensorflow(); print('started')"
    return subprocess.run([sys.executable, "-c", program], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_messages_of_the_import_reach_stderr_and_its_notices_do_not(tmp_path, ending):
    result = _import_with_fake_tensorflow(tmp_path, ending)
    # Written to fd 2 during the import, before it ended in whatever way.
    assert "E0000 a message of the import" in result.stderr
    assert NOTICE not in result.stderr
    if ending == "succeeds":
        assert result.returncode == 0 and result.stdout == "started\n"
    elif ending == "raises":
        assert result.returncode == 1 and "ImportError: libcudart.so.12" in result.stderr
    else:
        assert result.returncode == -signal.SIGABRT


_AFTER_START = """
import os, sys
import sfmlearner_tf
sfmlearner_tf.start_tensorflow()
import tensorflow as tf
# A C++ warning of TensorFlow's after start-up: a cached dataset that is not read to its end.
for _ in tf.data.Dataset.range(10).cache().take(2):
    pass
from sfmlearner_tf.quiet_start import notices_dropped
with notices_dropped(["a known notice"]):
    os.write(2, b"W0000 a known notice of a library\\n")
    os.write(2, b"E0000 something the user must see\\n")
print("done")
"""


def test_tensorflow_warnings_after_start_up_stay_and_known_notices_go():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env["PYTHONPATH"] = REPO_ROOT
    result = subprocess.run([sys.executable, "-c", _AFTER_START], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout == "done\n", result.stderr
    assert "did not fully read the dataset being cached" in result.stderr
    assert "E0000 something the user must see" in result.stderr
    assert "a known notice" not in result.stderr
    assert "cuda" not in result.stderr.lower() and "oneDNN" not in result.stderr, result.stderr
