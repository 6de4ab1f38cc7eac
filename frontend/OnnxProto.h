//===- OnnxProto.h - The ONNX protobuf messages, as kiln sees them -*- C++ -*-===//
//
// Includes the C++ classes protoc generates from Debian's onnx.proto and
// names their namespace `pb`: inside `namespace kiln`, `onnx` is the dialect.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNXPROTO_H
#define KILN_FRONTEND_ONNXPROTO_H

#include "frontend/proto/onnx.pb.h"

namespace kiln {
namespace pb = ::onnx;
} // namespace kiln

#endif // KILN_FRONTEND_ONNXPROTO_H
