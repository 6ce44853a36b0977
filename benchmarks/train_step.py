"""Speed of one training step (both networks, the loss, Adam) on random inputs, no data pipeline.

  python -m benchmarks.train_step [--depth_net=mobile] [--jit_compile] [--mixed_precision] [--breakdown]
      [--profile_dir=DIR]

Prints JSON: median seconds per step after warm-up, images/s, and with --breakdown the median
time of each part (depth network forward, PoseExpNet forward, loss, forward+backward, Adam update)
measured as separate tf.functions. Reference: the PyTorch port of SfMLearner takes 1.09 s per
128x416, batch-4, 3-frame step with explainability on a 2-core CPU.
"""

import json
import statistics
import sys
import time

from sfmlearner_tf.quiet_start import start_tensorflow

start_tensorflow()  # this CPU's settings, before anything imports TensorFlow (quiet_start.py)

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402

from benchmarks import trace_summary  # noqa: E402
from benchmarks.machine import machine  # noqa: E402
from sfmlearner_tf.config import (ACTIVATIONS, DEPTH_NETS, MIXED_PRECISION_DTYPES, Config, DataConfig,  # noqa: E402
                                  LossConfig, ModelConfig, TrainConfig)
from sfmlearner_tf.losses import compute_losses  # noqa: E402
from sfmlearner_tf.run_dir import build_models  # noqa: E402
from sfmlearner_tf.training.optimizer import make_optimizer, set_precision_policy  # noqa: E402
from sfmlearner_tf.training.train_step import TrainStep, forward  # noqa: E402

flags.DEFINE_integer("height", ModelConfig.height, "Input height.")
flags.DEFINE_integer("width", ModelConfig.width, "Input width.")
flags.DEFINE_integer("batch_size", DataConfig.batch_size, "Snippets per step.")
flags.DEFINE_integer("seq_length", ModelConfig.seq_length, "Frames per snippet.")
flags.DEFINE_enum("depth_net", ModelConfig.depth_net, DEPTH_NETS, "The depth network (ModelConfig.depth_net).")
flags.DEFINE_enum("activation", ModelConfig.activation, ACTIVATIONS, "The networks' hidden activation.")
flags.DEFINE_float("explain_weight", LossConfig.explain_weight, "0 turns the explainability mask off.")
flags.DEFINE_integer("warmup", 3, "Untimed steps (tracing, allocation).")
flags.DEFINE_integer("steps", 10, "Timed steps.")
flags.DEFINE_bool("jit_compile", TrainConfig.jit_compile, "Compile the forward+backward pass with XLA.")
flags.DEFINE_bool("mixed_precision", TrainConfig.mixed_precision, "Compute the networks in 16 bits (see --mixed_precision_dtype).")
flags.DEFINE_enum("mixed_precision_dtype", TrainConfig.mixed_precision_dtype, MIXED_PRECISION_DTYPES,
                  "auto: float16 on a GPU, bfloat16 on a CPU.")
flags.DEFINE_integer("intra_op_threads", 0, "Threads inside one op (0: TensorFlow's choice).")
flags.DEFINE_integer("inter_op_threads", 0, "Ops run in parallel (0: TensorFlow's choice).")
flags.DEFINE_bool("breakdown", False, "Also time each part of the step separately.")
flags.DEFINE_string("profile_dir", "", "Trace 3 steps with tf.profiler into this directory and print where the time goes.")
FLAGS = flags.FLAGS
PROFILED_STEPS = 3


def random_batch(config: Config) -> dict:
    """A batch of uniform random images in [-1, 1] and KITTI-like intrinsics."""
    model, scales = config.model, config.loss.num_scales
    generator = np.random.default_rng(0)
    shape = (config.data.batch_size, model.height, model.width)
    focal = 0.58 * model.width
    intrinsics = np.array([[focal, 0, (model.width - 1) / 2], [0, focal, (model.height - 1) / 2], [0, 0, 1]])
    pyramid = np.stack([intrinsics * [[0.5**s], [0.5**s], [1]] for s in range(scales)])
    return {
        "target": tf.constant(generator.uniform(-1, 1, shape + (3,)), tf.float32),
        "sources": tf.constant(generator.uniform(-1, 1, shape + (3 * model.num_source,)), tf.float32),
        "intrinsics": tf.constant(np.broadcast_to(pyramid, (shape[0],) + pyramid.shape), tf.float32),
    }


