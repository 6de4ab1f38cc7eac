// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that a 2-D Conv with pads and strides is tensor.pad plus
// linalg.conv_2d_nchw_fchw accumulating into the broadcast bias.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x8x8xf32>, %[[W:.*]]: tensor<4x3x3x3xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK: %[[PAD:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[INIT:.*]] = linalg.generic {indexing_maps = [#[[CH]], #{{.*}}]{{.*}} ins(%[[B]] : tensor<4xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[PAD]], %[[W]] : tensor<?x3x10x10xf32>, tensor<4x3x3x3xf32>) outs(%[[INIT]] : tensor<?x4x4x4xf32>)
func.func @conv2d(%x: tensor<?x3x8x8xf32, #onnx.dims<["N", "", "", ""]>>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x4x4xf32, #onnx.dims<["N", "", "", ""]>> {
  %0 = "onnx.Conv"(%x, %w, %b) {pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<?x3x8x8xf32, #onnx.dims<["N", "", "", ""]>>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<?x4x4x4xf32, #onnx.dims<["N", "", "", ""]>>
  return %0 : tensor<?x4x4x4xf32, #onnx.dims<["N", "", "", ""]>>
}

// -----

// Tests that a depthwise Conv (group = channels) collapses the filter to
// [C, kh, kw] for linalg.depthwise_conv_2d_nchw_chw, and that SAME_UPPER
// padding is resolved to explicit pads.
// CHECK-LABEL: func.func @depthwise
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[F:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<8x1x3x3xf32> into tensor<8x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {{.*}} ins(%{{.*}}, %[[F]] :
func.func @depthwise(%x: tensor<1x8x6x6xf32>, %w: tensor<8x1x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_UPPER", group = 8 : i64} : (tensor<1x8x6x6xf32>, tensor<8x1x3x3xf32>, none) -> tensor<1x8x6x6xf32>
  return %0 : tensor<1x8x6x6xf32>
}

// -----

// Tests that a grouped Conv is one generic over (n, g, m, oh, ow, c, kh, kw)
// with the input and filter split into groups.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 + d6 * 2, d4 + d7 * 2)>
// CHECK-DAG: #[[FIL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d1, d2, d5, d6, d7)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @grouped
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] {{.*}} into tensor<1x2x2x5x5xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[FIL]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] : tensor<1x2x3x3x3xf32> into tensor<1x6x3x3xf32>
func.func @grouped(%x: tensor<1x4x5x5xf32>, %w: tensor<6x2x2x2xf32>) -> tensor<1x6x3x3xf32> {
  %none = onnx.NoValue
  %0 = "onnx.Conv"(%x, %w, %none) {group = 2 : i64, dilations = [2, 2]} : (tensor<1x4x5x5xf32>, tensor<6x2x2x2xf32>, none) -> tensor<1x6x3x3xf32>
  return %0 : tensor<1x6x3x3xf32>
}

// -----

// Tests that ConvTranspose dilates the input by the strides (strided
// insert_slice into zeros), pads it, and reads the kernel reversed.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d5, d3 - d6 + 2, d4 - d7 + 2)>
// CHECK-LABEL: func.func @conv_transpose
// CHECK: tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 0] [1, 1, 3, 3] [1, 1, 2, 2] : tensor<1x1x3x3xf32> into tensor<1x1x5x5xf32>
// CHECK: tensor.pad %{{.*}} low[0, 0, 2, 2] high[0, 0, 2, 2]
// CHECK: linalg.generic {indexing_maps = [#[[IN]],
func.func @conv_transpose(%x: tensor<1x1x3x3xf32>, %w: tensor<1x2x3x3xf32>) -> tensor<1x2x7x7xf32> {
  %none = onnx.NoValue
  %0 = "onnx.ConvTranspose"(%x, %w, %none) {strides = [2, 2]} : (tensor<1x1x3x3xf32>, tensor<1x2x3x3xf32>, none) -> tensor<1x2x7x7xf32>
  return %0 : tensor<1x2x7x7xf32>
}

// -----

// Tests that DeformConv is one generic over (N, M, OH, OW) reducing over the
// group's channels and the kernel, reading offsets, mask and four
// interpolation taps of the input, into the broadcast bias.
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d1, d4, d5, d6)>
// CHECK-LABEL: func.func @deform_conv
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[W]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%{{.*}} : tensor<1x1x2x2xf32>) outs(%[[INIT]] : tensor<1x1x2x2xf32>)
// CHECK-COUNT-2: tensor.extract %{{.*}} : tensor<1x8x2x2xf32>
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x1x3x3xf32>
// CHECK: tensor.extract %{{.*}} : tensor<1x4x2x2xf32>
func.func @deform_conv(%x: tensor<1x1x3x3xf32>, %w: tensor<1x1x2x2xf32>, %o: tensor<1x8x2x2xf32>, %b: tensor<1xf32>, %m: tensor<1x4x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %0 = "onnx.DeformConv"(%x, %w, %o, %b, %m) {kernel_shape = [2, 2]} : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>, tensor<1x8x2x2xf32>, tensor<1xf32>, tensor<1x4x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Tests that fp16 CausalConvWithState with past_state, bias and SiLU
// concatenates the state before the input, accumulates the depthwise taps
// (input at l + j, weight [c, 0, j]) in f32, adds the bias, rounds to f16
// before the SiLU (computed in f32), and returns the last k - 1 positions of
// the concatenated sequence as present_state.
// CHECK-DAG: #[[SEQ:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 + d3)>
// CHECK-DAG: #[[TAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, d3)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @causal_conv_past_bias_silu
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf16>, %[[W:.*]]: tensor<4x1x3xf16>, %[[B:.*]]: tensor<4xf16>, %[[P:.*]]: tensor<2x4x2xf16>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x4x10xf16>
// CHECK: %[[S0:.*]] = tensor.insert_slice %[[P]] into %[[E]][0, 0, 0] [2, 4, 2] [1, 1, 1]
// CHECK: %[[SEQV:.*]] = tensor.insert_slice %[[X]] into %[[S0]][0, 0, 2] [2, 4, 8] [1, 1, 1]
// CHECK: %[[ZERO:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4x8xf32>)
// CHECK: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[SEQ]], #[[TAP]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[SEQV]], %[[W]] : tensor<2x4x10xf16>, tensor<4x1x3xf16>) outs(%[[ZERO]] : tensor<2x4x8xf32>)
// CHECK: arith.extf
// CHECK: arith.mulf {{.*}} : f32
// CHECK: arith.addf {{.*}} : f32
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[BIAS]], #{{.*}}], {{.*}} ins(%[[ACC]], %[[B]] : tensor<2x4x8xf32>, tensor<4xf16>) outs(%{{.*}} : tensor<2x4x8xf16>)
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK: %[[R:.*]] = arith.truncf %[[SUM]] : f32 to f16
// CHECK: %[[F:.*]] = arith.extf %[[R]] : f16 to f32
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: %[[SILU:.*]] = arith.mulf %[[F]], %{{.*}} : f32
// CHECK: arith.truncf %[[SILU]] : f32 to f16
// CHECK: %[[STATE:.*]] = tensor.extract_slice %[[SEQV]][0, 0, 8] [2, 4, 2] [1, 1, 1] : tensor<2x4x10xf16> to tensor<2x4x2xf16>
// CHECK: return %[[Y]], %[[STATE]]
func.func @causal_conv_past_bias_silu(%x: tensor<2x4x8xf16>, %w: tensor<4x1x3xf16>, %b: tensor<4xf16>, %p: tensor<2x4x2xf16>) -> (tensor<2x4x8xf16>, tensor<2x4x2xf16>) {
  %y, %s = "onnx.CausalConvWithState"(%x, %w, %b, %p) {activation = "silu"} : (tensor<2x4x8xf16>, tensor<4x1x3xf16>, tensor<4xf16>, tensor<2x4x2xf16>) -> (tensor<2x4x8xf16>, tensor<2x4x2xf16>)
  return %y, %s : tensor<2x4x8xf16>, tensor<2x4x2xf16>
}

