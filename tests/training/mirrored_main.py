"""Subprocess of test_distributed: MirroredStrategy over 2 logical CPUs vs one device.

  python -m tests.training.mirrored_main DATASET_DIR

Prints one JSON line: the relative differences of the first-step loss and gradients for the
same global batch, and the error a batch size that does not divide across replicas gives.
"""

import json
import sys

import keras
import numpy as np
import tensorflow as tf

# Two logical CPU devices must be configured before TensorFlow initializes its devices.
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()],
)

from sfmlearner_tf.config import Config, DataConfig, LossConfig, ModelConfig, TrainConfig  # noqa: E402
from sfmlearner_tf.data import make_dataset  # noqa: E402
from sfmlearner_tf.run_dir import build_models  # noqa: E402
from sfmlearner_tf.training.optimizer import make_optimizer  # noqa: E402
from sfmlearner_tf.training.strategy import make_strategy  # noqa: E402
from sfmlearner_tf.training.train_step import TrainStep, replica_gradients  # noqa: E402
from sfmlearner_tf.training.trainer import Trainer  # noqa: E402

GLOBAL_BATCH = 4


def relative(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def main(dataset_dir: str) -> dict:
    # The loss averages over valid pixels of the (per-replica) batch: with mask_invalid the mean
    # of the replicas' means differs from the global mean wherever the valid fractions differ
    # (about 3e-5 relative at initialization). Plain means make the two exactly comparable.
    config = Config(
        model=ModelConfig(height=32, width=96),
        loss=LossConfig(mask_invalid=False),
        data=DataConfig(dataset_dir=dataset_dir, batch_size=GLOBAL_BATCH, augment=False),
        train=TrainConfig(checkpoint_dir="unused"),
    )
    batch = next(iter(make_dataset(dataset_dir, "train", config.data, config.model, training=False)))
    batch = {key: batch[key] for key in ("target", "sources", "intrinsics")}

    keras.utils.set_random_seed(0)
    depth_net, pose_net = build_models(config)
    optimizer = make_optimizer(config.train)
    terms, grads, _ = replica_gradients(depth_net, pose_net, optimizer, batch, config.loss)

    strategy = make_strategy("mirrored")
    assert strategy.num_replicas_in_sync == 2, strategy.extended.worker_devices
    with strategy.scope():
        mirrored_depth, mirrored_pose = build_models(config)
        mirrored_optimizer = make_optimizer(config.train)
        mirrored_optimizer.build(mirrored_depth.trainable_variables + mirrored_pose.trainable_variables)
        step = tf.Variable(0, dtype=tf.int64)
    mirrored_depth.set_weights(depth_net.get_weights())
    mirrored_pose.set_weights(pose_net.get_weights())
    per_replica = GLOBAL_BATCH // 2
    distributed = strategy.experimental_distribute_values_from_function(
        lambda context: {
            key: value[context.replica_id_in_sync_group * per_replica:][:per_replica] for key, value in batch.items()
        }
    )

    def summed_gradients(replica_batch):
        replica_terms, replica_grads, _ = replica_gradients(
            mirrored_depth, mirrored_pose, mirrored_optimizer, replica_batch, config.loss, num_replicas=2
        )
        context = tf.distribute.get_replica_context()
        return replica_terms["total"], context.all_reduce(tf.distribute.ReduceOp.SUM, replica_grads)

    replica_totals, summed = strategy.run(summed_gradients, args=(distributed,))
    mirrored_total = strategy.reduce(tf.distribute.ReduceOp.MEAN, replica_totals, axis=None)
    summed = strategy.experimental_local_results(summed)[0]

    train_step = TrainStep(mirrored_depth, mirrored_pose, mirrored_optimizer, step, config.loss, strategy)
    logs, _ = train_step(distributed)

    bad = Config(model=config.model, data=DataConfig(dataset_dir=dataset_dir, batch_size=3),
                 train=TrainConfig(checkpoint_dir="unused", strategy="mirrored"))
    try:
        Trainer(bad)
        batch_error = ""
    except ValueError as error:
        batch_error = str(error)
    return {
        "loss_relative": relative(mirrored_total, terms["total"]),
        "train_step_loss_relative": relative(logs["total"], terms["total"]),
        "grad_relative_global": relative(
            np.concatenate([np.ravel(g) for g in summed]), np.concatenate([np.ravel(g) for g in grads])
        ),
        "grad_relative_max": max(relative(m, s) for m, s in zip(summed, grads)),
        "grad_relative_worst": sorted(
            (relative(m, s), float(np.linalg.norm(s)), v.path) for m, s, v in
            zip(summed, grads, depth_net.trainable_variables + pose_net.trainable_variables)
        )[-3:],
        "num_gradients": len(grads),
        "batch_error": batch_error,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))
