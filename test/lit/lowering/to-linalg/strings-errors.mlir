// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Tests that a locale whose case rules kiln does not implement is a
// compile-time error, not a silently different mapping.
func.func @turkish(%x: tensor<2x!onnx.string>) -> tensor<?x!onnx.string> {
  // expected-error @+2 {{locale 'tr_TR' is not supported (case mapping follows C/English rules)}}
  // expected-error @+1 {{kiln does not lower onnx.StringNormalizer to linalg yet}}
  %0 = "onnx.StringNormalizer"(%x) {case_change_action = "LOWER", locale = "tr_TR"} : (tensor<2x!onnx.string>) -> tensor<?x!onnx.string>
  return %0 : tensor<?x!onnx.string>
}

// -----

// Tests that a stopword the runtime could not case-fold (Armenian) is
// reported at compile time.
func.func @armenian_stopword(%x: tensor<2x!onnx.string>) -> tensor<?x!onnx.string> {
  // expected-error @+2 {{stopword 'Բարեւ' cannot be case-folded: it holds a character whose case mapping kiln does not implement}}
  // expected-error @+1 {{kiln does not lower onnx.StringNormalizer to linalg yet}}
  %0 = "onnx.StringNormalizer"(%x) {is_case_sensitive = 0 : i64, stopwords = ["Բարեւ"]} : (tensor<2x!onnx.string>) -> tensor<?x!onnx.string>
  return %0 : tensor<?x!onnx.string>
}

// -----

// Tests that StringNormalizer refuses a [2, C] input (the spec allows [C]
// and [1, C] only).
func.func @two_rows(%x: tensor<2x3x!onnx.string>) -> tensor<2x?x!onnx.string> {
  // expected-error @+2 {{expects an input of shape [1, C], got [2, ...]}}
  // expected-error @+1 {{kiln does not lower onnx.StringNormalizer to linalg yet}}
  %0 = "onnx.StringNormalizer"(%x) : (tensor<2x3x!onnx.string>) -> tensor<2x?x!onnx.string>
  return %0 : tensor<2x?x!onnx.string>
}

// -----

// Tests that a delimiter too long to pass by value is reported.
func.func @long_delimiter(%x: tensor<2x!onnx.string>) -> (tensor<2x?x!onnx.string>, tensor<2xi64>) {
  // expected-error @+2 {{delimiters of more than 127 bytes or with a NUL are not supported}}
  // expected-error @+1 {{kiln does not lower onnx.StringSplit to linalg yet}}
  %y, %z = "onnx.StringSplit"(%x) {delimiter = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"} : (tensor<2x!onnx.string>) -> (tensor<2x?x!onnx.string>, tensor<2xi64>)
  return %y, %z : tensor<2x?x!onnx.string>, tensor<2xi64>
}

// -----

// Tests that a string constant too long to pass by value is reported, not
// reinterpreted as numbers.
func.func @long_constant() -> tensor<1x!onnx.string> {
  // expected-error @+2 {{string constants of more than 127 bytes or with a NUL are not supported}}
  // expected-error @+1 {{kiln does not lower onnx.Constant to linalg yet}}
  %c = "onnx.Constant"() {value = dense<["0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"]> : tensor<1x!onnx.string>} : () -> tensor<1x!onnx.string>
  return %c : tensor<1x!onnx.string>
}
