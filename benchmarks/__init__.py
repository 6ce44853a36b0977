"""benchmarks package"""

# Every benchmark starts TensorFlow the quiet way (sfmlearner_tf/quiet_start.py),
# whichever module it imports first.
import sfmlearner_tf  # noqa: F401
