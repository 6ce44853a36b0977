"""The synthetic world: exact ray casting against known answers, shapes, determinism, poses."""

import numpy as np
import pytest

from data_prep.synthetic_world import (build_world, kitti_like_intrinsics, materials, raycast, render_frame,
                                       render_sequence, textures)
from data_prep.synthetic_world.scene import GROUND, SKY

HEIGHT, WIDTH = 64, 208


@pytest.fixture(scope="module")
def sequence():
    return render_sequence(seed=3, num_frames=4, height=HEIGHT, width=WIDTH)


def test_intrinsics_are_kitti_like():
    k = kitti_like_intrinsics(128, 416)
    np.testing.assert_allclose(k, [[241.28, 0, 207.5], [0, 241.28, 63.5], [0, 0, 1]])


def test_shapes_and_dtypes(sequence):
    assert sequence["images"].shape == (4, HEIGHT, WIDTH, 3) and sequence["images"].dtype == np.uint8
    assert sequence["depths"].shape == (4, HEIGHT, WIDTH) and sequence["depths"].dtype == np.float32
    assert sequence["poses"].shape == (4, 4, 4) and sequence["poses"].dtype == np.float64
    np.testing.assert_allclose(sequence["intrinsics"], kitti_like_intrinsics(HEIGHT, WIDTH))


def test_same_seed_same_sequence_other_seed_differs(sequence):
    again = render_sequence(seed=3, num_frames=4, height=HEIGHT, width=WIDTH)
    for key in sequence:
        np.testing.assert_array_equal(again[key], sequence[key])
    other = render_sequence(seed=4, num_frames=2, height=HEIGHT, width=WIDTH)
    assert np.abs(other["images"][0].astype(int) - sequence["images"][0]).mean() > 10


def test_depth_finite_positive_and_street_like(sequence):
    depth = sequence["depths"]
    assert np.all(np.isfinite(depth)) and depth.min() > 0.5 and depth.max() < 1000
    # Mostly the 1-80 m of a street; the sky and the far skyline beyond.
    assert np.mean((depth > 1) & (depth < 80)) > 0.7
    assert 5 < np.median(depth) < 60


def test_poses_are_rigid_car_like_motions(sequence):
    poses = sequence["poses"]
    rotations = poses[:, :3, :3]
    identity = np.broadcast_to(np.eye(3), (4, 3, 3))
    np.testing.assert_allclose(rotations @ rotations.transpose(0, 2, 1), identity, atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(rotations), 1.0, atol=1e-12)
    np.testing.assert_array_equal(poses[:, 3], np.broadcast_to([0, 0, 0, 1], (4, 4)))
    steps = np.linalg.norm(np.diff(poses[:, :3, 3], axis=0), axis=1)
    assert np.all((steps > 0.2) & (steps < 2.0)), steps  # 2-20 m/s at 10 frames/s
    # 1.65 m above the ground y = 0 (y points down), turning smoothly: under 6° per frame.
    np.testing.assert_allclose(poses[:, 1, 3], -1.65, atol=0.05)
    relative = rotations[:-1].transpose(0, 2, 1) @ rotations[1:]
    angles = np.degrees(np.arccos(np.clip((np.trace(relative, axis1=1, axis2=2) - 1) / 2, -1, 1)))
    assert np.all(angles < 6.0), angles


