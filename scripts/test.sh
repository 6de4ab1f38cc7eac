#!/usr/bin/env bash
# README command #2 (and CI): installs the dependencies, sets up the Python test
# venv, builds every target, and runs the whole CTest suite (lit's check-kiln,
# GoogleTest unit tests, Python-driven tests). Exits non-zero on any failure;
# ctest's closing "N% tests passed, M tests failed out of K" is the summary.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --with-torch
bash scripts/venv.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure --no-tests=error -j2
