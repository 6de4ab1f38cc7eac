//===- ExternalData.h - Tensor data stored outside the model file -*- C++ -*-===//
//
// Resolves TensorProto external data (data_location EXTERNAL with the
// location/offset/length keys) strictly inside the model's folder: absolute
// paths, `..` components and anything whose real path leaves the folder
// (symlinks included) are rejected, and offset/length are checked against
// the file size before a byte is read.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_EXTERNALDATA_H
#define KILN_FRONTEND_EXTERNALDATA_H

#include "frontend/OnnxProto.h"

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>

namespace kiln {

/// Where external data lives, as parsed from TensorProto::external_data.
struct ExternalDataRef {
  std::string location;
  uint64_t offset = 0;
  /// Absent: up to the end of the file.
  std::optional<uint64_t> length;
};

/// Parses the external_data entries of `tensor` (location is required;
/// offset and length must be non-negative decimal integers).
mlir::FailureOr<ExternalDataRef> parseExternalDataRef(const pb::TensorProto &tensor,
                                                      mlir::Location loc);

/// Checks that `location` is a relative path without `..` components and
/// resolves it against `modelDir`, requiring the real path to stay inside
/// the real path of `modelDir` and to be a regular file. Returns the
/// resolved path.
mlir::FailureOr<std::string> resolveExternalPath(llvm::StringRef modelDir,
                                                 llvm::StringRef location,
                                                 mlir::Location loc);

/// Reads the bytes `ref` names (memory-mapped where the system allows),
/// after checking offset and length against the file size.
mlir::FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
loadExternalData(llvm::StringRef modelDir, const ExternalDataRef &ref,
                 mlir::Location loc);

} // namespace kiln

#endif // KILN_FRONTEND_EXTERNALDATA_H
