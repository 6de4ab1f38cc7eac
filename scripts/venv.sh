#!/usr/bin/env bash
# Creates the Python test environment .venv at the repository root (once) and
# installs test/requirements.txt into it (again only when that file changed).
# The venv sees Debian's site packages, so python3-torch/torchvision work in it.
# Prints the path of the venv's python on stdout; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
req=test/requirements.txt
stamp=$venv/.requirements.sha256

if [[ ! -x $venv/bin/python ]]; then
  echo "venv: creating $venv" >&2
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi

want=$(sha256sum "$req" | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
  echo "venv: installing $req" >&2
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req" >&2
  echo "$want" > "$stamp"
fi

echo "$PWD/$venv/bin/python"
