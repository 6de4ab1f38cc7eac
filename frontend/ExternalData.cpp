//===- ExternalData.cpp - Tensor data stored outside the model file -------===//
//
// The model file is untrusted: its external-data locations may try to read
// /etc/passwd, climb out with `..`, or point through a symlink elsewhere.
// Everything is checked before a byte is read.
//
//===----------------------------------------------------------------------===//

#include "frontend/ExternalData.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace kiln {

/// Parses a non-negative decimal integer with no sign, spaces or overflow.
static std::optional<uint64_t> parseSize(llvm::StringRef text) {
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + uint64_t(c - '0');
  }
  return value;
}

FailureOr<ExternalDataRef> parseExternalDataRef(const pb::TensorProto &tensor,
                                                Location loc) {
  ExternalDataRef ref;
  bool haveLocation = false;
  for (const pb::StringStringEntryProto &entry : tensor.external_data()) {
    const std::string &key = entry.key();
    if (key == "location") {
      ref.location = entry.value();
      haveLocation = true;
    } else if (key == "offset" || key == "length") {
      std::optional<uint64_t> value = parseSize(entry.value());
      if (!value) {
        emitError(loc) << "external data " << key << " '" << entry.value()
                       << "' is not a non-negative integer";
        return failure();
      }
      if (key == "offset")
        ref.offset = *value;
      else
        ref.length = *value;
    }
    // "checksum" and unknown keys are ignored, as ONNX Runtime does.
  }
  if (!haveLocation || ref.location.empty()) {
    emitError(loc) << "external data has no location";
    return failure();
  }
  return ref;
}

FailureOr<std::string> resolveExternalPath(llvm::StringRef modelDir,
                                           llvm::StringRef location,
                                           Location loc) {
  if (location.find('\0') != llvm::StringRef::npos) {
    emitError(loc) << "external data location contains a NUL byte";
    return failure();
  }
  // Reject absolute paths in both POSIX and Windows spellings.
  bool driveLetter = location.size() >= 2 && location[1] == ':' &&
                     llvm::isAlpha(location[0]);
  if (location.starts_with("/") || location.starts_with("\\") ||
      driveLetter || llvm::sys::path::is_absolute(location)) {
    emitError(loc) << "external data location '" << location
                   << "' is an absolute path; it must be relative to the "
                      "model's folder";
    return failure();
  }
  for (llvm::StringRef rest = location; !rest.empty();) {
    size_t sep = rest.find_first_of("/\\");
    llvm::StringRef part = rest.take_front(sep);
    rest = sep == llvm::StringRef::npos ? llvm::StringRef()
                                        : rest.drop_front(sep + 1);
    if (part == "..") {
      emitError(loc) << "external data location '" << location
                     << "' contains '..'; it must stay inside the model's "
                        "folder";
      return failure();
    }
  }

  llvm::SmallString<256> realDir;
  if (std::error_code ec = llvm::sys::fs::real_path(
          modelDir.empty() ? "." : modelDir, realDir)) {
    emitError(loc) << "cannot resolve the model folder: " << ec.message();
    return failure();
  }
  llvm::SmallString<256> joined(modelDir.empty() ? "." : modelDir);
  llvm::sys::path::append(joined, location);
  llvm::SmallString<256> realFile;
  if (std::error_code ec = llvm::sys::fs::real_path(joined, realFile)) {
    emitError(loc) << "cannot open external data file '" << location
                   << "': " << ec.message();
    return failure();
  }
  llvm::StringRef dirRef = realDir.str();
  llvm::StringRef fileRef = realFile.str();
  bool inside = fileRef.size() > dirRef.size() &&
                fileRef.starts_with(dirRef) &&
                (dirRef.ends_with("/") || fileRef[dirRef.size()] == '/');
  if (!inside) {
    emitError(loc) << "external data location '" << location
                   << "' resolves outside the model's folder";
    return failure();
  }
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(realFile, status)) {
    emitError(loc) << "cannot open external data file '" << location
                   << "': " << ec.message();
    return failure();
  }
  if (status.type() != llvm::sys::fs::file_type::regular_file) {
    emitError(loc) << "external data location '" << location
                   << "' is not a regular file";
    return failure();
  }
  return realFile.str().str();
}

FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
loadExternalData(llvm::StringRef modelDir, const ExternalDataRef &ref,
                 Location loc) {
  FailureOr<std::string> path =
      resolveExternalPath(modelDir, ref.location, loc);
  if (failed(path))
    return failure();
  uint64_t fileSize = 0;
  if (std::error_code ec = llvm::sys::fs::file_size(*path, fileSize)) {
    emitError(loc) << "cannot open external data file '" << ref.location
                   << "': " << ec.message();
    return failure();
  }
  if (ref.offset > fileSize) {
    emitError(loc) << "external data offset " << ref.offset
                   << " is past the end of '" << ref.location << "' ("
                   << fileSize << " bytes)";
    return failure();
  }
  uint64_t length = ref.length.value_or(fileSize - ref.offset);
  if (length > fileSize - ref.offset) {
    emitError(loc) << "external data range [" << ref.offset << ", +"
                   << length << ") is past the end of '" << ref.location
                   << "' (" << fileSize << " bytes)";
    return failure();
  }
  auto buffer = llvm::MemoryBuffer::getFileSlice(*path, length, ref.offset,
                                                 /*IsVolatile=*/false);
  if (!buffer) {
    emitError(loc) << "cannot read external data file '" << ref.location
                   << "': " << buffer.getError().message();
    return failure();
  }
  return std::move(*buffer);
}

} // namespace kiln
