#!/bin/sh
# The one command that trains the default backbone on the GPU machine (one H100, ~7.5 minutes of training) and
# writes the finished model folder to $OUT (8 files, each under 16 MiB): see docs/default-backbone.md.
#   OUT=/some/dir sh tools/train_backbone/gpu_run.sh [extra gpu_main.py options]
# The training pack (tools/train_backbone/work/pack.npz, built by pack.py here) must travel with the working tree.
set -eu
cd "$(dirname "$0")/../.."
: "${OUT:?set OUT to the folder that receives the model}"
PACK="${PACK:-tools/train_backbone/work/pack.npz}"
[ -f "$PACK" ] || { echo "no training pack at $PACK: run /usr/bin/python3 tools/train_backbone/pack.py first and carry it" >&2; exit 2; }
exec "${PYTHON:-python3}" -u tools/train_backbone/gpu_main.py --pack "$PACK" --out "$OUT" "$@"
