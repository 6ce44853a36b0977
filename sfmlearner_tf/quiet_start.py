"""Starting TensorFlow: with this CPU's settings, and without its start-up notices.

Every program calls `start_tensorflow()` before it imports anything that imports TensorFlow, and so
does a notebook that wants the same speed: TensorFlow reads oneDNN's switch once, during its
import, and the fast setting depends on the CPU (cpu_features.py; BUILD.md, 'CPU settings'). This
module itself imports no TensorFlow, so importing the package costs nothing and numpy-only modules
(the synthetic world, camera-height scaling, the CPU check) stay free of it.

Importing TensorFlow on a machine without a GPU prints, before a program says anything itself,
notices such as `oneDNN custom operations are on` (twice), `Could not find cuda drivers`, the
CPU-instruction banner and `failed call to cuInit`. They come from TensorFlow's C++ logging,
partly before it is initialised (then whatever TF_CPP_MIN_LOG_LEVEL says), so they are caught at
the file-descriptor level during the import and dropped by pattern; any other line that appears
meanwhile is passed on as it comes (by a child process, so that a crash of the import cannot
swallow its own message). TensorFlow reads its C++ log level once, at the import: it is set to
1 then, so that for the rest of the run C++ warnings and errors are shown and only its INFO lines
are not. The TFLite converter's known notices are dropped the same way while it runs, and the
remapper's error for leaky ReLU during the first train step (`notices_dropped`; export/tflite_lib.py,
training/trainer.py). TensorFlow's Python INFO logs and two known Python
notices (the converter's internal use of the deprecated `tf.lite.Interpreter`, SavedModel
signature renames) are hidden too; Python warnings and errors stay.

A user who sets TF_CPP_MIN_LOG_LEVEL (e.g. `TF_CPP_MIN_LOG_LEVEL=0`) gets everything back:
nothing is filtered then.
"""

import contextlib
import logging
import os
import subprocess
import sys
import warnings

from sfmlearner_tf.cpu_features import cpu_model_and_flags, onednn_default

STARTUP_NOTICES = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
    "Could not find cuda drivers",
    "failed call to cuInit",
    "cpu_feature_guard",
    "To enable the following instructions",
    "rebuild TensorFlow with the appropriate compiler flags",
    "Unable to register cu",
    "TF-TRT Warning",
)
# Harmless lines of the TFLite converter, every conversion (export/tflite_lib.py).
CONVERTER_NOTICES = (
    "Ignored output_format",
    "Ignored drop_control_dependency",
    "fully_quantize:",
    "Skipping runtime version metadata",
)
# Logged at error level when the train step's graph is first optimized with leaky ReLU under
# oneDNN: grappler's remapper skips its fusions for that graph. Measured harmless (128x160 step
# 0.36-0.40 s with leaky ReLU, 0.36-0.37 s with ReLU, whose graph remaps; 2026-12-07, AMD EPYC).
GRAPH_OPTIMIZER_NOTICES = ("remapper failed",)


def user_wants_everything() -> bool:
    return "TF_CPP_MIN_LOG_LEVEL" in os.environ


# Run by a child process during the import: copies its stdin to its stdout line by line, as the
# lines come, without the start-up notices given as arguments. A child, not a thread: if the
# import kills this process (an illegal instruction, an abort after a fatal log line), the child
# still reads what was written before, gets end-of-file and passes it on.
_FORWARDER = """
import sys
notices = sys.argv[1:]
for line in sys.stdin.buffer:
    if not any(notice.encode() in line for notice in notices):
        sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
"""


_started = False


def start_tensorflow() -> None:
    """Imports TensorFlow with this CPU's oneDNN setting and without its notices; later calls do nothing.

    An explicit TF_ENABLE_ONEDNN_OPTS of the user's wins. If TensorFlow was imported before the
    first call, the setting may have come too late: then one warning says what TensorFlow runs with.
    """
    global _started
    if _started:
        return
    _started = True
    came_first = "tensorflow" in sys.modules
    requested = os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", onednn_default(cpu_model_and_flags()[1]))
    import_tensorflow_quietly()
    if came_first:
        warning = onednn_warning(requested, onednn_in_effect())
        if warning:
            print(warning, file=sys.stderr)


# TensorFlow's C++ log level for the whole run (read once, during the import): warnings and errors.
RUN_LOG_LEVEL = "1"


@contextlib.contextmanager
def notices_dropped(notices):
    """Drops the lines of fd 2 that contain any of `notices` while the block runs; passes on the rest.

    At the file-descriptor level, so that C++ output is caught too. Whatever else is written
    reaches stderr as it is written, even if the process dies inside the block. Nothing is
    dropped when the user set TF_CPP_MIN_LOG_LEVEL.
    """
    if user_wants_everything():
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    forwarder = subprocess.Popen([sys.executable, "-S", "-c", _FORWARDER, *notices],
                                 stdin=read_end, stdout=saved, close_fds=True)
    os.close(read_end)
    os.dup2(write_end, 2)
    os.close(write_end)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # the pipe's last write end closes: the forwarder finishes
        os.close(saved)
        forwarder.wait()


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow (and lists its devices, when CUDA complains) with the notices dropped.

    Whatever else TensorFlow writes meanwhile reaches stderr as it is written, so a fatal error
    during the import (a missing library, an illegal instruction) is never swallowed.
    """
    if "tensorflow" in sys.modules or user_wants_everything():
        return
    with notices_dropped(STARTUP_NOTICES):
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = RUN_LOG_LEVEL
        import tensorflow as tf

        tf.config.list_physical_devices()
    # TensorFlow read the level at its first log line (during the import); dropping the variable
    # now keeps it from child processes, which then quiet their own start.
    del os.environ["TF_CPP_MIN_LOG_LEVEL"]
    logging.getLogger("tensorflow").setLevel(logging.WARNING)
    # Much of TensorFlow logs through absl, whose logger the programs' own INFO lines share.
    logging.getLogger("absl").addFilter(_TensorFlowInfo())
    warnings.filterwarnings("ignore", message=r".*tf\.lite\.Interpreter is deprecated", category=UserWarning)


def onednn_in_effect():
    """Whether the running TensorFlow uses oneDNN's kernels (None where it cannot say).

    TensorFlow reads TF_ENABLE_ONEDNN_OPTS once, during its import; this asks what it read,
    which differs from the variable when TensorFlow was imported before the variable was set.
    """
    try:
        from tensorflow.python.util import _pywrap_util_port  # private: TF's own answer, no public one
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def onednn_warning(requested: str, in_effect) -> str:
    """'' when TensorFlow runs with the TF_ENABLE_ONEDNN_OPTS `requested`, else one warning line."""
    if in_effect is None or in_effect == (requested == "1"):
        return ""
    return (f"warning: TensorFlow was imported before start_tensorflow() and runs with oneDNN "
            f"{'on' if in_effect else 'off'}, not TF_ENABLE_ONEDNN_OPTS={requested} (this CPU's faster setting, "
            "BUILD.md 'CPU settings'): call sfmlearner_tf.start_tensorflow() before importing TensorFlow, or set "
            "TF_ENABLE_ONEDNN_OPTS before Python starts")


class _TensorFlowInfo(logging.Filter):
    """Drops INFO records that TensorFlow's own modules log through absl (SavedModel's signature
    renames, checkpoint sharding times, fingerprints); its warnings and the programs' lines stay."""

    _PACKAGE = os.sep + "tensorflow" + os.sep

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or self._PACKAGE not in record.pathname
