// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Tests that 3-D RotaryEmbedding without num_heads is reported by name.
func.func @rotary_3d_no_heads(%x: tensor<1x3x16xf32>, %cos: tensor<1x3x8xf32>, %sin: tensor<1x3x8xf32>) -> tensor<1x3x16xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.RotaryEmbedding to linalg yet}}
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %sin, %n) : (tensor<1x3x16xf32>, tensor<1x3x8xf32>, tensor<1x3x8xf32>, none) -> tensor<1x3x16xf32>
  return %0 : tensor<1x3x16xf32>
}

// -----

// Tests that caches whose last dim is not rotary_embedding_dim / 2 are
// reported by name.
func.func @rotary_cache_width(%x: tensor<2x4x3x8xf32>, %cos: tensor<50x4xf32>, %sin: tensor<50x4xf32>, %pos: tensor<2x3xi64>) -> tensor<2x4x3x8xf32> {
  // expected-error @+1 {{kiln does not lower onnx.RotaryEmbedding to linalg yet}}
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %sin, %pos) {rotary_embedding_dim = 4 : i64} : (tensor<2x4x3x8xf32>, tensor<50x4xf32>, tensor<50x4xf32>, tensor<2x3xi64>) -> tensor<2x4x3x8xf32>
  return %0 : tensor<2x4x3x8xf32>
}

// -----

// Tests that an odd rotary_embedding_dim is reported by name.
func.func @rotary_odd_dim(%x: tensor<2x4x3x8xf32>, %cos: tensor<2x3x1xf32>, %sin: tensor<2x3x1xf32>) -> tensor<2x4x3x8xf32> {
  %n = onnx.NoValue
  // expected-error @+1 {{kiln does not lower onnx.RotaryEmbedding to linalg yet}}
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %sin, %n) {rotary_embedding_dim = 3 : i64} : (tensor<2x4x3x8xf32>, tensor<2x3x1xf32>, tensor<2x3x1xf32>, none) -> tensor<2x4x3x8xf32>
  return %0 : tensor<2x4x3x8xf32>
}

// -----

// Tests that dynamic shapes are reported by name (not lowered yet).
func.func @rotary_dynamic(%x: tensor<?x4x3x8xf32>, %cos: tensor<50x4xf32>, %sin: tensor<50x4xf32>, %pos: tensor<?x3xi64>) -> tensor<?x4x3x8xf32> {
  // expected-error @+1 {{kiln does not lower onnx.RotaryEmbedding to linalg yet}}
  %0 = "onnx.RotaryEmbedding"(%x, %cos, %sin, %pos) : (tensor<?x4x3x8xf32>, tensor<50x4xf32>, tensor<50x4xf32>, tensor<?x3xi64>) -> tensor<?x4x3x8xf32>
  return %0 : tensor<?x4x3x8xf32>
}
