"""Where a traced step spends its time: TensorFlow op kernels from a `tf.profiler` trace, summed.

The profiler writes `<logdir>/plugins/profile/<run>/<host>.xplane.pb`; TensorBoard's profile plugin
is the way to browse it, but it is not a dependency of this project, so this reads the XSpace proto
(shipped with TensorFlow) directly. On CPU every executed kernel is one event on a thread line of
the host plane, named `<op name>:<op type>`; summing durations by op type and by op name is what
`python -m benchmarks.train_step --profile_dir=DIR` prints.
"""

import collections
import glob
import os

from tensorflow.tsl.profiler.protobuf import xplane_pb2

HOST_PLANE = "/host:CPU"


def _latest_trace(logdir: str) -> str:
    paths = glob.glob(os.path.join(logdir, "plugins", "profile", "*", "*.xplane.pb"))
    if not paths:
        raise FileNotFoundError(f"no *.xplane.pb under {logdir}/plugins/profile: was the profiler run?")
    return max(paths, key=os.path.getmtime)


def kernel_times(logdir: str) -> list[tuple[str, str, float]]:
    """Every op-kernel event of the newest trace under `logdir`: (op name, op type, milliseconds)."""
    space = xplane_pb2.XSpace()
    with open(_latest_trace(logdir), "rb") as f:
        space.ParseFromString(f.read())
    events = []
    for plane in space.planes:
        if plane.name != HOST_PLANE:
            continue
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                # Kernels are "name:Type" (oneDNN's types start with "_Mkl"); executor and
                # Python scopes ("ExecutorState::Process", "$...", plain names) are not.
                op_name, _, op_type = name.rpartition(":")
                if op_name and op_type and "::" not in name and " " not in op_type and not name.startswith("$"):
                    events.append((op_name, op_type, event.duration_ps / 1e9))
    return events


def summarize(logdir: str, steps: int, top: int = 15) -> dict:
    """Milliseconds per step by op type and by op name (the `top` largest of each), and their total.

    Times are summed over threads, so with several threads busy at once the total can exceed the
    wall-clock step time.
    """
    by_type, by_name = collections.Counter(), collections.Counter()
    for op_name, op_type, ms in kernel_times(logdir):
        by_type[op_type] += ms / steps
        by_name[f"{op_name}:{op_type}"] += ms / steps
    return {
        "kernel_ms_per_step": round(sum(by_type.values()), 1),
        "by_op_type_ms": {name: round(ms, 1) for name, ms in by_type.most_common(top)},
        "by_op_ms": {name: round(ms, 1) for name, ms in by_name.most_common(top)},
    }
