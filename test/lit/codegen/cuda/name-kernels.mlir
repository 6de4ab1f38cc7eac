// RUN: kiln-opt %s -pass-pipeline='builtin.module(func.func(kiln-cuda-map-to-gpu),gpu-kernel-outlining,kiln-cuda-name-kernels)' \
// RUN:   | FileCheck %s

// Tests that outlined kernels are renamed k<N>_<ONNX node> in launch order
// (the node from the frontend's NameLoc, made an identifier) and that the
// launches follow.

// CHECK: gpu.launch_func @f_kernel::@k0_layers_0_ffn_MatMul
// CHECK: gpu.launch_func @f_kernel_0::@k1_Relu_3
// CHECK: gpu.func @k0_layers_0_ffn_MatMul
// CHECK: gpu.func @k1_Relu_3
module attributes {gpu.container_module} {
  func.func @f(%a: memref<4xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
      %x = memref.load %a[%i] : memref<4xf32>
      %y = arith.addf %x, %x : f32
      memref.store %y, %a[%i] : memref<4xf32>
      scf.reduce
    } loc(fused<"MatMul">["/layers.0/ffn/MatMul"("m.onnx":0:0)])
    scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
      %x = memref.load %a[%i] : memref<4xf32>
      %y = arith.mulf %x, %x : f32
      memref.store %y, %a[%i] : memref<4xf32>
      scf.reduce
    } loc(fused<"Relu">["Relu_3"("m.onnx":0:0)])
    return
  }
}
