"""Session fixtures of the export tests: a briefly trained 32x96 run on synthetic frames, its
TFRecords, its SavedModel and its .tflite files (each made once and shared); the `mobile_` ones
are the same for a run of the compact depth network."""

import io
import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from export import saved_model_lib, tflite_lib
from sfmlearner_tf.config import Config, LossConfig, ModelConfig
from sfmlearner_tf.data.dataset_info import write_dataset_info
from sfmlearner_tf.data.features import SHARD_PATTERN, encode_snippet
from sfmlearner_tf.run_dir import build_models, write_config

HEIGHT, WIDTH = 32, 96
NUM_FRAMES = 26
TRAIN_STEPS = 16
# The `val` targets of `dataset_dir`, the held-out frames of the agreement checks.
VAL_FRAMES = slice(17, NUM_FRAMES - 1)


@pytest.fixture(scope="session")
def synthetic_frames():
    """Realistic frames: uint8 [N, 32, 96, 3] images and float32 [N, 32, 96] depths (metres)."""
    synthetic_world = pytest.importorskip("data_prep.synthetic_world")
    sequence = synthetic_world.render_sequence(seed=3, num_frames=NUM_FRAMES, height=HEIGHT, width=WIDTH)
    return sequence["images"], sequence["depths"], sequence["intrinsics"]


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory, synthetic_frames):
    """TFRecords of 3-frame snippets: targets 1..16 in `train`, 17..24 in `val`, with gt_depth."""
    images, depths, intrinsics = synthetic_frames
    directory = str(tmp_path_factory.mktemp("tfrecords"))
    splits = {"train": range(1, 17), "val": range(17, NUM_FRAMES - 1)}
    info = {"height": HEIGHT, "width": WIDTH, "seq_length": 3, "has_gt_depth": True, "has_gt_poses": False,
            "splits": {}}
    for split, targets in splits.items():
        name = SHARD_PATTERN.format(split=split, index=0, count=1)
        with tf.io.TFRecordWriter(os.path.join(directory, name)) as writer:
            for t in targets:
                frames = [_png(images[i]) for i in (t - 1, t, t + 1)]
                writer.write(encode_snippet(frames, intrinsics, HEIGHT, WIDTH, "seq_000", t, gt_depth=depths[t]))
        info["splits"][split] = {"shards": [name], "num_snippets": len(targets), "sequences": ["seq_000"]}
    write_dataset_info(directory, info)
    return directory


def _trained_run(directory: str, synthetic_frames, network: str) -> str:
    """A run whose depth network (`network`: ModelConfig.depth_net) regressed log-disparity on the train
    frames for a few steps, so that its depth maps have the structure of a trained model (random
    weights give flat maps)."""
    images, depths, _ = synthetic_frames
    # The explainability mask on (not the default), so that the exports' mask outputs are tested too.
    config = Config(model=ModelConfig(height=HEIGHT, width=WIDTH, depth_net=network), loss=LossConfig(explain_weight=0.2))
    write_config(directory, config)
    # Seeded before the networks are built, so that their initial weights (and so the bounds the
    # export tests check) do not depend on which fixtures a test worker happened to build first.
    keras.utils.set_random_seed(0)
    depth_net, pose_net = build_models(config)
    x = tf.constant(images[1:17], tf.float32) / 127.5 - 1.0
    # Disparity up to scale (monocular): 1 at the median depth, inside the heads' (0.01, 10.01].
    depth = np.clip(depths[1:17], 1.0, 100.0)
    log_disp = tf.constant(np.log(np.median(depth) / depth)[..., None], tf.float32)
    optimizer = tf.keras.optimizers.Adam(5e-4)

    @tf.function
    def step(images, target):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.abs(tf.math.log(depth_net(images)[0]) - target))
        optimizer.apply_gradients(zip(tape.gradient(loss, depth_net.trainable_variables),
                                      depth_net.trainable_variables))
        return loss

    for i in range(TRAIN_STEPS):
        batch = slice(4 * (i % 4), 4 * (i % 4) + 4)
        step(x[batch], log_disp[batch])
    checkpoint = tf.train.Checkpoint(depth_net=depth_net, pose_net=pose_net)
    tf.train.CheckpointManager(checkpoint, directory, max_to_keep=1).save()
    return directory


def _served_depth(saved_model_dir: str, synthetic_frames) -> np.ndarray:
    """The served (Keras) depth of the 8 held-out frames: float32 [8, 32, 96]."""
    serve = tf.saved_model.load(saved_model_dir).signatures["serving_default"]
    return serve(image=tf.constant(synthetic_frames[0][VAL_FRAMES]))["depth"].numpy()[..., 0]


def _tflite_maker(directory, saved_model_dir: str, dataset_dir: str):
    """quantization -> (path of the .tflite, its fidelity report or None); each converted once.

    int8 goes through the whole `export_tflite` (calibration from the records, report); the
    other formats only through `convert`, which keeps the suite short (the report code is the same).
    """
    made = {}

    def get(quantization: str):
        if quantization not in made:
            path = str(directory / f"depth_{quantization}.tflite")
            report = None
            if quantization == "int8":
                report = tflite_lib.export_tflite(saved_model_dir, quantization, path, dataset_dir=dataset_dir,
                                                  num_calibration=16, num_eval=8, latency_runs=3)
            else:
                tflite_lib.write_tflite(tflite_lib.convert(saved_model_dir, quantization), path)
            made[quantization] = (path, report)
        return made[quantization]

    return get


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory, synthetic_frames):
    """A briefly trained DispNet run (`_trained_run`)."""
    return _trained_run(str(tmp_path_factory.mktemp("run")), synthetic_frames, "dispnet")


@pytest.fixture(scope="session")
def saved_model_dir(tmp_path_factory, run_dir):
    return saved_model_lib.export_saved_model(run_dir, str(tmp_path_factory.mktemp("export") / "saved_model"))


@pytest.fixture(scope="session")
def keras_depth(saved_model_dir, synthetic_frames):
    """The served (Keras) depth of the 8 held-out frames: float32 [8, 32, 96]."""
    return _served_depth(saved_model_dir, synthetic_frames)


@pytest.fixture(scope="session")
def tflite_file(tmp_path_factory, saved_model_dir, dataset_dir):
    """quantization -> (path of the .tflite, its fidelity report or None), of `saved_model_dir`."""
    return _tflite_maker(tmp_path_factory.mktemp("tflite"), saved_model_dir, dataset_dir)


# The same for a run of the compact depth network (ModelConfig.depth_net="mobile").
@pytest.fixture(scope="session")
def mobile_run_dir(tmp_path_factory, synthetic_frames):
    return _trained_run(str(tmp_path_factory.mktemp("mobile_run")), synthetic_frames, "mobile")


@pytest.fixture(scope="session")
def mobile_saved_model_dir(tmp_path_factory, mobile_run_dir):
    return saved_model_lib.export_saved_model(mobile_run_dir,
                                              str(tmp_path_factory.mktemp("mobile_export") / "saved_model"))


@pytest.fixture(scope="session")
def mobile_keras_depth(mobile_saved_model_dir, synthetic_frames):
    return _served_depth(mobile_saved_model_dir, synthetic_frames)


@pytest.fixture(scope="session")
def mobile_tflite_file(tmp_path_factory, mobile_saved_model_dir, dataset_dir):
    return _tflite_maker(tmp_path_factory.mktemp("mobile_tflite"), mobile_saved_model_dir, dataset_dir)
