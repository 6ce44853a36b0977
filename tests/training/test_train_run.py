"""In-process training runs on the tiny dataset: what a run leaves on disk, and how it stops."""

import dataclasses
import json
import math
import pathlib

import numpy as np
import pytest
import tensorflow as tf

from sfmlearner_tf.config import Config, DataConfig, LossConfig, ModelConfig, TrainConfig
from sfmlearner_tf.losses import compute_losses
from sfmlearner_tf.models import MobileDepthNet
from sfmlearner_tf.run_dir import read_health, restore_models
from sfmlearner_tf.training.trainer import NonFiniteError, Trainer
from tests.training.events import read_events
from tests.training.tiny_runs import HEIGHT, WIDTH

TERMS = ("total", "photometric", "smoothness", "explainability")


def tiny_config(dataset_dir, run_dir, **train) -> Config:
    # The explainability mask on (not the default), so that its summaries and checkpoints are tested.
    return Config(
        model=ModelConfig(height=HEIGHT, width=WIDTH),
        loss=LossConfig(explain_weight=0.2),
        data=DataConfig(dataset_dir=str(dataset_dir), batch_size=2),
        train=TrainConfig(checkpoint_dir=str(run_dir), **train),
    )


def test_twenty_steps_write_checkpoints_summaries_and_validation(tiny_dataset, tmp_path):
    run_dir = tmp_path / "run"
    config = tiny_config(tiny_dataset, run_dir, max_steps=20, save_every=10, summary_every=10, log_every=5,
                         val_every=20, val_batches=2)
    lines = []
    assert Trainer(config, log=lines.append).run() == 20

    assert tf.train.latest_checkpoint(str(run_dir)).endswith("ckpt-20")
    assert (run_dir / "ckpt-10.index").exists()
    assert any(line.startswith("step 5/20 | loss ") and "img/s" in line and "ETA" in line for line in lines)
    assert any(line.startswith("validation at step 20:") and "depth/abs_rel" in line for line in lines)

    scalars, images = read_events(run_dir / "train")
    for tag in [f"loss/{t}" for t in TERMS] + ["grad_norm", "learning_rate", "step_time", "images_per_second"]:
        assert [step for step, _ in scalars[tag]] == [10, 20], tag
        assert all(math.isfinite(value) for _, value in scalars[tag]), tag
    assert scalars["learning_rate"][0][1] == pytest.approx(2e-4)
    for tag in ("target", "disparity", "warped_source_0", "warped_source_1", "explainability_0", "valid_1"):
        step, (width, height, pngs) = images[tag][-1]
        assert (step, width, height, len(pngs)) == (20, WIDTH, HEIGHT, 2), tag

    val_scalars, _ = read_events(run_dir / "val")
    assert set(val_scalars) >= {"loss/photometric", "loss/total", "depth/abs_rel", "depth/a1"}
    assert 0 < val_scalars["depth/abs_rel"][0][1] < 1

    restored_config, depth_net, _ = restore_models(str(run_dir))
    assert restored_config == config
    assert all(np.isfinite(w).all() for w in depth_net.get_weights())

    # A model/loss change on resume is refused, naming the field.
    changed = dataclasses.replace(config, loss=LossConfig(explain_weight=0.2, smooth_weight=0.3))
    with pytest.raises(ValueError, match=r"loss.smooth_weight: 0.1 -> 0.3"):
        Trainer(changed, log=lines.append)

    # Fine-tuning starts from the networks only: same weights, step 0, a fresh optimizer.
    tuned = Trainer(tiny_config(tiny_dataset, tmp_path / "tuned", max_steps=1, init_checkpoint=str(run_dir)),
                    log=lines.append)
    assert tuned.step == 0 and int(tuned.state.optimizer.iterations.numpy()) == 0
    assert tuned.state.origin.startswith("initialized from") and tuned.state.origin.endswith("ckpt-20")
    for expected, got in zip(depth_net.get_weights(), tuned.state.depth_net.get_weights()):
        np.testing.assert_array_equal(expected, got)