def median_seconds(function, warmup: int, steps: int) -> float:
    for _ in range(warmup):
        tf.nest.map_structure(lambda t: t.numpy(), function())
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        tf.nest.map_structure(lambda t: t.numpy(), function())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def breakdown(depth_net, pose_net, optimizer, batch, config) -> dict:
    """Median seconds of each part of the step, each its own tf.function."""
    variables = depth_net.trainable_variables + pose_net.trainable_variables
    disparities = [tf.cast(d, tf.float32) for d in depth_net(batch["target"])]
    pose_outputs = pose_net(batch["target"], batch["sources"])
    masks = [tf.cast(m, tf.float32) for m in pose_outputs["masks"]] if "masks" in pose_outputs else None
    poses = tf.cast(pose_outputs["pose"], tf.float32)

    def forward_backward():
        with tf.GradientTape() as tape:
            output, _, _ = forward(depth_net, pose_net, batch, config.loss)
        return tape.gradient(output.terms["total"], variables)

    grads = tf.function(forward_backward)()
    parts = {
        "depth_forward": lambda: depth_net(batch["target"]),
        "posenet_forward": lambda: pose_net(batch["target"], batch["sources"]),
        "loss_forward": lambda: compute_losses(
            config.loss, batch["target"], batch["sources"], batch["intrinsics"], disparities, poses, masks
        ).terms,
        "forward_backward": forward_backward,
        # The update's cost does not depend on the gradient values, so one set serves every run.
        "adam_update": lambda: (optimizer.apply_gradients(zip(grads, variables)), optimizer.iterations)[1],
    }
    jit = FLAGS.jit_compile
    return {
        name: median_seconds(tf.function(fn, jit_compile=jit and name != "adam_update"), FLAGS.warmup, FLAGS.steps)
        for name, fn in parts.items()
    }


def main(argv):
    del argv
    tf.config.threading.set_intra_op_parallelism_threads(FLAGS.intra_op_threads)
    tf.config.threading.set_inter_op_parallelism_threads(FLAGS.inter_op_threads)
    config = Config(
        model=ModelConfig(height=FLAGS.height, width=FLAGS.width, seq_length=FLAGS.seq_length,
                          depth_net=FLAGS.depth_net, activation=FLAGS.activation),
        loss=LossConfig(explain_weight=FLAGS.explain_weight),
        data=DataConfig(batch_size=FLAGS.batch_size),
        train=TrainConfig(jit_compile=FLAGS.jit_compile, mixed_precision=FLAGS.mixed_precision,
                          mixed_precision_dtype=FLAGS.mixed_precision_dtype),
    )
    try:
        policy = set_precision_policy(config.train)
    except ValueError as error:  # e.g. bfloat16 on a CPU that would only emulate it
        sys.exit(f"train_step: error: {error}")
    depth_net, pose_net = build_models(config)
    optimizer = make_optimizer(config.train)
    optimizer.build(depth_net.trainable_variables + pose_net.trainable_variables)
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    train_step = TrainStep(depth_net, pose_net, optimizer, step, config.loss, jit_compile=FLAGS.jit_compile)
    batch = random_batch(config)
    seconds = median_seconds(lambda: train_step(batch)[0], FLAGS.warmup, FLAGS.steps)
    result = {
        "benchmark": "train_step",
        "depth_net": FLAGS.depth_net, "height": FLAGS.height, "width": FLAGS.width,
        "batch_size": FLAGS.batch_size,
        "seq_length": FLAGS.seq_length, "explainability": FLAGS.explain_weight > 0,
        "jit_compile": FLAGS.jit_compile, "precision": policy,
        "intra_op_threads": FLAGS.intra_op_threads, "inter_op_threads": FLAGS.inter_op_threads,
        "steps": FLAGS.steps, "seconds_per_step": round(seconds, 4),
        "images_per_second": round(FLAGS.batch_size / seconds, 2),
        "machine": machine(),
    }
    if FLAGS.breakdown:
        result["breakdown_seconds"] = {k: round(v, 4) for k, v in breakdown(depth_net, pose_net, optimizer, batch, config).items()}
    if FLAGS.profile_dir:
        tf.profiler.experimental.start(FLAGS.profile_dir)
        for _ in range(PROFILED_STEPS):
            train_step(batch)[0]["total"].numpy()
        tf.profiler.experimental.stop()
        result["profile_dir"] = FLAGS.profile_dir
        result["profile"] = trace_summary.summarize(FLAGS.profile_dir, PROFILED_STEPS)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    app.run(main)
