"""Typed configuration: every default of the project lives here, once.

Each dataclass validates itself at construction (frozen, so it stays valid). Programs build a
`Config` from absl flags (see `sfmlearner_tf/flags.py`); library code takes the dataclasses as
arguments and never reads flags. The defaults are the paper's reference configuration but for
one: the networks' activation is leaky ReLU, since the paper's ReLU encoder dies early in
training (`--activation=relu` gives the paper's network). The options that later work added are
all off, so the reference stays reproducible.

A field's flag help is its `metadata["help"]` (written with `_field`), so the text travels with
the field and `flags.py` never has to read this file's source.
"""

import dataclasses
import json
from typing import Any, Optional, Sequence, Union

STRATEGIES = ("default", "mirrored", "multi_worker")
# The networks' hidden-layer activations: the paper's ReLU, or ELU / leaky ReLU (slope 0.2),
# whose gradient is never 0, so that no unit can die (README, 'Training health'). TFLite has an
# int8 kernel for ReLU and leaky ReLU, none for ELU (BUILD.md, 'Export targets').
ACTIVATIONS = ("relu", "elu", "leaky_relu")
MIXED_PRECISION_DTYPES = ("auto", "float16", "bfloat16")
# The zero padding of DispNet's and PoseExpNet's convolutions (models/blocks.py): (k - 1) / 2 on
# every side as PyTorch, or TensorFlow's 'same' (one less before than after at stride 2).
PADDINGS = ("symmetric", "same")
# The depth networks: the paper's DispNet (31.6 M parameters), or MobileDepthNet, a MobileNetV2
# encoder with a light separable-conv decoder (1.9 M parameters, 0.11x DispNet's FLOPs).
DEPTH_NETS = ("dispnet", "mobile")
# The smoothness priors: second order of depth (the PyTorch port's), second order of disparity (the
# paper's TF code), or first order of mean-normalized disparity relaxed at image edges (monodepth2).
# The depth's derivatives are the disparity's / disp^2: at the networks' starting disparity (about
# 5) the prior on depth pulls about 25x more weakly, and the photometric gradient leads.
SMOOTHNESS = ("depth", "disparity", "edge_aware")

# The Eigen crop (Garg et al.'s numbers for 375x1242 KITTI images, as fractions):
# rows [0.40810811 H, 0.99189189 H), columns [0.03594771 W, 0.96405229 W).
EIGEN_CROP = (0.40810811, 0.99189189, 0.03594771, 0.96405229)

Crop = Union[None, str, Sequence[float]]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _field(default: Any, help_text: str) -> Any:
    """A dataclass field with a default and the help text of its flag."""
    return dataclasses.field(default=default, metadata={"help": help_text})


