// RUN: kiln-opt %s -onnx-resolve-sequences -split-input-file | FileCheck %s

// Tests that SequenceAt of a constructed, erased sequence at a constant
// position becomes the element and the sequence ops go away.
// CHECK-LABEL: func.func @construct_erase_at
// CHECK-NOT: onnx.Sequence
// CHECK: return %arg2
func.func @construct_erase_at(%x: tensor<2xf32>, %y: tensor<2xf32>, %z: tensor<2xf32>) -> tensor<2xf32> {
  %p = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %0 = "onnx.SequenceConstruct"(%x, %y, %z) : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> !onnx.seq<tensor<2xf32>>
  %1 = "onnx.SequenceErase"(%0, %p) : (!onnx.seq<tensor<2xf32>>, tensor<i64>) -> !onnx.seq<tensor<2xf32>>
  %2 = "onnx.SequenceAt"(%1, %p) : (!onnx.seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %2 : tensor<2xf32>
}

// -----

// Tests that SequenceInsert without a position appends and SequenceLength
// becomes a constant.
// CHECK-LABEL: func.func @insert_length
// CHECK: %[[N:.*]] = "onnx.Constant"() <{value = dense<2> : tensor<i64>}>
// CHECK-NOT: onnx.Sequence
// CHECK: return %[[N]]
func.func @insert_length(%x: tensor<2xf32>) -> tensor<i64> {
  %none = onnx.NoValue
  %0 = "onnx.SequenceEmpty"() : () -> !onnx.seq<tensor<*xf32>>
  %1 = "onnx.SequenceInsert"(%0, %x, %none) : (!onnx.seq<tensor<*xf32>>, tensor<2xf32>, none) -> !onnx.seq<tensor<*xf32>>
  %2 = "onnx.SequenceInsert"(%1, %x, %none) : (!onnx.seq<tensor<*xf32>>, tensor<2xf32>, none) -> !onnx.seq<tensor<*xf32>>
  %3 = "onnx.SequenceLength"(%2) : (!onnx.seq<tensor<*xf32>>) -> tensor<i64>
  return %3 : tensor<i64>
}

// -----

// Tests that ConcatFromSequence with new_axis unsqueezes every element and
// concatenates them.
// CHECK-LABEL: func.func @concat_new_axis
// CHECK: %[[A:.*]] = "onnx.Unsqueeze"(%arg0, %{{.*}})
// CHECK: %[[B:.*]] = "onnx.Unsqueeze"(%arg1, %{{.*}})
// CHECK: "onnx.Concat"(%[[A]], %[[B]]) <{axis = 2 : i64}>
func.func @concat_new_axis(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<*xf32> {
  %0 = "onnx.SequenceConstruct"(%x, %y) : (tensor<2x3xf32>, tensor<2x3xf32>) -> !onnx.seq<tensor<2x3xf32>>
  %1 = "onnx.ConcatFromSequence"(%0) <{axis = -1 : i64, new_axis = 1 : i64}> : (!onnx.seq<tensor<2x3xf32>>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

// Tests that SplitToSequence without split makes chunks of one, squeezed
// without keepdims.
// CHECK-LABEL: func.func @split_squeeze
// CHECK: %[[S:.*]]:2 = "onnx.Split"(%arg0, %{{.*}}) <{axis = 0 : i64, num_outputs = 2 : i64}>
// CHECK: "onnx.Squeeze"(%[[S]]#1, %{{.*}})
func.func @split_squeeze(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  %p = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %0 = "onnx.SplitToSequence"(%x, %none) <{keepdims = 0 : i64}> : (tensor<2x3xf32>, none) -> !onnx.seq<tensor<*xf32>>
  %1 = "onnx.SequenceAt"(%0, %p) : (!onnx.seq<tensor<*xf32>>, tensor<i64>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

// Tests that OptionalHasElement folds for a tensor and for an omitted input,
// and that a run-time position is left alone.
// CHECK-LABEL: func.func @optional_and_runtime
// CHECK-DAG: "onnx.Constant"() <{value = dense<true> : tensor<i1>}>
// CHECK-DAG: "onnx.Constant"() <{value = dense<false> : tensor<i1>}>
// CHECK: "onnx.SequenceAt"
func.func @optional_and_runtime(%x: tensor<2xf32>, %p: tensor<i64>) -> (tensor<i1>, tensor<i1>, tensor<2xf32>) {
  %none = onnx.NoValue
  %0 = "onnx.OptionalHasElement"(%x) : (tensor<2xf32>) -> tensor<i1>
  %1 = "onnx.OptionalHasElement"(%none) : (none) -> tensor<i1>
  %2 = "onnx.SequenceConstruct"(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.seq<tensor<2xf32>>
  %3 = "onnx.SequenceAt"(%2, %p) : (!onnx.seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %0, %1, %3 : tensor<i1>, tensor<i1>, tensor<2xf32>
}

// -----

// Tests that a returned sequence of known length becomes one graph output
// per element, named `name[i]`.
// CHECK-LABEL: func.func @sequence_output
// CHECK-SAME: -> (tensor<2xf32> {onnx.name = "seq[0]"}, tensor<3xf32> {onnx.name = "seq[1]"}, tensor<i64> {onnx.name = "n"})
// CHECK: return %arg0, %arg1, %{{.*}} : tensor<2xf32>, tensor<3xf32>, tensor<i64>
func.func @sequence_output(%x: tensor<2xf32>, %y: tensor<3xf32>) -> (!onnx.seq<tensor<?xf32>> {onnx.name = "seq"}, tensor<i64> {onnx.name = "n"}) {
  %0 = "onnx.SequenceConstruct"(%x, %y) : (tensor<2xf32>, tensor<3xf32>) -> !onnx.seq<tensor<?xf32>>
  %1 = "onnx.SequenceLength"(%0) : (!onnx.seq<tensor<?xf32>>) -> tensor<i64>
  return %0, %1 : !onnx.seq<tensor<?xf32>>, tensor<i64>
}

// -----

// Tests that an If whose branches yield sequences of one length yields
// their elements instead, and the sequence ops in the branches go away.
// CHECK-LABEL: func.func @if_sequence
// CHECK: %[[R:.*]] = "onnx.If"(%arg0) ({
// CHECK-NEXT: onnx.Yield %arg1 : tensor<5xf32>
// CHECK: }, {
// CHECK-NEXT: onnx.Yield %arg2 : tensor<5xf32>
// CHECK: }) : (tensor<i1>) -> tensor<*xf32>
// CHECK-NOT: onnx.Sequence
// CHECK: return %[[R]] : tensor<*xf32>
func.func @if_sequence(%c: tensor<i1>, %x: tensor<5xf32>, %y: tensor<5xf32>) -> (!onnx.seq<tensor<5xf32>> {onnx.name = "res"}) {
  %0 = "onnx.If"(%c) ({
    %1 = "onnx.SequenceConstruct"(%x) : (tensor<5xf32>) -> !onnx.seq<tensor<5xf32>>
    onnx.Yield %1 : !onnx.seq<tensor<5xf32>>
  }, {
    %2 = "onnx.SequenceConstruct"(%y) : (tensor<5xf32>) -> !onnx.seq<tensor<5xf32>>
    onnx.Yield %2 : !onnx.seq<tensor<5xf32>>
  }) : (tensor<i1>) -> !onnx.seq<tensor<5xf32>>
  return %0 : !onnx.seq<tensor<5xf32>>
}

// -----

// Tests that a Loop carrying a sequence for a constant number of
// iterations (its trip count a resolved SequenceLength) is unrolled, so
// the SequenceAt at the iteration number resolves, and that Identity of a
// sequence keeps its elements: the output becomes two tensor outputs.
// CHECK-LABEL: func.func @unroll_loop
// CHECK-NOT: onnx.Loop
// CHECK-NOT: onnx.Sequence
// CHECK: %[[A:.*]] = "onnx.Add"(%arg0, %arg2)
// CHECK: %[[B:.*]] = "onnx.Add"(%arg1, %arg2)
// CHECK: return %[[A]], %[[B]]
func.func @unroll_loop(%x: tensor<2xf32>, %y: tensor<2xf32>, %t: tensor<2xf32>) -> (!onnx.seq<tensor<2xf32>> {onnx.name = "out"}) {
  %seq = "onnx.SequenceConstruct"(%x, %y) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.seq<tensor<2xf32>>
  %n = "onnx.SequenceLength"(%seq) : (!onnx.seq<tensor<2xf32>>) -> tensor<i64>
  %true = "onnx.Constant"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
  %empty = "onnx.SequenceEmpty"() {dtype = 1 : i64} : () -> !onnx.seq<tensor<2xf32>>
  %res = "onnx.Loop"(%n, %true, %empty) ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %acc: !onnx.seq<tensor<2xf32>>):
    %c2 = "onnx.Identity"(%c) : (tensor<i1>) -> tensor<i1>
    %e = "onnx.SequenceAt"(%seq, %i) : (!onnx.seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
    %s = "onnx.Add"(%e, %t) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    %none = onnx.NoValue
    %next = "onnx.SequenceInsert"(%acc, %s, %none) : (!onnx.seq<tensor<2xf32>>, tensor<2xf32>, none) -> !onnx.seq<tensor<2xf32>>
    onnx.Yield %c2, %next : tensor<i1>, !onnx.seq<tensor<2xf32>>
  }) : (tensor<i64>, tensor<i1>, !onnx.seq<tensor<2xf32>>) -> !onnx.seq<tensor<2xf32>>
  %out = "onnx.Identity"(%res) : (!onnx.seq<tensor<2xf32>>) -> !onnx.seq<tensor<2xf32>>
  return %out : !onnx.seq<tensor<2xf32>>
}
