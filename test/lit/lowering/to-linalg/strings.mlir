// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that StringConcat makes every broadcast element pair's string with
// the runtime helper (declared once), not by arithmetic on the pointers.
// CHECK-LABEL: func.func private @kiln_rt_str_concat(i64, i64) -> i64
// CHECK-LABEL: func.func @concat
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x3xi64>, tensor<3xi64>)
// CHECK: %[[Z:.*]] = func.call @kiln_rt_str_concat(%{{.*}}, %{{.*}}) : (i64, i64) -> i64
// CHECK: linalg.yield %[[Z]]
func.func @concat(%a: tensor<2x3x!onnx.string>, %b: tensor<3x!onnx.string>) -> tensor<2x3x!onnx.string> {
  %0 = "onnx.StringConcat"(%a, %b) : (tensor<2x3x!onnx.string>, tensor<3x!onnx.string>) -> tensor<2x3x!onnx.string>
  return %0 : tensor<2x3x!onnx.string>
}

// -----

// Tests that StringSplit counts the pieces per element, takes the largest
// count as the last dim (checked against overflow), and fills that dim with
// the pieces by position; the delimiter "." (0x2e) and maxsplit 2 go by
// value.
// CHECK-LABEL: func.func @split
// CHECK-SAME: (%[[X:.*]]: tensor<2xi64>)
// CHECK: %[[COUNTS:.*]] = linalg.generic
// CHECK-DAG: %[[MAXSPLIT:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[DELIM:.*]] = arith.constant 46 : i64
// CHECK: func.call @kiln_rt_str_split_count(%{{.*}}, %[[MAXSPLIT]], %[[DELIM]],
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK: arith.maxsi
// CHECK: %[[WIDEST:.*]] = tensor.extract %[[MAX]][]
// CHECK: %[[WIDTH:.*]] = arith.index_cast %[[WIDEST]]
// CHECK: cf.assert %{{.*}}, "onnx.StringSplit: the substrings do not fit in memory"
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[WIDTH]]) : tensor<2x?xi64>
// CHECK: %[[PIECES:.*]] = linalg.generic
// CHECK-SAME: ins(%[[X]] : tensor<2xi64>) outs(%[[EMPTY]] : tensor<2x?xi64>)
// CHECK: %[[K:.*]] = linalg.index 1
// CHECK: %[[K64:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK: func.call @kiln_rt_str_split_piece(%{{.*}}, %[[K64]],
// CHECK: return %[[PIECES]], %[[COUNTS]]
func.func @split(%x: tensor<2x!onnx.string>) -> (tensor<2x?x!onnx.string>, tensor<2xi64>) {
  %y, %z = "onnx.StringSplit"(%x) {delimiter = ".", maxsplit = 2 : i64} : (tensor<2x!onnx.string>) -> (tensor<2x?x!onnx.string>, tensor<2xi64>)
  return %y, %z : tensor<2x?x!onnx.string>, tensor<2xi64>
}

// -----

// Tests that a last dim the model declares static is checked at run time
// (except for an empty input) before the cast, and that without a
// delimiter and maxsplit the helper gets "" and -1 (split at whitespace,
// no limit).
// CHECK-LABEL: func.func @split_declared
// CHECK-DAG: %[[NOLIMIT:.*]] = arith.constant -1 : i64
// CHECK-DAG: %[[NONE:.*]] = arith.constant 0 : i64
// CHECK: func.call @kiln_rt_str_split_count(%{{.*}}, %[[NOLIMIT]], %[[NONE]],
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: arith.select %{{.*}}, %[[C3]], %{{.*}} : index
// CHECK: cf.assert %{{.*}}, "onnx.StringSplit: the largest number of substrings differs from the size the model declares (3)"
// CHECK: tensor.cast %{{.*}} : tensor<2x2x?xi64> to tensor<2x2x3xi64>
func.func @split_declared(%x: tensor<2x2x!onnx.string>) -> (tensor<2x2x3x!onnx.string>, tensor<2x2xi64>) {
  %y, %z = "onnx.StringSplit"(%x) : (tensor<2x2x!onnx.string>) -> (tensor<2x2x3x!onnx.string>, tensor<2x2xi64>)
  return %y, %z : tensor<2x2x3x!onnx.string>, tensor<2x2xi64>
}

// -----