def parse_crop(crop: Crop) -> Optional[tuple[float, float, float, float]]:
    """None / "none" -> None; "eigen" -> EIGEN_CROP; "t,b,l,r" or 4 numbers -> fractions.

    The fractions are (top, bottom, left, right) of the kept window, each in [0, 1],
    with top < bottom and left < right.
    """
    if crop is None:
        return None
    if isinstance(crop, str):
        name = crop.strip().lower()
        if name in ("", "none"):
            return None
        if name == "eigen":
            return EIGEN_CROP
        try:
            crop = [float(part) for part in name.split(",")]
        except ValueError as error:
            raise ValueError(f"crop must be 'none', 'eigen' or 'top,bottom,left,right', got {crop!r}") from error
    fractions = tuple(float(value) for value in crop)
    if len(fractions) != 4:
        raise ValueError(f"crop needs 4 fractions (top, bottom, left, right), got {crop!r}")
    top, bottom, left, right = fractions
    if not (0 <= top < bottom <= 1 and 0 <= left < right <= 1):
        raise ValueError(f"crop fractions must satisfy 0 <= top < bottom <= 1 and 0 <= left < right <= 1, got {crop!r}")
    return fractions


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """The networks: input size, snippet length, activation and which depth network."""

    height: int = _field(128, "Network input height in pixels (a multiple of 8).")
    width: int = _field(416, "Network input width in pixels (a multiple of 8).")
    seq_length: int = _field(3, "Frames per snippet; the middle one is the target.")
    mask_channels: int = _field(
        2, "Explainability mask head: 2 = two-class softmax per source (the paper), 1 = sigmoid.")
    # Leaky ReLU by default: with the paper's ReLU the depth encoder dies within ~100 steps (README,
    # 'Training health'); --activation=relu is the paper's exact network.
    activation: str = _field("leaky_relu", f"Hidden-layer activation of both networks, one of {ACTIVATIONS} "
                                    "(the paper: relu, which collapses; README 'Training health').")
    padding: str = _field(
        "symmetric", f"Zero padding of DispNet's and PoseExpNet's convolutions, one of {PADDINGS}: symmetric "
                     "((k - 1) / 2 on every side, as the PyTorch port; the default) or same (TensorFlow's, as the "
                     "paper's code; runs from before 2026-12-07 load with it).")
    depth_net: str = _field("dispnet", f"Depth network, one of {DEPTH_NETS}: dispnet (the paper's) or mobile "
                                       "(MobileNetV2-style, ReLU6 whatever --activation, which then applies "
                                       "to the pose network only).")

    # Metric training (LossConfig.velocity_weight) needs depths and translations in metres from
    # the start's reach: the paper's initialisation has depth about 0.2 and translations of 0.01 x
    # the pose network's outputs (README, 'Depth in metres').
    initial_depth: float = _field(
        0.0, "Depth the disparity heads start at, in the loss's units (0: the paper's initialisation, about "
             "0.2); about the scene's depth in metres for metric training (--velocity_weight), e.g. 10.")
    translation_scale: float = _field(
        0.01, "The pose network's translations are this x its outputs (the paper: 0.01); 1 for metric "
              "training (--velocity_weight).")
    learn_intrinsics: bool = _field(
        False, "The pose network predicts each snippet's camera matrix (Gordon et al. 2019) and the loss uses "
               "it instead of the records' intrinsics: for video without a calibration.")

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
        _require(self.padding in PADDINGS, f"padding must be one of {PADDINGS}, got {self.padding!r}")
        _require(self.depth_net in DEPTH_NETS, f"depth_net must be one of {DEPTH_NETS}, got {self.depth_net!r}")
        _require(self.translation_scale > 0, f"translation_scale must be > 0, got {self.translation_scale}")
        _require(self.initial_depth == 0 or 0.1 < self.initial_depth < 100,
                 f"initial_depth must be 0 (the paper's initialisation) or in (0.1, 100), got {self.initial_depth}")
        _require(not (self.initial_depth and self.depth_net != "dispnet"),
                 f"initial_depth applies to depth_net=dispnet, not {self.depth_net!r}")

    @property
    def num_source(self) -> int:
        return self.seq_length - 1


