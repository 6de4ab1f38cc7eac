// RUN: kiln-opt %s -convert-onnx-to-linalg -split-input-file | FileCheck %s

// Tests that MaxPool pads with -inf and uses linalg.pooling_nchw_max, with
// ceil_mode adding end padding for the last window.
// CHECK-LABEL: func.func @maxpool_ceil
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NINF]]
// CHECK: %[[WIN:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %[[WIN]] : tensor<1x1x6x6xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x1x3x3xf32>)
func.func @maxpool_ceil(%x: tensor<1x1x5x5xf32>) -> tensor<1x1x3x3xf32> {
  %0, %1 = "onnx.MaxPool"(%x) {kernel_shape = [2, 2], strides = [2, 2], ceil_mode = 1 : i64} : (tensor<1x1x5x5xf32>) -> (tensor<1x1x3x3xf32>, none)
  return %0 : tensor<1x1x3x3xf32>
}

// -----

// Tests that AveragePool sums with linalg.pooling_nchw_sum and divides by a
// per-output window count computed from linalg.index.
// CHECK-LABEL: func.func @avgpool_pads
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: linalg.pooling_nchw_sum
// CHECK: linalg.generic
// CHECK: linalg.index 2
// CHECK: linalg.index 3
// CHECK: arith.divf
func.func @avgpool_pads(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %0 = "onnx.AveragePool"(%x) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

// Tests that GlobalAveragePool reduces the spatial dims, divides by their
// size, and restores them as unit dims.
// CHECK-DAG: #[[RED:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @global_avg
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[RED]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK: arith.divf
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] {{.*}} : tensor<?x8xf32> into tensor<?x8x1x1xf32>
func.func @global_avg(%x: tensor<?x8x7x7xf32>) -> tensor<?x8x1x1xf32> {
  %0 = "onnx.GlobalAveragePool"(%x) : (tensor<?x8x7x7xf32>) -> tensor<?x8x1x1xf32>
  return %0 : tensor<?x8x1x1xf32>
}

// -----

// Tests that MaxPool with a used Indices output reduces (value, index) pairs
// in one windowed generic: the index is (n * C + c) * H * W + h * W + w of
// the unpadded input, padding never wins, and the indices start at -1.
// CHECK-LABEL: func.func @maxpool_indices
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[MINUS1:.*]] = arith.constant -1 : i64
// CHECK: %[[IDX:.*]] = linalg.fill ins(%[[MINUS1]] : i64) outs(%{{.*}} : tensor<1x2x3x3xi64>)
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<1x2x7x7xf32>, tensor<3x3xf32>) outs(%{{.*}}, %[[IDX]] : tensor<1x2x3x3xf32>, tensor<1x2x3x3xi64>)
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @maxpool_indices(%x: tensor<1x2x5x5xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xi64>) {
  %0, %1 = "onnx.MaxPool"(%x) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<1x2x5x5xf32>) -> (tensor<1x2x3x3xf32>, tensor<1x2x3x3xi64>)
  return %0, %1 : tensor<1x2x3x3xf32>, tensor<1x2x3x3xi64>
}

// -----

// Tests that storage_order = 1 flattens the spatial position column-major,
// h + w * H: the running stride after h is 1 * H (4), not 1 * W (6).
// CHECK-LABEL: func.func @maxpool_indices_column_major
// CHECK: linalg.generic
// CHECK: arith.muli %c1{{[_0-9]*}}, %c4{{[_0-9]*}} : index
func.func @maxpool_indices_column_major(%x: tensor<1x1x4x6xf32>) -> (tensor<1x1x2x3xf32>, tensor<1x1x2x3xi64>) {
  %0, %1 = "onnx.MaxPool"(%x) {kernel_shape = [2, 2], strides = [2, 2], storage_order = 1 : i64} : (tensor<1x1x4x6xf32>) -> (tensor<1x1x2x3xf32>, tensor<1x1x2x3xi64>)
  return %0, %1 : tensor<1x1x2x3xf32>, tensor<1x1x2x3xi64>
}

// -----

// Tests that LpPool with p = 2 squares |x|, pads with 0, sums the window
// with the 2-D sum pooling, and takes the square root.
// CHECK-LABEL: func.func @lppool_p2
// CHECK: math.absf
// CHECK: arith.mulf
// CHECK: tensor.pad
// CHECK: linalg.pooling_nchw_sum
// CHECK: math.sqrt
func.func @lppool_p2(%x: tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %0 = "onnx.LpPool"(%x) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], p = 2 : i64} : (tensor<1x3x4x4xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// Tests that Col2Im with run-time image and block shapes checks them against
// the input's sizes and sums, per image element, the columns of the blocks
// covering it (reduction dims over the block shape).
// CHECK-LABEL: func.func @col2im
// CHECK: cf.assert %{{.*}}, "onnx.Col2Im: image_shape/block_shape do not fit the input's sizes"
// CHECK: %[[K:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[K]] : tensor<?x?xf32>) outs(%{{.*}} : tensor<1x1x5x5xf32>)
// CHECK: arith.remui
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] : tensor<1x5x5xf32>
// CHECK: arith.addf
func.func @col2im(%x: tensor<1x5x5xf32>, %i: tensor<2xi64>, %bs: tensor<2xi64>) -> tensor<1x1x5x5xf32> {
  %0 = "onnx.Col2Im"(%x, %i, %bs) : (tensor<1x5x5xf32>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}

// -----

// Tests that MaxUnpool checks its indices, scatters X in element order into
// a zero image of the unpooled shape, and zero-pads it to output_shape.
// CHECK-LABEL: func.func @maxunpool
// CHECK: cf.assert %{{.*}}, "onnx.MaxUnpool: an index is outside the unpooled output"
// CHECK: scf.for {{.*}} -> (tensor<16xf32>)
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%{{.*}}] : tensor<16xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2, 3]] output_shape [1, 1, 4, 4] : tensor<16xf32> into tensor<1x1x4x4xf32>
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 0] high[0, 0, 1, 1]
func.func @maxunpool(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x5x5xf32> {
  %s = "onnx.Constant"() {value = dense<[1, 1, 5, 5]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = "onnx.MaxUnpool"(%x, %i, %s) {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<4xi64>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}
