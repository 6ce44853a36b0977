"""sfmlearner_tf: unsupervised depth and ego-motion from video (SfMLearner) in TensorFlow 2 / Keras 3.

Importing the package imports nothing heavy. Call `start_tensorflow()` before anything that
imports TensorFlow (every program does): it applies this CPU's oneDNN setting, which TensorFlow
reads only once, and drops TensorFlow's start-up notices (quiet_start.py).
"""

from sfmlearner_tf.quiet_start import start_tensorflow  # noqa: F401  (TF-free until called)

__version__ = "0.1.0"
