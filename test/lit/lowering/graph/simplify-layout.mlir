// RUN: kiln-opt %s -onnx-simplify-layout -split-input-file | FileCheck %s

// Tests that two Transposes compose into one, out[i] = in[p[q[i]]].
// CHECK-LABEL: func.func @transpose_transpose
// CHECK: %[[T:.*]] = "onnx.Transpose"(%{{.*}}) <{perm = [0, 2, 3, 1]}> : (tensor<1x2x3x4xf32>) -> tensor<1x3x4x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_transpose(%x: tensor<1x2x3x4xf32>) -> tensor<1x3x4x2xf32> {
  %0 = "onnx.Transpose"(%x) <{perm = [0, 2, 1, 3]}> : (tensor<1x2x3x4xf32>) -> tensor<1x3x2x4xf32>
  %1 = "onnx.Transpose"(%0) <{perm = [0, 1, 3, 2]}> : (tensor<1x3x2x4xf32>) -> tensor<1x3x4x2xf32>
  return %1 : tensor<1x3x4x2xf32>
}

// -----

// Tests that Transposes that cancel, and an identity Transpose, disappear.
// CHECK-LABEL: func.func @cancelling
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x3x4xf32>)
// CHECK-NOT: onnx.Transpose
// CHECK: return %[[X]], %[[X]]
func.func @cancelling(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = "onnx.Transpose"(%x) <{perm = [1, 2, 0]}> : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  %1 = "onnx.Transpose"(%0) <{perm = [2, 0, 1]}> : (tensor<3x4x2xf32>) -> tensor<2x3x4xf32>
  %2 = "onnx.Transpose"(%x) <{perm = [0, 1, 2]}> : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %1, %2 : tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// Tests that a Transpose without perm (reversed dims) composes too.
// CHECK-LABEL: func.func @default_perm
// CHECK-NOT: onnx.Transpose
func.func @default_perm(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = "onnx.Transpose"(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = "onnx.Transpose"(%0) : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// Tests that Reshape(Unsqueeze(x)) is one Reshape of x to the static result
// shape, and that a Reshape back to the input's type is dropped.
// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:[^:]*]]: tensor<2x6xf32>
// CHECK: %[[S:.*]] = "onnx.Constant"() <{value = dense<[3, 4]> : tensor<2xi64>}>
// CHECK: %[[R:.*]] = "onnx.Reshape"(%[[X]], %[[S]]) {{.*}} -> tensor<3x4xf32>
// CHECK-NOT: onnx.Unsqueeze
// CHECK: return %[[R]], %[[X]]
func.func @reshape_chain(%x: tensor<2x6xf32>, %axes: tensor<1xi64>, %s1: tensor<2xi64>, %s2: tensor<2xi64>) -> (tensor<3x4xf32>, tensor<2x6xf32>) {
  %0 = "onnx.Unsqueeze"(%x, %axes) : (tensor<2x6xf32>, tensor<1xi64>) -> tensor<1x2x6xf32>
  %1 = "onnx.Reshape"(%0, %s1) : (tensor<1x2x6xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  %2 = "onnx.Reshape"(%x, %s2) : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<2x6xf32>
  return %1, %2 : tensor<3x4xf32>, tensor<2x6xf32>
}

// -----

// Tests that a Reshape with a dynamic result is left alone.
// CHECK-LABEL: func.func @dynamic
// CHECK: onnx.Reshape
// CHECK: onnx.Reshape
func.func @dynamic(%x: tensor<?x6xf32>, %s1: tensor<3xi64>, %s2: tensor<2xi64>) -> tensor<?x3xf32> {
  %0 = "onnx.Reshape"(%x, %s1) : (tensor<?x6xf32>, tensor<3xi64>) -> tensor<?x2x3xf32>
  %1 = "onnx.Reshape"(%0, %s2) : (tensor<?x2x3xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %1 : tensor<?x3xf32>
}

// -----

// Tests that a Gelu between two Reshapes moves before the first, so the
// Reshapes cancel (the Reshape -> Gelu -> Reshape between flattened Gemms).
// CHECK-LABEL: func.func @sink_through_gelu
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x16xf32>
// CHECK-NOT: onnx.Reshape
// CHECK: %[[G:.*]] = "onnx.Gelu"(%[[X]]) {{.*}} -> tensor<4x16xf32>
// CHECK-NOT: onnx.Reshape
// CHECK: return %[[G]]
func.func @sink_through_gelu(%x: tensor<4x16xf32>, %s1: tensor<3xi64>, %s2: tensor<2xi64>) -> tensor<4x16xf32> {
  %0 = "onnx.Reshape"(%x, %s1) : (tensor<4x16xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  %1 = "onnx.Gelu"(%0) : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  %2 = "onnx.Reshape"(%1, %s2) : (tensor<1x4x16xf32>, tensor<2xi64>) -> tensor<4x16xf32>
  return %2 : tensor<4x16xf32>
}

// -----

// Tests that a Relu whose result is used other than by a Reshape keeps the
// Reshape before it.
// CHECK-LABEL: func.func @no_sink
// CHECK: onnx.Reshape
// CHECK-NEXT: onnx.Relu
func.func @no_sink(%x: tensor<4x16xf32>, %s1: tensor<3xi64>) -> tensor<1x4x16xf32> {
  %0 = "onnx.Reshape"(%x, %s1) : (tensor<4x16xf32>, tensor<3xi64>) -> tensor<1x4x16xf32>
  %1 = "onnx.Relu"(%0) : (tensor<1x4x16xf32>) -> tensor<1x4x16xf32>
  return %1 : tensor<1x4x16xf32>
}

// -----

// Tests that a 4-D Attention on heads transposed out of [B, S, heads, H]
// tensors becomes the 3-D form on [B, S, heads * H] with the head counts,
// and that the Transposes and Reshapes on both sides cancel.
// CHECK-LABEL: func.func @attention_heads_in_place
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<1x5x16xf32>, %[[K:[^:]*]]: tensor<1x7x8xf32>, %[[V:[^:]*]]: tensor<1x7x8xf32>, %[[M:[^:]*]]: tensor<1x1x1x7xf32>)
// CHECK-NOT: onnx.Transpose
// CHECK-NOT: onnx.Reshape
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}}, %{{.*}} = "onnx.Attention"(%[[Q]], %[[K]], %[[V]], %[[M]], %{{.*}}, %{{.*}}, %{{.*}}) <{is_causal = 0 : i64, kv_num_heads = 2 : i64, q_num_heads = 4 : i64, qk_matmul_output_mode = 0 : i64, scale = 5.000000e-01 : f32, softcap = 0.000000e+00 : f32}>
// CHECK-SAME: -> (tensor<1x5x16xf32>, none, none, none)
// CHECK-NOT: onnx.Transpose
// CHECK-NOT: onnx.Reshape
// CHECK: return %[[Y]]
func.func @attention_heads_in_place(%q: tensor<1x5x16xf32>, %k: tensor<1x7x8xf32>, %v: tensor<1x7x8xf32>, %m: tensor<1x1x1x7xf32>) -> tensor<1x5x16xf32> {
  %n = onnx.NoValue
  %sq = "onnx.Constant"() <{value = dense<[1, 5, 4, 4]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %sk = "onnx.Constant"() <{value = dense<[1, 7, 2, 4]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %sy = "onnx.Constant"() <{value = dense<[1, 5, 16]> : tensor<3xi64>}> : () -> tensor<3xi64>
  %q4 = "onnx.Reshape"(%q, %sq) : (tensor<1x5x16xf32>, tensor<4xi64>) -> tensor<1x5x4x4xf32>
  %k4 = "onnx.Reshape"(%k, %sk) : (tensor<1x7x8xf32>, tensor<4xi64>) -> tensor<1x7x2x4xf32>
  %v4 = "onnx.Reshape"(%v, %sk) : (tensor<1x7x8xf32>, tensor<4xi64>) -> tensor<1x7x2x4xf32>
  %qt = "onnx.Transpose"(%q4) <{perm = [0, 2, 1, 3]}> : (tensor<1x5x4x4xf32>) -> tensor<1x4x5x4xf32>
  %kt = "onnx.Transpose"(%k4) <{perm = [0, 2, 1, 3]}> : (tensor<1x7x2x4xf32>) -> tensor<1x2x7x4xf32>
  %vt = "onnx.Transpose"(%v4) <{perm = [0, 2, 1, 3]}> : (tensor<1x7x2x4xf32>) -> tensor<1x2x7x4xf32>
  %y, %pk, %pv, %qk = "onnx.Attention"(%qt, %kt, %vt, %m, %n, %n, %n) <{is_causal = 0 : i64, qk_matmul_output_mode = 0 : i64, scale = 5.000000e-01 : f32, softcap = 0.000000e+00 : f32}> : (tensor<1x4x5x4xf32>, tensor<1x2x7x4xf32>, tensor<1x2x7x4xf32>, tensor<1x1x1x7xf32>, none, none, none) -> (tensor<1x4x5x4xf32>, none, none, none)
  %yt = "onnx.Transpose"(%y) <{perm = [0, 2, 1, 3]}> : (tensor<1x4x5x4xf32>) -> tensor<1x5x4x4xf32>
  %y3 = "onnx.Reshape"(%yt, %sy) : (tensor<1x5x4x4xf32>, tensor<3xi64>) -> tensor<1x5x16xf32>
  return %y3 : tensor<1x5x16xf32>
}

// -----

// Tests that an Attention whose Q is not a transposed-heads tensor keeps
// its 4-D form.
// CHECK-LABEL: func.func @attention_plain_4d
// CHECK: "onnx.Attention"
// CHECK-SAME: (tensor<1x4x5x4xf32>, tensor<1x4x7x4xf32>, tensor<1x4x7x4xf32>, none, none, none, none) -> (tensor<1x4x5x4xf32>, none, none, none)
func.func @attention_plain_4d(%q: tensor<1x4x5x4xf32>, %k: tensor<1x4x7x4xf32>, %v: tensor<1x4x7x4xf32>) -> tensor<1x4x5x4xf32> {
  %n = onnx.NoValue
  %y, %pk, %pv, %qk = "onnx.Attention"(%q, %k, %v, %n, %n, %n, %n) <{is_causal = 0 : i64, qk_matmul_output_mode = 0 : i64, softcap = 0.000000e+00 : f32}> : (tensor<1x4x5x4xf32>, tensor<1x4x7x4xf32>, tensor<1x4x7x4xf32>, none, none, none, none) -> (tensor<1x4x5x4xf32>, none, none, none)
  return %y : tensor<1x4x5x4xf32>
}
