//===- ModelReader.cpp - Reading and validating ONNX model files ----------===//
//
// Parsing never trusts the bytes: the file size is bounded, the protobuf
// recursion limit is set, and protobuf's log output is silenced so that the
// only thing a user sees is kiln's one-line error.
//
//===----------------------------------------------------------------------===//

#include "frontend/ModelReader.h"

#include "dialect/OnnxSchema.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/text_format.h>

#include <climits>
#include <cstring>

using namespace mlir;

namespace kiln {

void silenceProtobufLogging() {
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char *, int, const std::string &) {
      });
}

static InFlightDiagnostic fileError(MLIRContext &ctx, llvm::StringRef path) {
  return emitError(FileLineColLoc::get(&ctx, path, 0, 0));
}

FailureOr<std::unique_ptr<pb::ModelProto>>
parseModelBytes(MLIRContext &ctx, llvm::StringRef bytes, llvm::StringRef path,
                const ReadLimits &limits) {
  silenceProtobufLogging();
  if (bytes.size() > limits.maxFileBytes || bytes.size() > INT_MAX) {
    fileError(ctx, path) << "model file is too large (" << bytes.size()
                         << " bytes; protobuf models must be under 2 GiB)";
    return failure();
  }
  google::protobuf::io::ArrayInputStream array(bytes.data(),
                                               static_cast<int>(bytes.size()));
  return parseModelStream(ctx, array, path, limits);
}

FailureOr<std::unique_ptr<pb::ModelProto>>
parseModelStream(MLIRContext &ctx,
                 google::protobuf::io::ZeroCopyInputStream &input,
                 llvm::StringRef path, const ReadLimits &limits) {
  auto model = std::make_unique<pb::ModelProto>();
  google::protobuf::io::CodedInputStream stream(&input);
  stream.SetRecursionLimit(limits.recursionLimit);
  stream.SetTotalBytesLimit(INT_MAX);
  if (!model->ParseFromCodedStream(&stream) ||
      !stream.ConsumedEntireMessage()) {
    fileError(ctx, path)
        << "cannot parse the model: not a valid ONNX protobuf file "
           "(truncated, corrupt, or nested deeper than "
        << limits.recursionLimit << " levels)";
    return failure();
  }
  return model;
}

namespace {
/// Keeps the first text-format parse error.
class TextErrorCollector : public google::protobuf::io::ErrorCollector {
public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string &message) override {
    if (first.empty())
      first = "line " + std::to_string(line + 1) + ":" +
              std::to_string(column + 1) + ": " + message;
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber,
                  const std::string &) override {}
  std::string first;
};
} // namespace

FailureOr<std::unique_ptr<pb::ModelProto>>
parseModelText(MLIRContext &ctx, llvm::StringRef text, llvm::StringRef path,
               const ReadLimits &limits) {
  silenceProtobufLogging();
  if (text.size() > limits.maxFileBytes || text.size() > INT_MAX) {
    fileError(ctx, path) << "model file is too large (" << text.size()
                         << " bytes)";
    return failure();
  }
  auto model = std::make_unique<pb::ModelProto>();
  TextErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.SetRecursionLimit(limits.recursionLimit);
  google::protobuf::io::ArrayInputStream array(text.data(),
                                               static_cast<int>(text.size()));
  if (!parser.Parse(&array, model.get())) {
    fileError(ctx, path) << "cannot parse the text-format model: "
                         << (errors.first.empty() ? "syntax error"
                                                  : errors.first);
    return failure();
  }
  return model;
}

FailureOr<std::unique_ptr<pb::ModelProto>>
readModelFile(MLIRContext &ctx, llvm::StringRef path,
              const ReadLimits &limits) {
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status)) {
    fileError(ctx, path) << "cannot open the model file: " << ec.message();
    return failure();
  }
  if (status.type() != llvm::sys::fs::file_type::regular_file) {
    fileError(ctx, path) << "the model path is not a regular file";
    return failure();
  }
  if (status.getSize() > limits.maxFileBytes) {
    fileError(ctx, path) << "model file is too large (" << status.getSize()
                         << " bytes; protobuf models must be under 2 GiB)";
    return failure();
  }
  llvm::StringRef ext = llvm::sys::path::extension(path);
  if (ext == ".textproto" || ext == ".pbtxt" || ext == ".txtpb" ||
      ext == ".prototxt") {
    auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      fileError(ctx, path) << "cannot read the model file: "
                           << buffer.getError().message();
      return failure();
    }
    return parseModelText(ctx, (*buffer)->getBuffer(), path, limits);
  }
  if (status.getSize() > INT_MAX) {
    fileError(ctx, path) << "model file is too large (" << status.getSize()
                         << " bytes; protobuf models must be under 2 GiB)";
    return failure();
  }
  // Binary models are parsed from the file through a small buffer, not
  // from a copy of the whole file: only the parsed proto holds the weights.
  int fd;
  if (std::error_code ec = llvm::sys::fs::openFileForRead(path, fd)) {
    fileError(ctx, path) << "cannot read the model file: " << ec.message();
    return failure();
  }
  google::protobuf::io::FileInputStream input(fd, /*block_size=*/1 << 20);
  input.SetCloseOnDelete(true);
  auto model = parseModelStream(ctx, input, path, limits);
  if (succeeded(model) && input.GetErrno() != 0) {
    fileError(ctx, path) << "cannot read the model file: "
                         << std::strerror(input.GetErrno());
    return failure();
  }
  return model;
}

FailureOr<ModelHeader> checkModelHeader(MLIRContext &ctx,
                                        const pb::ModelProto &model,
                                        llvm::StringRef path) {
  ModelHeader header;
  header.irVersion = model.ir_version();
  int64_t pinnedIR = onnx::getPinnedIRVersion();
  if (!model.has_ir_version() || header.irVersion <= 0) {
    fileError(ctx, path) << "model has no valid ir_version";
    return failure();
  }
  if (header.irVersion > pinnedIR) {
    fileError(ctx, path) << "model IR version " << header.irVersion
                         << " is newer than the supported IR version "
                         << pinnedIR;
    return failure();
  }
  bool haveDefault = false;
  for (const pb::OperatorSetIdProto &opset : model.opset_import()) {
    if (isDefaultDomain(opset.domain())) {
      if (haveDefault && opset.version() != header.opsetVersion) {
        fileError(ctx, path) << "model imports the default domain twice ("
                             << header.opsetVersion << " and "
                             << opset.version() << ")";
        return failure();
      }
      haveDefault = true;
      header.opsetVersion = opset.version();
    } else {
      header.otherDomains[opset.domain()] = opset.version();
    }
  }
  if (!haveDefault) {
    if (header.irVersion >= 3 && model.opset_import_size() == 0) {
      fileError(ctx, path) << "model of IR version " << header.irVersion
                           << " has no opset_import";
      return failure();
    }
    // IR versions before 3 had no opset imports: they mean opset 1. A
    // model importing only other domains has no default-domain opset
    // (0); nodes of the default domain are rejected where they appear.
    header.opsetVersion = model.opset_import_size() == 0 ? 1 : 0;
  }
  int64_t pinnedOpset = onnx::getPinnedOpsetVersion();
  if ((haveDefault && header.opsetVersion <= 0) ||
      header.opsetVersion > pinnedOpset) {
    fileError(ctx, path) << "model opset " << header.opsetVersion
                         << " of the default domain is not supported (1.."
                         << pinnedOpset << ")";
    return failure();
  }
  if (!model.has_graph()) {
    fileError(ctx, path) << "model has no graph";
    return failure();
  }
  return header;
}

} // namespace kiln
