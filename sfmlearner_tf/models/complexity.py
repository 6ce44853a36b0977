"""Floating-point operation counts of the networks, read from the traced graph.

Only convolutions are counted (they are > 99 % of the work; ReLU, bias, concat, the sigmoid heads
and the bilinear upsampling are left out). A multiply-accumulate counts as 2 FLOPs:

- Conv2D, output [B, Ho, Wo, Co], kernel [k, k, Ci, Co]: 2 * B * Ho * Wo * k * k * Ci * Co;
- transposed conv (Conv2DBackpropInput), input [B, Hi, Wi, Ci], kernel [k, k, Co, Ci]: every input
  pixel scatters a k x k x Co patch, so 2 * B * Hi * Wi * k * k * Ci * Co;
- depthwise conv (DepthwiseConv2dNative, also the first half of a separable conv), output
  [B, Ho, Wo, C * m], kernel [k, k, C, m]: each output a k x k dot product, so 2 * B * Ho * Wo * k * k * C * m.
"""

import math
from typing import Callable

import tensorflow as tf


def conv_flops(fn: Callable, *input_specs: tf.TensorSpec) -> int:
    """FLOPs of the convolutions that `fn(*inputs)` runs, for inputs of the given static shapes.

    Args:
      fn: a callable of tensors, e.g. a `DispNet`, `MobileDepthNet` or `PoseExpNet` instance (build it first:
        creating its variables inside the trace is much slower).
      *input_specs: one fully defined `tf.TensorSpec` per positional argument of `fn`.

    Returns:
      The FLOP count (int); nothing is executed, the function is only traced.
    """
    for spec in input_specs:
        if not spec.shape.is_fully_defined():
            raise ValueError(f"conv_flops needs fully defined input shapes, got {spec.shape}")
    graph = tf.function(fn).get_concrete_function(*input_specs).graph
    total = 0
    for op in graph.get_operations():
        if op.type == "Conv2D":
            output, kernel = op.outputs[0].shape, op.inputs[1].shape
            total += 2 * math.prod(output[:3]) * math.prod(kernel)
        elif op.type == "Conv2DBackpropInput":
            kernel, source = op.inputs[1].shape, op.inputs[2].shape
            total += 2 * math.prod(source[:3]) * math.prod(kernel)
        elif op.type == "DepthwiseConv2dNative":
            output, kernel = op.outputs[0].shape, op.inputs[1].shape
            total += 2 * math.prod(output[:3]) * math.prod(kernel)
    return total
