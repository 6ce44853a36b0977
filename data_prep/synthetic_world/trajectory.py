"""A car-like camera path along the route: smooth speed, slowing for turns, gentle weaving,
small jitter.

The camera drives at 5–15 m/s (KITTI-like, 0.5–1.5 m per frame at 10 fps) and slows to 3–5 m/s
through the quarter-circle turns of the route. It keeps to the right lane, weaving smoothly
within `CAMERA_LANE` metres right of the centre line; its heading is the direction of its own
motion (no side-slip). Pitch, roll and height get small fast oscillations (suspension). Rotation
camera→world is R = Ry(yaw)·Rx(pitch)·Rz(roll) with the camera axes x right, y down, z forward.
"""

import numpy as np

from data_prep.synthetic_world import route as route_lib

CAMERA_HEIGHT = 1.65
# Lateral band of the camera, metres right of the centre line: parked cars start 2 m inside the
# curb (road_half >= 6) and moving cars end 1.3 m left of the centre, so nothing comes closer
# than ~1.3 m beside the camera.
CAMERA_LANE = (0.8, 2.6)


def _rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    cy, sy = np.cos(yaw), np.sin(yaw)
    cp, sp = np.cos(pitch), np.sin(pitch)
    cr, sr = np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cp, -sp], [0.0, sp, cp]])
    rz = np.array([[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]])
    return ry @ rx @ rz


def _wiggle(rng, times, amplitude, period_range, count=2):
    """A smooth zero-mean signal within ±amplitude: `count` sinusoids of random period and phase."""
    total = np.zeros_like(times)
    for _ in range(count):
        period = rng.uniform(*period_range)
        total += amplitude / count * np.sin(2.0 * np.pi * times / period + rng.uniform(0.0, 2.0 * np.pi))
    return total


def generate_trajectory(rng: np.random.Generator, num_frames: int, fps: float):
    """(poses float64 [num_frames, 4, 4] camera→world, the `route_lib.Route` driven along).

    The camera starts near the origin heading +z, 1.65 m (±2 cm) above the ground y = 0.
    """
    if num_frames < 1:
        raise ValueError(f"num_frames must be >= 1, got {num_frames}")
    duration = (num_frames - 1) / fps
    base_speed = rng.uniform(5.0, 15.0)
    turn_speed = min(rng.uniform(3.0, 5.0), base_speed)
    route = route_lib.generate_route(rng, 1.25 * base_speed * duration + 5.0)

    # Distance along the centre line: ds/dt = speed, integrated in steps of 1/(20·fps) s;
    # the speed dips towards `turn_speed` within ~15 m of the middle of each turn.
    dt = 1.0 / (20.0 * fps)
    fine_t = np.arange(20 * (num_frames - 1) + 1) * dt
    speed = base_speed * (1.0 + _wiggle(rng, fine_t, 0.2, (4.0, 15.0)))
    distance = np.zeros_like(fine_t)
    for k in range(1, fine_t.size):
        s = distance[k - 1]
        near = np.min(np.abs(route.corners - s)) if route.corners.size else np.inf
        slow = 1.0 - (1.0 - turn_speed / base_speed) * np.exp(-((near / 15.0) ** 2))
        distance[k] = s + speed[k - 1] * slow * dt
    frame_s = distance[::20]

    # The camera's path: the centre line shifted right by the weaving lane offset; its yaw is
    # the direction of that path, so the car moves where it points.
    half_band = 0.5 * (CAMERA_LANE[1] - CAMERA_LANE[0])
    lane = 0.5 * sum(CAMERA_LANE) + _wiggle(rng, route.s, half_band, (40.0, 150.0))
    x = route.x + lane * np.cos(route.heading)
    z = route.z - lane * np.sin(route.heading)
    yaw = np.unwrap(np.arctan2(np.gradient(x), np.gradient(z)))

    pitch = _wiggle(rng, frame_s, rng.uniform(0.003, 0.015), (5.0, 30.0))
    roll = _wiggle(rng, frame_s, rng.uniform(0.003, 0.01), (7.0, 30.0))
    height = CAMERA_HEIGHT + _wiggle(rng, frame_s, 0.02, (4.0, 20.0))
    poses = np.tile(np.eye(4), (num_frames, 1, 1))
    for i, s in enumerate(frame_s):
        poses[i, :3, :3] = _rotation(np.interp(s, route.s, yaw), pitch[i], roll[i])
        poses[i, :3, 3] = [np.interp(s, route.s, x), -height[i], np.interp(s, route.s, z)]
    return poses, route
