#!/usr/bin/env bash
# Configures (first time, or when the test Python changed) and builds kiln into
# build/ with Ninja, ccache and Debian's LLVM/MLIR 22. Extra arguments go to
# ninja, e.g. `bash scripts/build.sh kiln` or `bash scripts/build.sh check-kiln`.
# Compiler: the system default (g++ 12); override with CC/CXX on the first configure.
set -euo pipefail
cd "$(dirname "$0")/.."

export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Hash paths relative to the checkout, so every clone and build dir of kiln
# shares one cache (a fresh CI clone rebuilds from cache, not from scratch).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

# Python used by tests registered in CMake: the test venv when it exists.
python=/usr/bin/python3
[[ -x .venv/bin/python ]] && python=$PWD/.venv/bin/python

# Ninja re-runs cmake by itself when a CMakeLists.txt changes; configure
# explicitly only for a fresh build dir or a different KILN_PYTHON.
cached=$(sed -n 's/^KILN_PYTHON:[A-Z]*=//p' build/CMakeCache.txt 2>/dev/null || true)
if [[ ! -f build/build.ninja || "$cached" != "$python" ]]; then
  cmake -G Ninja -S . -B build \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm \
    -DKILN_PYTHON="$python"
fi

ninja -C build "$@"
