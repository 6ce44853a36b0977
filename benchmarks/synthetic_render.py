"""Speed of the synthetic-world renderer on one core.

  python -m benchmarks.synthetic_render [--height=128 --width=416 --frames=50]

Prints JSON: the one-off scene/texture setup time, frames/s of rendering alone (wall clock and
CPU time of this process: on a busy machine the latter is the fairer number), and frames/s of
writing the frames (PNG + depth .npy) and of both together. Numpy's threads are limited to one
before numpy is imported; the renderer's arrays are single-threaded anyway.
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import json  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from absl import app, flags  # noqa: E402

from benchmarks.machine import machine  # noqa: E402

from data_prep.synthetic_world import build_world, render_frame  # noqa: E402
from data_prep.synthetic_world.dataset import write_sequence  # noqa: E402

flags.DEFINE_integer("height", 128, "Image height.")
flags.DEFINE_integer("width", 416, "Image width.")
flags.DEFINE_integer("frames", 50, "Timed frames.")
flags.DEFINE_integer("seed", 0, "Sequence seed.")
flags.DEFINE_bool("moving_objects", False, "Include moving cars.")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    start = time.perf_counter()
    world = build_world(FLAGS.seed, FLAGS.frames + 1, FLAGS.height, FLAGS.width, FLAGS.moving_objects)
    setup_s = time.perf_counter() - start
    render_frame(world, 0)

    images = np.empty((FLAGS.frames, FLAGS.height, FLAGS.width, 3), np.uint8)
    depths = np.empty((FLAGS.frames, FLAGS.height, FLAGS.width), np.float32)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(FLAGS.frames):
        images[i], depths[i] = render_frame(world, i + 1)
    render_wall = time.perf_counter() - wall
    render_cpu = time.process_time() - cpu

    sequence = dict(images=images, depths=depths, poses=world.poses[1:], intrinsics=world.intrinsics)
    with tempfile.TemporaryDirectory() as folder:
        wall, cpu = time.perf_counter(), time.process_time()
        write_sequence(os.path.join(folder, "seq"), sequence)
        write_wall = time.perf_counter() - wall
        write_cpu = time.process_time() - cpu

    print(json.dumps(dict(
        benchmark="synthetic_render",
        height=FLAGS.height,
        width=FLAGS.width,
        threads=1,
        frames=FLAGS.frames,
        setup_s=round(setup_s, 3),
        render_frames_per_s=round(FLAGS.frames / render_wall, 2),
        render_cpu_frames_per_s=round(FLAGS.frames / render_cpu, 2),
        write_frames_per_s=round(FLAGS.frames / write_wall, 2),
        write_cpu_frames_per_s=round(FLAGS.frames / write_cpu, 2),
        render_and_write_frames_per_s=round(FLAGS.frames / (render_wall + write_wall), 2),
        load_average_1min=round(os.getloadavg()[0], 2),
        machine=machine(),
    ), indent=2))


if __name__ == "__main__":
    app.run(main)
