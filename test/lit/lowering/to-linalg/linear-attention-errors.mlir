// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Tests that a gated update_rule without decay is reported by name.
func.func @linear_attention_gated_no_decay(%q: tensor<1x2x4xf32>, %k: tensor<1x2x4xf32>, %v: tensor<1x2x4xf32>) -> (tensor<1x2x4xf32>, tensor<1x1x4x4xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.LinearAttention to linalg yet}}
  %y, %s = "onnx.LinearAttention"(%q, %k, %v, %n, %n, %n) {q_num_heads = 1 : i64, kv_num_heads = 1 : i64, update_rule = "gated"} : (tensor<1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>, none, none, none) -> (tensor<1x2x4xf32>, tensor<1x1x4x4xf32>)
  return %y, %s : tensor<1x2x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// Tests that q_num_heads not a multiple of kv_num_heads is reported by name.
func.func @linear_attention_heads(%q: tensor<1x2x12xf32>, %k: tensor<1x2x8xf32>, %v: tensor<1x2x8xf32>) -> (tensor<1x2x12xf32>, tensor<1x2x4x4xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.LinearAttention to linalg yet}}
  %y, %s = "onnx.LinearAttention"(%q, %k, %v, %n, %n, %n) {q_num_heads = 3 : i64, kv_num_heads = 2 : i64, update_rule = "linear"} : (tensor<1x2x12xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>, none, none, none) -> (tensor<1x2x12xf32>, tensor<1x2x4x4xf32>)
  return %y, %s : tensor<1x2x12xf32>, tensor<1x2x4x4xf32>
}

// -----

// Tests that an unknown update_rule is reported by name.
func.func @linear_attention_rule(%q: tensor<1x2x4xf32>, %k: tensor<1x2x4xf32>, %v: tensor<1x2x4xf32>) -> (tensor<1x2x4xf32>, tensor<1x1x4x4xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.LinearAttention to linalg yet}}
  %y, %s = "onnx.LinearAttention"(%q, %k, %v, %n, %n, %n) {q_num_heads = 1 : i64, kv_num_heads = 1 : i64, update_rule = "mamba"} : (tensor<1x2x4xf32>, tensor<1x2x4xf32>, tensor<1x2x4xf32>, none, none, none) -> (tensor<1x2x4xf32>, tensor<1x1x4x4xf32>)
  return %y, %s : tensor<1x2x4xf32>, tensor<1x1x4x4xf32>
}

// -----

// Tests that a beta that is neither [B, T, H_kv] nor [B, T, 1] is reported
// by name.
func.func @linear_attention_beta(%q: tensor<1x2x8xf32>, %k: tensor<1x2x8xf32>, %v: tensor<1x2x8xf32>, %b: tensor<1x2x3xf32>) -> (tensor<1x2x8xf32>, tensor<1x2x4x4xf32>) {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.LinearAttention to linalg yet}}
  %y, %s = "onnx.LinearAttention"(%q, %k, %v, %n, %n, %b) {q_num_heads = 2 : i64, kv_num_heads = 2 : i64, update_rule = "delta"} : (tensor<1x2x8xf32>, tensor<1x2x8xf32>, tensor<1x2x8xf32>, none, none, tensor<1x2x3xf32>) -> (tensor<1x2x8xf32>, tensor<1x2x4x4xf32>)
  return %y, %s : tensor<1x2x8xf32>, tensor<1x2x4x4xf32>
}
