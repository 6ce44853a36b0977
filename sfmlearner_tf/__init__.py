"""sfmlearner_tf: unsupervised depth and ego-motion from video (SfMLearner) in TensorFlow 2 / Keras 3."""

import os

from sfmlearner_tf.cpu_features import cpu_model_and_flags, onednn_default

# oneDNN's kernels on only where they are faster: on AVX-512 CPUs, which TensorFlow's x86 wheels
# do not all recognise, and not on AVX2-only ones (cpu_features.py; BUILD.md, 'CPU settings').
# It must be set before TensorFlow is imported, and an explicit setting by the user wins.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", onednn_default(cpu_model_and_flags()[1]))

# Programs show their own messages, not TensorFlow's start-up notices (quiet_start.py);
# TF_CPP_MIN_LOG_LEVEL set by the user brings them back.
from sfmlearner_tf.quiet_start import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()

__version__ = "0.1.0"
