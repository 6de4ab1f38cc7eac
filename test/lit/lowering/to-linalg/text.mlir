// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that TfIdfVectorizer turns its pool into per-output tables (the
// n-gram's tokens, its length, its weight) and counts each output's n-gram
// over the row's start positions and skip distances.
// CHECK-LABEL: func.func @tfidf_bigrams
// CHECK-DAG: arith.constant dense<{{\[\[}}5, 6], [7, 8], [6, 7]]> : tensor<3x2xi64>
// CHECK-DAG: arith.constant dense<2> : tensor<3xi64>
// CHECK: linalg.generic
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.cmpi eq
func.func @tfidf_bigrams(%x: tensor<12xi32>) -> tensor<3xf32> {
  %0 = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 2 : i64, max_skip_count = 0 : i64, min_gram_length = 2 : i64, mode = "TF", ngram_counts = [0 : i64, 0 : i64], ngram_indexes = [0 : i64, 1 : i64, 2 : i64], pool_int64s = [5 : i64, 6 : i64, 7 : i64, 8 : i64, 6 : i64, 7 : i64]} : (tensor<12xi32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Tests that TFIDF multiplies each count by the n-gram's weight.
// CHECK-LABEL: func.func @tfidf_weighted
// CHECK: arith.constant dense<[2.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK: linalg.generic
// CHECK: arith.mulf
func.func @tfidf_weighted(%x: tensor<2x6xi64>) -> tensor<2x2xf32> {
  %0 = "onnx.TfIdfVectorizer"(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "TFIDF", ngram_counts = [0 : i64], ngram_indexes = [0 : i64, 1 : i64], pool_int64s = [3 : i64, 4 : i64], weights = [2.0 : f32, 3.0 : f32]} : (tensor<2x6xi64>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that Equal on strings compares the element pointers' strings with
// the runtime helper (declared once), with broadcasting, instead of
// comparing the pointers.
// CHECK-LABEL: func.func private @kiln_rt_str_equal(i64, i64) -> i32
// CHECK-LABEL: func.func @equal_string
// CHECK: linalg.generic
// CHECK: %[[EQ:.*]] = func.call @kiln_rt_str_equal(%{{.*}}, %{{.*}}) : (i64, i64) -> i32
// CHECK: arith.cmpi ne, %[[EQ]]
// CHECK-NOT: arith.cmpi eq
func.func @equal_string(%a: tensor<2x3x!onnx.string>, %b: tensor<3x!onnx.string>) -> tensor<2x3xi1> {
  %0 = "onnx.Equal"(%a, %b) : (tensor<2x3x!onnx.string>, tensor<3x!onnx.string>) -> tensor<2x3xi1>
  return %0 : tensor<2x3xi1>
}

// -----

// Tests that RegexFullMatch calls the runtime matcher per element with the
// pattern passed by value: "a+" is the little-endian word 0x2b61, the other
// words are zero.
// CHECK-LABEL: func.func private @kiln_rt_regex_full_match(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i32
// CHECK-LABEL: func.func @regex
// CHECK: linalg.generic
// CHECK-DAG: %[[W0:.*]] = arith.constant 11105 : i64
// CHECK-DAG: %[[Z:.*]] = arith.constant 0 : i64
// CHECK: %[[M:.*]] = func.call @kiln_rt_regex_full_match(%{{.*}}, %[[W0]], %[[Z]],
// CHECK: arith.cmpi ne, %[[M]]
func.func @regex(%x: tensor<2x!onnx.string>) -> tensor<2xi1> {
  %0 = "onnx.RegexFullMatch"(%x) {pattern = "a+"} : (tensor<2x!onnx.string>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

// Tests that Equal against a constant scalar string passes the constant by
// value ("ab" is the word 0x6261) and drops the constant.
// CHECK-LABEL: func.func private @kiln_rt_str_equal_words
// CHECK-LABEL: func.func @equal_const_string
// CHECK-NOT: onnx.Constant
// CHECK: linalg.generic
// CHECK-DAG: %[[W0:.*]] = arith.constant 25185 : i64
// CHECK: func.call @kiln_rt_str_equal_words(%{{.*}}, %[[W0]],
func.func @equal_const_string(%x: tensor<3x!onnx.string>) -> tensor<3xi1> {
  %k = "onnx.Constant"() {value = dense<"ab"> : tensor<!onnx.string>} : () -> tensor<!onnx.string>
  %0 = "onnx.Equal"(%x, %k) : (tensor<3x!onnx.string>, tensor<!onnx.string>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}
