"""sfmlearner_tf: unsupervised depth and ego-motion from video (SfMLearner) in TensorFlow 2 / Keras 3."""

import os

# TensorFlow's x86 wheels leave the oneDNN convolution kernels off on CPUs they do not recognise
# (this project's AMD EPYC among them); with them on, the 128x416 training step takes about 0.82 s
# instead of 1.80 s (BUILD.md). It must be set before TensorFlow is imported, and an explicit
# setting by the user wins.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

# Programs show their own messages, not TensorFlow's start-up notices (quiet_start.py);
# TF_CPP_MIN_LOG_LEVEL set by the user brings them back.
from sfmlearner_tf.quiet_start import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()

__version__ = "0.1.0"
