"""What a benchmark figure was measured on: the CPU's model and vector extensions, cores, TF settings.

Every benchmark's JSON carries `machine()`, so that two figures can be compared: the same step is
2-4x faster on an AVX-512 CPU than on an AVX2-only one of the same family, and the CPU settings
the project chooses (sfmlearner_tf/cpu_features.py) differ between them.
"""

import os

from sfmlearner_tf.cpu_features import cpu_model_and_flags, missing_bfloat16_support
from sfmlearner_tf.quiet_start import onednn_in_effect


def machine() -> dict:
    import tensorflow as tf

    model, flags = cpu_model_and_flags()
    return {
        "cpu_model": model,
        "cpu_flags": list(flags),
        "cpu_count": os.cpu_count(),
        "native_bfloat16": not missing_bfloat16_support(flags),
        "tensorflow": tf.__version__,
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", ""),
        # What TensorFlow read at its import, which is what the figures ran with (the variable
        # may have been set after it).
        "onednn_in_effect": onednn_in_effect(),
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
    }
