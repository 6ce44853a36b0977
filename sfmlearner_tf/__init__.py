"""sfmlearner_tf: unsupervised depth and ego-motion from video (SfMLearner) in TensorFlow 2 / Keras 3."""

import os
import sys

from sfmlearner_tf.cpu_features import cpu_model_and_flags, onednn_default

# oneDNN's kernels on only where they are faster: on AVX-512 CPUs, which TensorFlow's x86 wheels
# do not all recognise, and not on AVX2-only ones (cpu_features.py; BUILD.md, 'CPU settings').
# It must be set before TensorFlow is imported, and an explicit setting by the user wins.
_tensorflow_came_first = "tensorflow" in sys.modules
_onednn_requested = os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", onednn_default(cpu_model_and_flags()[1]))

# Programs show their own messages, not TensorFlow's start-up notices (quiet_start.py);
# TF_CPP_MIN_LOG_LEVEL set by the user brings them back.
from sfmlearner_tf.quiet_start import import_tensorflow_quietly, onednn_in_effect, onednn_warning  # noqa: E402

import_tensorflow_quietly()
if _tensorflow_came_first:
    # The setting may have come too late to take effect: then say so, rather than let it pass for done.
    _warning = onednn_warning(_onednn_requested, onednn_in_effect())
    if _warning:
        print(_warning, file=sys.stderr)

__version__ = "0.1.0"