// -----

// Tests that f32 CausalConvWithState without past_state left-pads the input
// with k - 1 zeros, accumulates in f32 with no activation, and that k = 1
// carries an empty state.
// CHECK-LABEL: func.func @causal_conv_zero_state
// CHECK-SAME: (%[[X:.*]]: tensor<1x2x5xf32>, %[[W:.*]]: tensor<2x1x1xf32>)
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x2x5xf32>)
// CHECK: %[[SEQV:.*]] = tensor.insert_slice %[[X]] into %[[Z]][0, 0, 0] [1, 2, 5] [1, 1, 1]
// CHECK: linalg.generic {{.*}} ins(%[[SEQV]], %[[W]] : tensor<1x2x5xf32>, tensor<2x1x1xf32>)
// CHECK-NOT: math.exp
// CHECK: %[[STATE:.*]] = tensor.empty() : tensor<1x2x0xf32>
// CHECK: return %{{.*}}, %[[STATE]]
func.func @causal_conv_zero_state(%x: tensor<1x2x5xf32>, %w: tensor<2x1x1xf32>) -> (tensor<1x2x5xf32>, tensor<1x2x0xf32>) {
  %n = onnx.NoValue
  %y, %s = "onnx.CausalConvWithState"(%x, %w, %n, %n) : (tensor<1x2x5xf32>, tensor<2x1x1xf32>, none, none) -> (tensor<1x2x5xf32>, tensor<1x2x0xf32>)
  return %y, %s : tensor<1x2x5xf32>, tensor<1x2x0xf32>
}

// -----

// Tests that an f16 Conv accumulates in f32 (the bias widened into the init,
// the named op widening its f16 operands) and rounds to f16 once at the end.
// CHECK-LABEL: func.func @conv_f16_accumulates_f32
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf16>) outs(%{{.*}} : tensor<1x4x3x3xf32>)
// CHECK: arith.extf
// CHECK: %[[ACC:.*]] = linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x5x5xf16>, tensor<4x2x3x3xf16>) outs(%[[INIT]] : tensor<1x4x3x3xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%[[ACC]] : tensor<1x4x3x3xf32>) outs(%{{.*}} : tensor<1x4x3x3xf16>)
// CHECK: arith.truncf
// CHECK: return %[[Y]]
func.func @conv_f16_accumulates_f32(%x: tensor<1x2x5x5xf16>, %w: tensor<4x2x3x3xf16>, %b: tensor<4xf16>) -> tensor<1x4x3x3xf16> {
  %0 = "onnx.Conv"(%x, %w, %b) : (tensor<1x2x5x5xf16>, tensor<4x2x3x3xf16>, tensor<4xf16>) -> tensor<1x4x3x3xf16>
  return %0 : tensor<1x4x3x3xf16>
}
