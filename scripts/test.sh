#!/usr/bin/env bash
# README command #2 (and CI): installs the dependencies, sets up the Python test
# venv, builds every target, runs the whole CTest suite (lit's check-kiln,
# GoogleTest unit tests, Python-driven tests), then the light sanitizer tier
# (scripts/sanitize.sh: frontend, driver and runtime rebuilt with ASan+UBSan
# over build/'s libraries in build-san/; the e2e tests, the bad-model corpus
# and 60 s of each fuzzer under them). Exits non-zero on any failure, a
# sanitizer report or a fuzzer crash; ctest's closing "N% tests passed, M
# tests failed out of K" and sanitize.sh's "sanitize: ok|FAILED ..." line are
# the summary.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --with-torch
bash scripts/venv.sh
bash scripts/build.sh
ctest --test-dir build --output-on-failure --no-tests=error -j2
bash scripts/sanitize.sh --fuzz 60
