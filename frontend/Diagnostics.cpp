//===- Diagnostics.cpp - One-line diagnostics naming the node -------------===//
//
// Builds the locations the importer uses and formats diagnostics as kiln's
// one-line error: the model file, the node name and the op type are all
// recovered from the location (and, for verifier errors, the message).
//
//===----------------------------------------------------------------------===//

#include "frontend/Diagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;

namespace kiln {

Location getNodeLoc(MLIRContext *ctx, llvm::StringRef modelPath,
                    llvm::StringRef nodeName) {
  return NameLoc::get(StringAttr::get(ctx, nodeName),
                      FileLineColLoc::get(ctx, modelPath, 0, 0));
}

Location getNodeDiagLoc(Location nodeLoc, llvm::StringRef opType) {
  MLIRContext *ctx = nodeLoc.getContext();
  return FusedLoc::get(ctx, {nodeLoc}, StringAttr::get(ctx, opType));
}

Location getValueDiagLoc(MLIRContext *ctx, llvm::StringRef modelPath,
                         llvm::StringRef valueName, llvm::StringRef kind) {
  return FusedLoc::get(ctx, {getNodeLoc(ctx, modelPath, valueName)},
                       StringAttr::get(ctx, ("kind:" + kind).str()));
}

namespace {
/// What a location tells about where an error happened.
struct Where {
  std::string file, node, opType;
  /// What `node` names when it is not a node ("initializer", ...).
  std::string kind;
};

void collect(Location loc, Where &where) {
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    if (auto meta = dyn_cast_or_null<StringAttr>(fused.getMetadata())) {
      llvm::StringRef text = meta.getValue();
      if (text.consume_front("kind:")) {
        if (where.kind.empty())
          where.kind = text.str();
      } else if (where.opType.empty()) {
        where.opType = text.str();
      }
    }
    for (Location inner : fused.getLocations())
      collect(inner, where);
  } else if (auto name = dyn_cast<NameLoc>(loc)) {
    if (where.node.empty())
      where.node = name.getName().str();
    collect(name.getChildLoc(), where);
  } else if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    if (where.file.empty())
      where.file = file.getFilename().str();
  } else if (auto call = dyn_cast<CallSiteLoc>(loc)) {
    collect(call.getCallee(), where);
  }
}

/// Folds whitespace runs containing newlines to single spaces.
std::string oneLine(llvm::StringRef text) {
  std::string out;
  out.reserve(text.size());
  bool pendingSpace = false;
  for (char c : text.trim()) {
    if (c == '\n' || c == '\r') {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace) {
      while (!out.empty() && out.back() == ' ')
        out.pop_back();
      out += ' ';
      pendingSpace = false;
      if (c == ' ' || c == '\t')
        continue;
    }
    out += c;
  }
  return out;
}
} // namespace

std::string formatDiagnosticLine(Diagnostic &diag) {
  Where where;
  collect(diag.getLocation(), where);
  std::string message = oneLine(diag.str());
  // Verifier messages start with "'onnx.Conv' op ": name the op type instead.
  llvm::StringRef msg(message);
  if (msg.starts_with("'")) {
    size_t end = msg.find("' op ");
    if (end != llvm::StringRef::npos) {
      llvm::StringRef opName = msg.slice(1, end);
      if (where.opType.empty())
        where.opType = opName.starts_with("onnx.") ? opName.drop_front(5).str()
                                                   : opName.str();
      message = msg.drop_front(end + 5).str();
    }
  }
  llvm::SmallVector<std::string, 3> parts;
  // An unnamed buffer ("" or "-") names no file.
  if (!where.file.empty() && where.file != "-")
    parts.push_back(where.file);
  if (!where.node.empty())
    parts.push_back((where.kind.empty() ? "node" : where.kind) + " '" +
                    where.node + "'");
  if (!where.opType.empty())
    parts.push_back(where.opType);
  if (parts.empty())
    return message;
  message += " (";
  for (size_t i = 0; i < parts.size(); ++i)
    message += (i ? ", " : "") + parts[i];
  message += ")";
  return message;
}

OneLineDiagnosticHandler::OneLineDiagnosticHandler(MLIRContext &ctx,
                                                   llvm::raw_ostream &os,
                                                   bool verbose)
    : ctx(ctx), os(os), verbose(verbose) {
  id = ctx.getDiagEngine().registerHandler([this](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error) {
      if (numErrors++ == 0) {
        this->os << "kiln: error: " << formatDiagnosticLine(diag) << "\n";
        this->os.flush();
      }
    } else if (this->verbose && numErrors == 0) {
      const char *kind = diag.getSeverity() == DiagnosticSeverity::Warning
                             ? "warning"
                             : "note";
      this->os << "kiln: " << kind << ": " << formatDiagnosticLine(diag)
               << "\n";
    }
    return success();
  });
}

OneLineDiagnosticHandler::~OneLineDiagnosticHandler() {
  ctx.getDiagEngine().eraseHandler(id);
}

void OneLineDiagnosticHandler::reportError(const llvm::Twine &message) {
  if (numErrors++ == 0) {
    os << "kiln: error: " << oneLine(message.str()) << "\n";
    os.flush();
  }
}

} // namespace kiln