def test_texture_everywhere(sequence):
    grey = sequence["images"].astype(np.float32).mean(axis=-1)
    blocks = grey.reshape(4, HEIGHT // 8, 8, WIDTH // 8, 8).std(axis=(2, 4))
    assert np.mean(blocks < 1.0) < 0.05


def test_moving_objects_change_images_not_poses():
    static = build_world(7, 3, 32, 96)
    moving = build_world(7, 3, 32, 96, moving_objects=True)
    np.testing.assert_array_equal(static.poses, moving.poses)
    assert moving.scene.velocity.any() and not static.scene.velocity.any()
    last = [render_frame(world, 2)[1] for world in (static, moving)]
    assert np.any(last[0] != last[1])


def _cast(lo, hi, height=HEIGHT, width=WIDTH, camera_height=1.65):
    k = kitti_like_intrinsics(height, width)
    rays = raycast.camera_rays(k, height, width)
    origin = np.array([0.0, -camera_height, 0.0])
    room_lo, room_hi = np.array([-200.0, -80.0, -150.0]), np.array([200.0, 0.0, 300.0])
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    hits = raycast.cast(lo, hi, room_lo, room_hi, origin, np.eye(3), rays, k)
    return hits, k, rays


def test_ground_and_sky_depth_known_answer():
    hits, k, rays = _cast(np.zeros((0, 3)), np.zeros((0, 3)))
    rows = np.arange(HEIGHT)[:, None]
    below = rows > k[1, 2]
    # A ray through row v drops (v - cy)/fy metres per metre of z-depth: it meets the ground
    # 1.65 m down at z = 1.65·fy/(v - cy); upwards it meets the sky plane 78.35 m up.
    ground = 1.65 * k[1, 1] / (rows - k[1, 2])
    sky = (80.0 - 1.65) * k[1, 1] / (k[1, 2] - rows)
    expected = np.where(below, ground, np.minimum(sky, 300.0)) * np.ones((1, WIDTH))
    # Beyond 300 m (rows near the horizon) the far wall or, sideways, the side walls come first.
    near = expected < 150
    np.testing.assert_allclose(hits.depth[near], expected[near], rtol=1e-5)
    assert np.all(hits.prim[below & near] == GROUND) and np.all(hits.prim[~below & near] == SKY)


def test_box_depth_known_answer_including_box_behind_camera():
    # A wall 10 m ahead (x in [-1, 1], 3 m tall) and a long wall beside the camera that starts
    # behind it (x = 2.5, z from -10 to 30): its corners behind the camera must not hide it.
    lo = [[-1.0, -3.0, 10.0], [2.5, -4.0, -10.0]]
    hi = [[1.0, 0.0, 12.0], [4.0, 0.0, 30.0]]
    hits, _, rays = _cast(lo, hi)
    # The point at z-depth 10 of a pixel's ray is (10·x_ray, 10·y_ray − 1.65, 10) in the world.
    x = rays[0]
    front = (np.abs(x * 10.0) < 1.0) & (rays[1] * 10.0 - 1.65 > -3.0) & (rays[1] * 10.0 - 1.65 < 0.0)
    np.testing.assert_allclose(hits.depth[front], 10.0, rtol=1e-6)
    assert np.all(hits.prim[front] == 0) and np.all(hits.axis[front] == 2)
    # The side wall x = 2.5 is met at z = 2.5 / x_ray where that point lies within its extent.
    with np.errstate(divide="ignore"):
        z_side = np.where(x > 0, 2.5 / x, np.inf)
    y_side = rays[1] * z_side - 1.65
    side = (z_side < 30.0) & (y_side > -4.0) & (y_side < 0.0) & ~front
    assert side.sum() > 100
    np.testing.assert_allclose(hits.depth[side], z_side[side], rtol=1e-5)
    assert np.all(hits.prim[side] == 1) and np.all(hits.axis[side] == 0)


@pytest.mark.parametrize("seed", [0, 2])
def test_route_turns_and_keeps_clear_of_every_box(seed):
    world = build_world(seed, 300, 16, 48, moving_objects=True)
    poses = world.poses
    # The route turns a corner: the heading swings by about 90° (left or right).
    yaw = np.degrees(np.arctan2(poses[:, 0, 2], poses[:, 2, 2]))
    assert np.abs(yaw).max() > 80.0
    # Nothing, moving cars included, ever comes within 1 m of the camera centre.
    for i, pose in enumerate(poses):
        lo, hi = world.scene.boxes_at(i / 10.0)
        centre = pose[:3, 3]
        distance = np.linalg.norm(np.maximum(np.maximum(lo - centre, centre - hi), 0.0), axis=1)
        assert distance.min() > 1.0, (i, distance.min())


def test_texture_lookup_exact_at_texel_centres_and_periodic():
    atlas = textures.build_atlas(np.random.default_rng(0))
    road = materials.INDEX["road"]
    spec = materials.SPECS[road]
    tile = atlas.texels[atlas.offsets[road, 0]:atlas.offsets[road, 1]].reshape(spec.size, spec.size, 4)
    rows, cols = np.array([0, 5, 511]), np.array([3, 200, 0])
    material = np.full(3, road)
    fine = np.full(3, -20.0, np.float32)  # a footprint far below one texel: level 0
    u = ((cols + 0.5) * spec.texel).astype(np.float32)
    v = ((rows + 0.5) * spec.texel).astype(np.float32)
    np.testing.assert_allclose(atlas.sample(material, u, v, fine), tile[rows, cols], atol=1e-6)
    period = np.float32(spec.size * spec.texel)
    shifted = atlas.sample(material, u + 3 * period, v - period, fine)
    np.testing.assert_allclose(shifted, tile[rows, cols], atol=1e-5)
    # A footprint larger than the tile gives its mean colour.
    np.testing.assert_allclose(atlas.sample(material, u, v, np.full(3, 10.0, np.float32)),
                               np.broadcast_to(tile.mean(axis=(0, 1)), (3, 4)), atol=1e-5)
