"""Running a trained model: loading a checkpoint or SavedModel, depth of images, folders and video
(optionally in metres from the camera height), the pose network's trajectory and its file
formats, and the intrinsics a run learnt. Scoring it against ground truth is `sfmlearner_tf/evaluation/`.
"""
