"""sfmlearner_tf: unsupervised depth and ego-motion from video (SfMLearner) in TensorFlow 2 / Keras 3."""

__version__ = "0.1.0"
