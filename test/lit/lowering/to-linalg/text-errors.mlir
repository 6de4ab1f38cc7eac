// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Tests that a pattern outside the supported RE2 subset is a compile-time
// error naming the reason (and the op left unlowered).
func.func @lookahead(%x: tensor<2x!onnx.string>) -> tensor<2xi1> {
  // expected-error @+2 {{pattern '(?=a)b' is not supported: look-arounds, flags and named groups are not supported}}
  // expected-error @+1 {{kiln does not lower onnx.RegexFullMatch to linalg yet}}
  %0 = "onnx.RegexFullMatch"(%x) {pattern = "(?=a)b"} : (tensor<2x!onnx.string>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

// Tests that a string pool in TfIdfVectorizer is reported, not miscounted.
func.func @tfidf_strings(%x: tensor<4xi64>) -> tensor<1xf32> {
  // expected-error @+2 {{needs pool_int64s}}
  // expected-error @+1 {{kiln does not lower onnx.TfIdfVectorizer to linalg yet}}
  %0 = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "TF", ngram_counts = [0], ngram_indexes = [0], pool_strings = ["a"]} : (tensor<4xi64>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}
