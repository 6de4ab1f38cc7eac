// RUN: kiln-opt %s -split-input-file -kiln-cpu-prepare-ukernel-epilogues | FileCheck %s

// Tests that a convolution with a bias init, a residual add and a Relu
// writes the Relu's buffer (here the result argument), the add and the Relu
// working in place on it, and that the intermediate allocations are gone.

// CHECK-LABEL: func.func @conv_add_relu
// CHECK-SAME: (%[[X:.*]]: memref<1x4x6x6xf32>, %[[W:.*]]: memref<8x4x1x1xf32>, %[[B:.*]]: memref<8xf32>, %[[R:.*]]: memref<1x8x6x6xf32>, %[[OUT:.*]]: memref<1x8x6x6xf32>)
// CHECK-NOT: memref.alloc
// CHECK: linalg.generic {{.*}} ins(%[[B]] : memref<8xf32>) outs(%[[OUT]] : memref<1x8x6x6xf32>)
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%[[OUT]] : memref<1x8x6x6xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[OUT]], %[[R]] : {{.*}}) outs(%[[OUT]] : memref<1x8x6x6xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[OUT]] : {{.*}}) outs(%[[OUT]] : memref<1x8x6x6xf32>)
// CHECK: arith.maximumf
// CHECK-NOT: memref.dealloc
func.func @conv_add_relu(%x: memref<1x4x6x6xf32>, %w: memref<8x4x1x1xf32>,
                         %b: memref<8xf32>, %r: memref<1x8x6x6xf32>,
                         %out: memref<1x8x6x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc() : memref<1x8x6x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : memref<8xf32>) outs(%y : memref<1x8x6x6xf32>) {
  ^bb0(%in: f32, %o: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                            strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<8x4x1x1xf32>)
    outs(%y : memref<1x8x6x6xf32>)
  %s = memref.alloc() : memref<1x8x6x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y, %r : memref<1x8x6x6xf32>, memref<1x8x6x6xf32>)
      outs(%s : memref<1x8x6x6xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %sum = arith.addf %a, %c : f32
    linalg.yield %sum : f32
  }
  memref.dealloc %y : memref<1x8x6x6xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : memref<1x8x6x6xf32>) outs(%out : memref<1x8x6x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  }
  memref.dealloc %s : memref<1x8x6x6xf32>
  return
}

// -----

// Tests that a convolution output read by another op as well keeps its
// buffer: the Relu's input is not the only reader.

// CHECK-LABEL: func.func @conv_two_readers
// CHECK: %[[Y:.*]] = memref.alloc()
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%[[Y]] :
// CHECK: linalg.generic {{.*}} ins(%[[Y]] : {{.*}}) outs(%{{.*}} :
// CHECK: memref.copy %[[Y]]
func.func @conv_two_readers(%x: memref<1x4x6x6xf32>, %w: memref<8x4x1x1xf32>,
                            %out: memref<1x8x6x6xf32>,
                            %out2: memref<1x8x6x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %y = memref.alloc() : memref<1x8x6x6xf32>
  linalg.fill ins(%zero : f32) outs(%y : memref<1x8x6x6xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
                            strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<8x4x1x1xf32>)
    outs(%y : memref<1x8x6x6xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>,
                                   affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : memref<1x8x6x6xf32>) outs(%out : memref<1x8x6x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  }
  memref.copy %y, %out2 : memref<1x8x6x6xf32> to memref<1x8x6x6xf32>
  memref.dealloc %y : memref<1x8x6x6xf32>
  return
}
