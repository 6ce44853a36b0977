"""One worker of test_distributed's 2-process MultiWorkerMirroredStrategy run (TF_CONFIG from the test).

  python -m tests.training.multi_worker_main DATASET_DIR RUN_DIR OUTPUT_JSON

Trains a few steps with `--strategy=multi_worker`, then writes OUTPUT_JSON with the final step,
the per-variable sums of the weights (float64) and whether this worker is the chief.
"""

import json
import sys

import numpy as np

from sfmlearner_tf.config import Config, DataConfig, ModelConfig, TrainConfig
from sfmlearner_tf.training.trainer import Trainer

STEPS = 3


def main(dataset_dir: str, run_dir: str, output: str) -> None:
    config = Config(
        model=ModelConfig(height=32, width=96),
        data=DataConfig(dataset_dir=dataset_dir, batch_size=2),
        train=TrainConfig(checkpoint_dir=run_dir, max_steps=STEPS, save_every=2, summary_every=100,
                          log_every=1, strategy="multi_worker"),
    )
    trainer = Trainer(config, log=print)
    step = trainer.run()
    weights = trainer.state.depth_net.get_weights() + trainer.state.pose_net.get_weights()
    with open(output, "w") as f:
        json.dump({
            "step": step,
            "chief": trainer.state.is_chief,
            "replicas": trainer.strategy.num_replicas_in_sync,
            "sums": [float(np.sum(w, dtype=np.float64)) for w in weights],
            "write_dir": trainer.state.manager.directory,
        }, f)


if __name__ == "__main__":
    main(*sys.argv[1:])
