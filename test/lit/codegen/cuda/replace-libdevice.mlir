// RUN: kiln-opt %s -split-input-file -verify-diagnostics \
// RUN:   -pass-pipeline='builtin.module(gpu.module(kiln-cuda-replace-libdevice))' \
// RUN:   | FileCheck %s

// Tests that libdevice calls with an intrinsic equivalent are replaced and
// their declarations dropped.

// CHECK-LABEL: gpu.module @kernels
// CHECK-NOT: __nv_
// CHECK: llvm.intr.fabs
// CHECK: llvm.intr.sqrt
// CHECK: llvm.intr.fma
// CHECK: llvm.intr.maxnum
// CHECK: llvm.frem
gpu.module @kernels {
  llvm.func @__nv_fmodf(f32, f32) -> f32
  llvm.func @__nv_fabsf(f32) -> f32
  llvm.func @__nv_sqrtf(f32) -> f32
  llvm.func @__nv_fmaf(f32, f32, f32) -> f32
  llvm.func @__nv_fmaxf(f32, f32) -> f32
  llvm.func @k(%x: f32) -> f32 {
    %a = llvm.call @__nv_fabsf(%x) : (f32) -> f32
    %b = llvm.call @__nv_sqrtf(%a) : (f32) -> f32
    %c = llvm.call @__nv_fmaf(%a, %b, %x) : (f32, f32, f32) -> f32
    %d = llvm.call @__nv_fmaxf(%c, %x) : (f32, f32) -> f32
    %e = llvm.call @__nv_fmodf(%d, %x) : (f32, f32) -> f32
    llvm.return %e : f32
  }
}

// -----

// Tests that a libdevice function without a replacement is an error.

gpu.module @kernels {
  llvm.func @__nv_lgammaf(f32) -> f32
  llvm.func @k(%x: f32) -> f32 {
    // expected-error @+1 {{'__nv_lgammaf' needs libdevice}}
    %a = llvm.call @__nv_lgammaf(%x) : (f32) -> f32
    llvm.return %a : f32
  }
}
