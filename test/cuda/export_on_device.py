#!/usr/bin/env python3
"""test/models/export_models.py on the GPU machine, whose torch (2.9+) makes
the dynamo exporter the default: the models are exported with the
TorchScript exporter (dynamo=False) there too, so they have the same graph
shapes as the ones exported on the CPU machine. Same arguments as
export_models.py; expects export_models.py next to this file or in
../models/."""
import inspect
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.join(here, "..", "models")]
import torch  # noqa: E402

if "dynamo" in inspect.signature(torch.onnx.export).parameters:
    _export = torch.onnx.export

    def export(*args, **kwargs):
        try:
            return _export(*args, **dict(kwargs, dynamo=False))
        except Exception as e:  # a torch without the TorchScript exporter
            print(f"export_on_device: TorchScript export failed ({e}); "
                  f"using the dynamo exporter", file=sys.stderr)
            return _export(*args, **dict(kwargs, dynamo=True))

    torch.onnx.export = export

import export_models  # noqa: E402

if __name__ == "__main__":
    export_models.main()
