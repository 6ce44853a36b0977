"""The PyTorch port's loss and gradients on one given batch: the port's half of `benchmarks.port_parity`.

    PORT_DIR=<checkout of SfmLearner-Pytorch> <python with torch> benchmarks/port_side_loss.py BATCH.npz OUT.npz

Runs in the side virtual environment that has torch (never this project's: torch is not one of
its dependencies) and imports nothing of this project. BATCH.npz holds `target` [B, H, W, 3] and
`sources` [B, H, W, 6] in [-1, 1] and `intrinsics` [3, 3] at H x W; `seed`. The port's DispNetS
and PoseExpNet (no explainability mask) are initialised as its `train.py` does (torch seed, then
`init_weights`), run in training mode, and scored with the port's `-m 0 -s 0.1` loss:
`photometric_reconstruction_loss` (the finest scale: it zips the 4 depths with a one-element
mask list) + 0.1 * `smooth_loss` (second order of depth, scale s weighted 1 / 2.3^s).

OUT.npz gets every parameter (`param/<name>`, torch layout) and its gradient (`grad/<name>`),
the 4 disparities `disp{s}` [B, h, w, 1] with their gradients `disp_grad{s}`, `pose` [B, 2, 6]
with `pose_grad`, and the scalars `photometric` and `smoothness`.
"""

import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.environ["PORT_DIR"])
from loss_functions import photometric_reconstruction_loss, smooth_loss  # noqa: E402
from models import DispNetS, PoseExpNet  # noqa: E402

SMOOTH_WEIGHT = 0.1


def main(batch_path: str, out_path: str) -> None:
    batch = np.load(batch_path)
    torch.manual_seed(int(batch["seed"]))
    torch.set_num_threads(2)
    disp_net, pose_net = DispNetS(), PoseExpNet(nb_ref_imgs=2, output_exp=False)
    disp_net.init_weights()
    pose_net.init_weights()
    disp_net.train()
    pose_net.train()

    def nchw(x):
        return torch.tensor(np.ascontiguousarray(np.transpose(x, (0, 3, 1, 2))), dtype=torch.float32)

    target = nchw(batch["target"])
    sources = nchw(batch["sources"])
    refs = [sources[:, 0:3], sources[:, 3:6]]
    intrinsics = torch.tensor(batch["intrinsics"], dtype=torch.float32).expand(target.shape[0], 3, 3)

    disparities = list(disp_net(target))
    for disp in disparities:
        disp.retain_grad()
    depth = [1 / disp for disp in disparities]
    _, pose = pose_net(target, refs)
    pose.retain_grad()
    photometric, _, _ = photometric_reconstruction_loss(target, refs, intrinsics, depth, None, pose)
    smoothness = SMOOTH_WEIGHT * smooth_loss(depth)
    (photometric + smoothness).backward()

    out = {"photometric": photometric.item(), "smoothness": smoothness.item(),
           "pose": pose.detach().numpy(), "pose_grad": pose.grad.numpy()}
    for scale, disp in enumerate(disparities):
        out[f"disp{scale}"] = np.transpose(disp.detach().numpy(), (0, 2, 3, 1))
        out[f"disp_grad{scale}"] = np.transpose(disp.grad.numpy(), (0, 2, 3, 1))
    for prefix, net in (("disp_net", disp_net), ("pose_net", pose_net)):
        for name, param in net.named_parameters():
            out[f"param/{prefix}.{name}"] = param.detach().numpy()
            out[f"grad/{prefix}.{name}"] = param.grad.numpy()
    np.savez(out_path, **out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: PORT_DIR=... python port_side_loss.py BATCH.npz OUT.npz")
    main(sys.argv[1], sys.argv[2])