@dataclasses.dataclass(frozen=True)
class LossConfig:
    """Weights and switches of the view-synthesis objective (DESIGN.md, 'Loss')."""

    num_scales: int = _field(4, "Scales of the multi-scale loss, finest first (1 to 4).")
    # The paper's TF code takes the photometric term at every scale; the PyTorch port, with the
    # explainability mask off, at the finest only. The finest alone learned image-dependent depth
    # where every scale did not (docs/training_health.md), and warps a quarter of the pixels less.
    photometric_scales: int = _field(
        1, "Scales of the photometric term, finest first (0: all num_scales, the paper's TF code); the "
           "coarser ones keep only their priors.")
    # The PyTorch port's weights (its `-m 0 -s 0.1`), not the paper's 0.5 and 0.2: on real hand-held
    # video (full TUM fr1/xyz, 15 min at 128x160) the paper's learnt one layout for every frame
    # (1.00 x the model's own mean map) where these learn depth per image (docs/training_health.md,
    # "2026-12-07 (afternoon)"); configs/paper.flags restores the paper's.
    smooth_weight: float = _field(0.1, "Weight of the smoothness term (divided by 2^s at scale s; the paper: 0.5).")
    smooth_warmup_steps: int = _field(
        0, "The smoothness weight ramps linearly from 0 to smooth_weight over this many training steps "
           "(0: full weight from the start, the paper).")
    explain_weight: float = _field(
        0.0, "Weight of the explainability regularizer (the paper: 0.2); 0 turns the explainability mask off "
             "(the pose network then has no mask decoder).")
    mask_invalid: bool = _field(
        True, "Drop target pixels whose projection falls outside the source (a fix of the original).")
    ssim: bool = _field(
        False, "Photometric error = alpha * (1 - SSIM) / 2 + (1 - alpha) * L1 when on; plain L1 when off.")
    ssim_alpha: float = _field(0.85, "The alpha of the SSIM + L1 photometric error (with --ssim).")
    min_reprojection: bool = _field(
        False, "Per-pixel minimum of the photometric error over sources instead of the sum.")
    auto_mask: bool = _field(
        False, "Ignore pixels where the unwarped source already matches the target better (static camera).")
    smoothness: str = _field(
        "depth", f"The smoothness prior, one of {SMOOTHNESS}: depth (second order of 1 / disparity, as the "
                 "PyTorch port; the default), disparity (second order, the paper's TF code; collapse-prone), "
                 "edge_aware (first order of mean-normalized disparity, relaxed at image edges: monodepth2).")
    full_res_warp: bool = _field(
        False, "Upsample every disparity to full resolution and warp the full-size images.")
    normalize_disparity: bool = _field(
        False, "Divide each disparity map by its mean over the image before the warp and the smoothness "
               "term, so that the loss sees depth only up to scale (Wang et al., CVPR 2018).")
    pose_refinement_steps: int = _field(
        0, "Gauss-Newton steps of direct photometric alignment that refine each snippet's predicted pose "
           "against the current depth before the loss (0: the paper). The depth then learns against a "
           "pose that fits its snippet.")
    # 0 (the paper) lets saturated logits drift, which can leave the network unfit for int8
    # (BUILD.md, 'int8 fidelity').
    logit_range_weight: float = _field(
        0.0, "Weight of mean(distance of each disparity logit outside [LOGIT_FLOOR, LOGIT_CEILING]), "
             "where the sigmoid saturates; 0.01 keeps the network exportable to int8.")

    # PackNet-SfM's weight. Metric translations make the depth metric, so the loss must see the
    # depth's own scale: normalize_disparity removes it.
    velocity_weight: float = _field(
        0.0, "Weight of mean| ||t_pred|| - ||t_true|| | from the records' gt_poses (0: off); the network's "
             "translations, and so its depths, come out in metres.")

    def __post_init__(self):
        _require(1 <= self.num_scales <= 4, f"num_scales must be in [1, 4], got {self.num_scales}")
        _require(0 <= self.photometric_scales <= self.num_scales,
                 f"photometric_scales must be in [0, num_scales={self.num_scales}], got {self.photometric_scales}")
        _require(self.velocity_weight >= 0, f"velocity_weight must be >= 0, got {self.velocity_weight}")
        _require(not (self.velocity_weight and self.normalize_disparity),
                 "velocity_weight makes the depth metric, and normalize_disparity hides the depth's scale from "
                 "the loss: use one of them")
        _require(self.smoothness in SMOOTHNESS, f"smoothness must be one of {SMOOTHNESS}, got {self.smoothness!r}")
        _require(self.smooth_weight >= 0, f"smooth_weight must be >= 0, got {self.smooth_weight}")
        _require(self.smooth_warmup_steps >= 0, f"smooth_warmup_steps must be >= 0, got {self.smooth_warmup_steps}")
        _require(self.explain_weight >= 0, f"explain_weight must be >= 0, got {self.explain_weight}")
        _require(0 <= self.ssim_alpha <= 1, f"ssim_alpha must be in [0, 1], got {self.ssim_alpha}")
        _require(self.logit_range_weight >= 0, f"logit_range_weight must be >= 0, got {self.logit_range_weight}")
        _require(self.pose_refinement_steps >= 0,
                 f"pose_refinement_steps must be >= 0, got {self.pose_refinement_steps}")

    @property
    def explainability(self) -> bool:
        return self.explain_weight > 0


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Where the TFRecords are and how batches are made from them."""

    dataset_dir: str = _field("", "Folder of the TFRecord shards and dataset.json (built by data_prep).")
    batch_size: int = _field(4, "Snippets per training batch.")
    augment: bool = _field(True, "Random zoom-crop, flip and colour jitter of the training snippets.")
    max_scale: float = _field(
        1.15, "Random zoom factor drawn from [1, max_scale], then a random crop back to the input size.")
    brightness: float = _field(0.2, "Half-width of the brightness jitter (0 disables it).")
    contrast: float = _field(0.2, "Half-width of the contrast jitter (0 disables it).")
    saturation: float = _field(0.2, "Half-width of the saturation jitter (0 disables it).")

    def __post_init__(self):
        _require(self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}")
        _require(self.max_scale >= 1.0, f"max_scale must be >= 1, got {self.max_scale}")
        for name in ("brightness", "contrast", "saturation"):
            value = getattr(self, name)
            _require(0 <= value < 1, f"{name} must be in [0, 1), got {value}")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Optimizer, schedule of saves/summaries, distribution and precision."""

    checkpoint_dir: str = _field("", "Run directory: config.json, checkpoints and TensorBoard events.")
    learning_rate: float = _field(2e-4, "Adam learning rate.")
    beta1: float = _field(0.9, "Adam beta1.")
    beta2: float = _field(0.999, "Adam beta2.")
    max_steps: int = _field(200_000, "Training steps of the whole run (a resumed run counts the earlier ones).")
    clip_grad_norm: float = _field(
        0.0, "Scale the gradient of both networks down to this global norm when it is larger "
             "(0: off, the paper); 1.0 stops the rare spikes that can make a run diverge "
             "(README, 'Training health').")
    max_seconds: float = _field(
        0.0, "Stop (and save) once this run has trained this many seconds; 0: no time limit.")
    save_every: int = _field(1000, "Steps between checkpoints.")
    summary_every: int = _field(100, "Steps between TensorBoard summaries.")
    log_every: int = _field(10, "Steps between progress lines.")
    val_every: int = _field(0, "Steps between validations on the val split; 0 disables validation.")
    val_batches: int = _field(20, "Batches of the val split each validation reads.")
    keep_checkpoints: int = _field(3, "Checkpoints kept (the oldest are deleted).")
    init_checkpoint: str = _field(
        "", "A checkpoint (file prefix or directory) whose network weights start this run.")
    strategy: str = _field("default", f"tf.distribute strategy, one of {STRATEGIES}.")
    mixed_precision: bool = _field(
        False, "Compute the networks in 16 bits (weights, loss and update stay float32).")
    mixed_precision_dtype: str = _field(
        "auto", "The 16-bit type: auto = float16 (with loss scaling) on a GPU, bfloat16 on a CPU.")
    jit_compile: bool = _field(False, "Compile the training step with XLA.")
    seed: int = _field(0, "Seed of the network initialisation, the shuffle and the augmentation.")

    def __post_init__(self):
        _require(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}")
        _require(0 <= self.beta1 < 1, f"beta1 must be in [0, 1), got {self.beta1}")
        _require(0 <= self.beta2 < 1, f"beta2 must be in [0, 1), got {self.beta2}")
        _require(self.max_steps >= 1, f"max_steps must be >= 1, got {self.max_steps}")
        _require(self.max_seconds >= 0, f"max_seconds must be >= 0, got {self.max_seconds}")
        _require(self.clip_grad_norm >= 0, f"clip_grad_norm must be >= 0, got {self.clip_grad_norm}")
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
class EvalConfig:
    """The depth evaluation protocol's settings (DESIGN.md, 'Evaluation protocols').

    `crop` is given as None, "none", "eigen", "top,bottom,left,right" or 4 fractions and is
    stored parsed: None or a (top, bottom, left, right) tuple (see `parse_crop`).
    """

    min_depth: float = _field(1e-3, "Ground truth kept above this (metres); predictions clipped to it.")
    max_depth: float = _field(80.0, "Ground truth kept below this (metres); predictions clipped to it.")
    crop: Crop = _field(None, "none | eigen | top,bottom,left,right fractions of the evaluated window.")
    median_scaling: bool = _field(
        True, "Scale each prediction by median(gt)/median(pred) (--nomedian_scaling for metric models).")
    camera_height: float = _field(
        0.0, "Metres from the camera down to the ground: scale each prediction by its own ground plane "
        "and report metres, in place of median scaling (0: off).")

    def __post_init__(self):
        _require(0 <= self.min_depth < self.max_depth,
                 f"need 0 <= min_depth < max_depth, got {self.min_depth} and {self.max_depth}")
        # Stored parsed, so that equal settings compare equal and the JSON record shows the window.
        object.__setattr__(self, "crop", parse_crop(self.crop))
        object.__setattr__(self, "min_depth", float(self.min_depth))
        object.__setattr__(self, "max_depth", float(self.max_depth))
        object.__setattr__(self, "median_scaling", bool(self.median_scaling))
        _require(self.camera_height >= 0, f"camera_height must be >= 0 metres, got {self.camera_height}")
        object.__setattr__(self, "camera_height", float(self.camera_height))


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
        """A saved run's config.json, written by this or an earlier version."""
        values = json.loads(text)
        _upgrade_saved_loss(values.setdefault("loss", {}))
        # Before `padding`, every network was padded as TensorFlow's 'same'.
        values.setdefault("model", {}).setdefault("padding", "same")
        return cls.from_dict(values)


# Fields that earlier versions wrote into config.json and that no longer mean anything; a saved
# run that has them still loads. (`shuffle_buffer`: training now draws a full shuffle of the split.)
RETIRED_FIELDS = {"data": ("shuffle_buffer",)}


def _upgrade_saved_loss(loss: dict) -> None:
    """Earlier config.json files in today's terms, so that a saved run resumes as it was trained.

    `edge_aware_smoothness` (a bool) became `smoothness`; before that field existed every run took
    the second-order prior of disparity, and before `photometric_scales` the photometric term at
    every scale: the defaults changed to depth and to the finest scale (docs/training_health.md).
    """
    edge_aware = loss.pop("edge_aware_smoothness", False)
    loss.setdefault("smoothness", "edge_aware" if edge_aware else "disparity")
    loss.setdefault("photometric_scales", 0)


SECTIONS = {"model": ModelConfig, "loss": LossConfig, "data": DataConfig, "train": TrainConfig}
