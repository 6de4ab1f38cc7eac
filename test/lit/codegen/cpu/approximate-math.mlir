// RUN: kiln-opt %s -kiln-cpu-approximate-math | FileCheck %s

// Tests that tanh, erf, exp and log (scalar and vector, f32 and f16) become
// polynomials on arith/math.fma, while ops LLVM lowers inline stay.

// CHECK-LABEL: func.func @approximated
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK-NOT: math.log
// CHECK: math.fma
// CHECK: return
func.func @approximated(%x: f32, %v: vector<8xf32>, %h: f16) -> (f32, vector<8xf32>, f32, f32, f16) {
  %a = math.tanh %x : f32
  %b = math.erf %v : vector<8xf32>
  %c = math.exp %x : f32
  %d = math.log %x : f32
  %e = math.tanh %h : f16
  return %a, %b, %c, %d, %e : f32, vector<8xf32>, f32, f32, f16
}

// CHECK-LABEL: func.func @kept
// CHECK: math.sqrt
// CHECK: math.absf
// CHECK: math.floor
func.func @kept(%x: f32) -> (f32, f32, f32) {
  %a = math.sqrt %x : f32
  %b = math.absf %x : f32
  %c = math.floor %x : f32
  return %a, %b, %c : f32, f32, f32
}

// Tests that asinh, acosh and atanh (no LLVM intrinsic) are expanded into
// sqrt and an approximated log.

// CHECK-LABEL: func.func @inverse_hyperbolic
// CHECK-NOT: math.asinh
// CHECK-NOT: math.acosh
// CHECK-NOT: math.atanh
// CHECK-NOT: math.log
// CHECK: math.sqrt
// CHECK: return
func.func @inverse_hyperbolic(%x: f32) -> (f32, f32, f32) {
  %a = math.asinh %x : f32
  %b = math.acosh %x : f32
  %c = math.atanh %x : f32
  return %a, %b, %c : f32, f32, f32
}