def test_nan_stops_naming_step_and_term_and_last_checkpoint_stays_finite(tiny_dataset, tmp_path):
    calls = tf.Variable(0, dtype=tf.int64)

    def poisoned_losses(config, *args):
        """compute_losses whose smoothness term becomes NaN from the 4th call (step 4) on."""
        output = compute_losses(config, *args)
        calls.assign_add(1)
        smoothness = output.terms["smoothness"]
        poisoned = tf.where(calls >= 4, tf.constant(math.nan), smoothness)
        terms = dict(output.terms, smoothness=poisoned, total=output.terms["total"] - smoothness + poisoned)
        return output._replace(terms=terms)

    run_dir = tmp_path / "run"
    config = tiny_config(tiny_dataset, run_dir, max_steps=10, save_every=2, summary_every=100, log_every=100)
    trainer = Trainer(config, loss_fn=poisoned_losses, log=lambda line: None)
    with pytest.raises(NonFiniteError, match=r"step 4: .*smoothness=nan"):
        trainer.run()
    assert pathlib.Path(tf.train.latest_checkpoint(str(run_dir))).name == "ckpt-2"
    _, depth_net, pose_net = restore_models(str(run_dir))
    assert all(np.isfinite(w).all() for w in depth_net.get_weights() + pose_net.get_weights())


def test_the_mobile_depth_net_trains_watched_by_health_and_restores(tiny_dataset, tmp_path):
    run_dir = tmp_path / "run"
    config = tiny_config(tiny_dataset, run_dir, max_steps=3, save_every=3, summary_every=3, log_every=1)
    config = dataclasses.replace(config, model=ModelConfig(height=HEIGHT, width=WIDTH, depth_net="mobile"))
    lines = []
    assert Trainer(config, log=lines.append).run() == 3
    losses = [float(line.split("| loss ")[1].split()[0]) for line in lines if line.startswith("step ")]
    assert len(losses) == 3 and all(math.isfinite(loss) for loss in losses)

    restored_config, depth_net, _ = restore_models(str(run_dir))
    assert restored_config == config and isinstance(depth_net, MobileDepthNet)
    assert all(np.isfinite(w).all() for w in depth_net.get_weights())
    # Training health watched its 5 encoder stages, named by this network's own layers.
    record = read_health(str(run_dir))
    assert record["last"]["step"] == 3
    assert sorted(k for k in record["last"] if k.startswith("depth/") and k != "depth/spread") == sorted(
        f"depth/{name}" for name in depth_net.encoder_stage_names())
    assert all(hasattr(depth_net, name) for name in depth_net.encoder_stage_names())


def test_velocity_supervision_trains_on_records_with_poses_and_refuses_records_without(tiny_dataset, tmp_path):
    from tests.training.tiny_runs import write_tiny_dataset

    (tmp_path / "with_poses").mkdir()
    with_poses = write_tiny_dataset(tmp_path / "with_poses", with_poses=True)
    # As data prep's --unknown_intrinsics writes it: the records' K is a guess.
    info_path = with_poses / "dataset.json"
    info_path.write_text(json.dumps(dict(json.loads(info_path.read_text()), intrinsics_known=False)))
    config = dataclasses.replace(
        tiny_config(with_poses, tmp_path / "run", max_steps=4, save_every=4, summary_every=2, log_every=100),
        loss=LossConfig(velocity_weight=1.0, explain_weight=0.0))
    lines = []
    assert Trainer(config, log=lines.append).run() == 4
    assert any("velocity supervision: metric distances from the gt_poses of the random_texture records" in line
               for line in lines)
    assert any("are a guess (built with --unknown_intrinsics)" in line for line in lines)
    scalars, _ = read_events(tmp_path / "run" / "train")
    # The untrained pose network moves about 0 m where the records say 0.5 m per frame (sources
    # 0.5 m away): the term starts near 0.5 and is part of the total.
    velocity = [value for _, value in scalars["loss/velocity"]]
    assert len(velocity) == 2 and all(0.3 < value < 0.55 for value in velocity), velocity

    without = dataclasses.replace(config, data=DataConfig(dataset_dir=str(tiny_dataset), batch_size=2))
    with pytest.raises(ValueError, match="needs records with ground-truth poses.*has_gt_poses is false"):
        Trainer(without, log=lines.append)
