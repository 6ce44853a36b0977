"""Typed configuration: every default of the project lives here, once.

Each dataclass validates itself at construction (frozen, so it stays valid). Programs build a
`Config` from absl flags (see `sfmlearner_tf/flags.py`); library code takes the dataclasses as
arguments and never reads flags. The defaults are the paper's reference configuration; the
options that later work added are all off, so the reference stays reproducible.
"""

import dataclasses
import json
from typing import Any

STRATEGIES = ("default", "mirrored", "multi_worker")
# The networks' hidden-layer activations: the paper's ReLU, or ELU, whose gradient is never 0 so
# that no unit can die (monodepth2's decoder uses it; README, 'Training health').
ACTIVATIONS = ("relu", "elu")
MIXED_PRECISION_DTYPES = ("auto", "float16", "bfloat16")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """The networks' input size and snippet length."""

    height: int = 128
    width: int = 416
    seq_length: int = 3
    # Explainability mask head: 2 = two-class softmax per source (the paper), 1 = sigmoid.
    mask_channels: int = 2
    # Hidden-layer activation of both networks: relu (the paper) or elu.
    activation: str = "relu"

    def __post_init__(self):
        _require(
            self.height > 0 and self.width > 0 and self.height % 8 == 0 and self.width % 8 == 0,
            f"height and width must be positive multiples of 8, got {self.height}x{self.width}",
        )
        _require(
            self.seq_length >= 2, f"seq_length must be at least 2, got {self.seq_length}"
        )
        _require(self.mask_channels in (1, 2), f"mask_channels must be 1 or 2, got {self.mask_channels}")
        _require(self.activation in ACTIVATIONS, f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")

    @property
    def num_source(self) -> int:
        return self.seq_length - 1


@dataclasses.dataclass(frozen=True)
class LossConfig:
    """Weights and switches of the view-synthesis objective (DESIGN.md, 'Loss')."""

    num_scales: int = 4
    smooth_weight: float = 0.5
    # The smoothness weight ramps linearly from 0 to smooth_weight over this many training steps
    # (0: full weight from the start, the paper).
    smooth_warmup_steps: int = 0
    # 0 turns the explainability mask off (the pose network then has no mask decoder).
    explain_weight: float = 0.2
    # Drop target pixels whose projection falls outside the source (a fix of the original).
    mask_invalid: bool = True
    # Photometric error = alpha * (1 - SSIM) / 2 + (1 - alpha) * L1 when on; plain L1 when off.
    ssim: bool = False
    ssim_alpha: float = 0.85
    # Per-pixel minimum of the photometric error over sources instead of the sum.
    min_reprojection: bool = False
    # Ignore pixels where the unwarped source already matches the target better (static camera).
    auto_mask: bool = False
    # Edge-aware first-order smoothness of mean-normalized disparity instead of 2nd order.
    edge_aware_smoothness: bool = False
    # Upsample every disparity to full resolution and warp the full-size images.
    full_res_warp: bool = False
    # Weight of mean(distance of each disparity logit outside [LOGIT_FLOOR, LOGIT_CEILING]),
    # where the sigmoid saturates; 0 (the paper) lets saturated logits drift, which can leave the
    # network unfit for int8 (BUILD.md, 'int8 fidelity').
    logit_range_weight: float = 0.0

    def __post_init__(self):
        _require(1 <= self.num_scales <= 4, f"num_scales must be in [1, 4], got {self.num_scales}")
        _require(self.smooth_weight >= 0, f"smooth_weight must be >= 0, got {self.smooth_weight}")
        _require(self.smooth_warmup_steps >= 0, f"smooth_warmup_steps must be >= 0, got {self.smooth_warmup_steps}")
        _require(self.explain_weight >= 0, f"explain_weight must be >= 0, got {self.explain_weight}")
        _require(0 <= self.ssim_alpha <= 1, f"ssim_alpha must be in [0, 1], got {self.ssim_alpha}")
        _require(self.logit_range_weight >= 0, f"logit_range_weight must be >= 0, got {self.logit_range_weight}")

    @property
    def explainability(self) -> bool:
        return self.explain_weight > 0


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Where the TFRecords are and how batches are made from them."""

    dataset_dir: str = ""
    batch_size: int = 4
    augment: bool = True
    # Random zoom factor drawn from [1, max_scale], then a random crop back to the input size.
    max_scale: float = 1.15
    # Half-widths of the brightness / contrast / saturation jitter (0 disables each).
    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.2

    def __post_init__(self):
        _require(self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}")
        _require(self.max_scale >= 1.0, f"max_scale must be >= 1, got {self.max_scale}")
        for name in ("brightness", "contrast", "saturation"):
            value = getattr(self, name)
            _require(0 <= value < 1, f"{name} must be in [0, 1), got {value}")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Optimizer, schedule of saves/summaries, distribution and precision."""

    checkpoint_dir: str = ""
    learning_rate: float = 2e-4
    beta1: float = 0.9
    beta2: float = 0.999
    max_steps: int = 200_000
    # Stop (and save) once this run has trained this many seconds; 0: no time limit.
    max_seconds: float = 0.0
    save_every: int = 1000
    summary_every: int = 100
    log_every: int = 10
    # 0 disables validation.
    val_every: int = 0
    val_batches: int = 20
    keep_checkpoints: int = 3
    # A checkpoint (file prefix or directory) whose network weights start this run.
    init_checkpoint: str = ""
    strategy: str = "default"
    # Compute the networks in 16 bits (weights, loss and update stay float32).
    mixed_precision: bool = False
    # The 16-bit type: auto = float16 (with loss scaling) on a GPU, bfloat16 on a CPU.
    mixed_precision_dtype: str = "auto"
    jit_compile: bool = False
    seed: int = 0

    def __post_init__(self):
        _require(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}")
        _require(0 <= self.beta1 < 1, f"beta1 must be in [0, 1), got {self.beta1}")
        _require(0 <= self.beta2 < 1, f"beta2 must be in [0, 1), got {self.beta2}")
        _require(self.max_steps >= 1, f"max_steps must be >= 1, got {self.max_steps}")
        _require(self.max_seconds >= 0, f"max_seconds must be >= 0, got {self.max_seconds}")
        for name in ("save_every", "summary_every", "log_every"):
            _require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        _require(self.val_every >= 0, f"val_every must be >= 0, got {self.val_every}")
        _require(self.keep_checkpoints >= 1, f"keep_checkpoints must be >= 1, got {self.keep_checkpoints}")
        _require(self.strategy in STRATEGIES, f"strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        _require(
            self.mixed_precision_dtype in MIXED_PRECISION_DTYPES,
            f"mixed_precision_dtype must be one of {MIXED_PRECISION_DTYPES}, got {self.mixed_precision_dtype!r}",
        )


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything a training run needs; saved as `config.json` beside its checkpoints."""

    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    loss: LossConfig = dataclasses.field(default_factory=LossConfig)
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "Config":
        unknown = set(values) - set(SECTIONS)
        _require(not unknown, f"unknown config sections {sorted(unknown)}")
        built = {}
        for name, section_cls in SECTIONS.items():
            section_values = dict(values.get(name, {}))
            known = {field.name for field in dataclasses.fields(section_cls)}
            for retired in RETIRED_FIELDS.get(name, ()):
                section_values.pop(retired, None)
            extra = set(section_values) - known
            _require(not extra, f"unknown fields {sorted(extra)} in config section {name!r}")
            built[name] = section_cls(**section_values)
        return cls(**built)

    @classmethod
    def from_json(cls, text: str) -> "Config":
        return cls.from_dict(json.loads(text))


# Fields that earlier versions wrote into config.json and that no longer mean anything; a saved
# run that has them still loads. (`shuffle_buffer`: training now draws a full shuffle of the split.)
RETIRED_FIELDS = {"data": ("shuffle_buffer",)}

SECTIONS = {"model": ModelConfig, "loss": LossConfig, "data": DataConfig, "train": TrainConfig}