// Tests that StringNormalizer on [1, C] matches each element against a
// table of the stopwords' words ("monday", "ab") folded to upper case (2),
// counts the kept elements (at least one result), writes the kept ones
// upper-cased in order, and checks the declared size.
// CHECK-LABEL: func.func private @kiln_rt_str_change_case(i64, i32) -> i64
// CHECK-LABEL: func.func @normalize
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<1x4xi64> into tensor<4xi64>
// CHECK: %[[TABLE:.*]] = arith.constant dense<{{\[\[}}133459203747693, 0, {{.*}}], [25185, 0, {{.*}}]]> : tensor<2x16xi64>
// CHECK: %[[KEEP:.*]] = linalg.generic
// CHECK: scf.for
// CHECK: %[[FOLD:.*]] = arith.constant 2 : i32
// CHECK: func.call @kiln_rt_str_stopword(%{{.*}}, %[[FOLD]],
// CHECK: arith.ori
// CHECK: arith.xori
// CHECK: linalg.generic
// CHECK: arith.addi
// CHECK: %[[SIZE:.*]] = arith.maxui
// CHECK: %[[OUT:.*]] = tensor.empty(%[[SIZE]]) : tensor<?xi64>
// CHECK: %[[FILLED:.*]] = linalg.fill ins(%{{.*}} : i64) outs(%[[OUT]] : tensor<?xi64>)
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[FILLED]], %[[AT:.*]] = %{{.*}})
// CHECK: tensor.extract %[[KEEP]][%[[I]]]
// CHECK: scf.if
// CHECK: %[[V:.*]] = tensor.extract %[[FLAT]][%[[I]]]
// CHECK: %[[UP:.*]] = arith.constant 1 : i32
// CHECK: %[[NEW:.*]] = func.call @kiln_rt_str_change_case(%[[V]], %[[UP]])
// CHECK: tensor.insert %[[NEW]] into %[[ACC]][%[[AT]]]
// CHECK: tensor.expand_shape %[[LOOP]]#0 {{\[\[}}0, 1]] output_shape [1, %[[SIZE]]]
// CHECK: cf.assert %{{.*}}, "onnx.StringNormalizer: the number of strings kept differs from the size the model declares (3)"
// CHECK: tensor.cast %{{.*}} : tensor<1x?xi64> to tensor<1x3xi64>
func.func @normalize(%x: tensor<1x4x!onnx.string>) -> tensor<1x3x!onnx.string> {
  %0 = "onnx.StringNormalizer"(%x) {case_change_action = "UPPER", is_case_sensitive = 0 : i64, stopwords = ["monday", "ab"]} : (tensor<1x4x!onnx.string>) -> tensor<1x3x!onnx.string>
  return %0 : tensor<1x3x!onnx.string>
}

// -----

// Tests that StringNormalizer without stopwords or a case change only
// copies the elements (no helper call, nothing dropped).
// CHECK-LABEL: func.func @normalize_nothing
// CHECK-NOT: func.call
// CHECK: scf.for
// CHECK-NOT: scf.if
// CHECK: tensor.insert
func.func @normalize_nothing(%x: tensor<?x!onnx.string>) -> tensor<?x!onnx.string> {
  %0 = "onnx.StringNormalizer"(%x) {is_case_sensitive = 1 : i64} : (tensor<?x!onnx.string>) -> tensor<?x!onnx.string>
  return %0 : tensor<?x!onnx.string>
}

// -----

// Tests that a Constant of strings becomes a table of each element's words
// ("hi" is 0x6968, "yo" 0x6f79) read by position, one string made per
// element at run time.
// CHECK-LABEL: func.func private @kiln_rt_str_from_words(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64
// CHECK-LABEL: func.func @constant
// CHECK: %[[TABLE:.*]] = arith.constant dense<{{\[\[}}26984, 0, {{.*}}], [28537, 0, {{.*}}]]> : tensor<2x16xi64>
// CHECK: %[[C:.*]] = linalg.generic
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: tensor.extract %[[TABLE]][%[[ROW]], %{{.*}}]
// CHECK: func.call @kiln_rt_str_from_words(
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %[[C]] : tensor<2xi64>, tensor<2xi64>)
// CHECK: func.call @kiln_rt_str_concat
func.func @constant(%x: tensor<2x!onnx.string>) -> tensor<2x!onnx.string> {
  %c = "onnx.Constant"() {value = dense<["hi", "yo"]> : tensor<2x!onnx.string>} : () -> tensor<2x!onnx.string>
  %0 = "onnx.StringConcat"(%x, %c) : (tensor<2x!onnx.string>, tensor<2x!onnx.string>) -> tensor<2x!onnx.string>
  return %0 : tensor<2x!onnx.string>
}
