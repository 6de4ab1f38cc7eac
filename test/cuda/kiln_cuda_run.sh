#!/bin/sh
# `kiln run` with --target cuda: the --kiln of run_node_tests.py for running
# the ONNX backend node tests on a GPU. KILN names the real binary.
#   KILN=path/to/kiln kiln_cuda_run.sh run MODEL --data DIR ...
cmd=$1; shift
exec "${KILN:?KILN must name the kiln binary}" "$cmd" --target cuda "$@"
