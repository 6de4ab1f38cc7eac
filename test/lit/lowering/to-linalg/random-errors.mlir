// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Tests that RandomUniform with low above high is reported by name.
func.func @uniform_low_above_high() -> tensor<4xf32> {
  // expected-error @+2 {{expects finite low <= high, got low 2 and high 1}}
  // expected-error @+1 {{kiln does not lower onnx.RandomUniform to linalg yet}}
  %0 = "onnx.RandomUniform"() {shape = [4], low = 2.0 : f32, high = 1.0 : f32} : () -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a range holding no value of the result type is reported, not
// filled with values outside it.
func.func @uniform_empty_f16_range() -> tensor<4xf16> {
  // expected-error @+2 {{has no 'f16' value in [1.0001, 1.0002)}}
  // expected-error @+1 {{kiln does not lower onnx.RandomUniform to linalg yet}}
  %0 = "onnx.RandomUniform"() {shape = [4], dtype = 10 : i64, low = 1.0001 : f32, high = 1.0002 : f32} : () -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// Tests that an infinite bound is reported by name.
func.func @normal_like_infinite_high(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{expects finite low <= high}}
  // expected-error @+1 {{kiln does not lower onnx.RandomUniformLike to linalg yet}}
  %0 = "onnx.RandomUniformLike"(%x) {high = 0x7F800000 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that a RandomNormal of unknown shape is reported by name.
func.func @normal_unranked() -> tensor<*xf32> {
  // expected-error @+1 {{kiln does not lower onnx.RandomNormal to linalg yet}}
  %0 = "onnx.RandomNormal"() {shape = [2, 2]} : () -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Tests that a Dropout ratio of several elements is reported by name.
func.func @dropout_vector_ratio(%x: tensor<4xf32>, %r: tensor<2xf32>, %t: tensor<i1>) -> tensor<4xf32> {
  // expected-error @+1 {{kiln does not lower onnx.Dropout to linalg yet}}
  %0, %m = "onnx.Dropout"(%x, %r, %t) : (tensor<4xf32>, tensor<2xf32>, tensor<i1>) -> (tensor<4xf32>, none)
  return %0 : tensor<4xf32>
}
