#!/usr/bin/env bash
# Issue 10's GPU figures in one go, on a GPU machine of ../shared/GPU.md (JAX and PyTorch, no
# TensorFlow or Keras there): run from the repository root, results under $OUT (default ./gpu-out).
#
#   benchmarks/gpu.sh bench    # ~4 min: gate layers against Keras and PyTorch (float32, bf16),
#                              #   training tokens/s of the shipped configuration and a larger one
#   benchmarks/gpu.sh train    # <= 10 min: `seq2seq train` on Multi30k de-en from a fresh folder,
#                              #   then test2016 BLEU (greedy); the curve is in the run's folder
#
# Before (on the CPU machine; the GPU machine has no package index):
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
#     -d .whl keras==3.15.1 namex optree
#   mkdir -p corpora/multi30k && cp ../shared/corpora/multi30k/*.gz corpora/multi30k/   # ignored
# and carry both: run(command="benchmarks/gpu.sh bench", carry=[".whl", "corpora/multi30k"]).
# Every figure prints the GPU, and each ratio comes from the same run on the same card.
# SMALL=1 runs every stage at toy sizes, for a check of this script on a CPU.
set -euo pipefail
stage=${1:?usage: benchmarks/gpu.sh bench|train}
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1

if ! python3 -c "import keras" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no GPU"

if [[ ${SMALL:-0} == 1 ]]; then
  sizes=(--batch 8 --time 8 --input 16 --units 32 --steps 2 --rounds 1)
  train_steps=(--steps 3)
  train_size=(--epochs 1 --units 32 --embed 32 --vocab-size 500 --max-len 8)
else
  sizes=(--batch 128 --time 64 --input 512 --units 1024 --steps 64 --rounds 3)
  train_steps=(--steps 50)
  train_size=()
fi

case $stage in
bench)
  {
    # float32 (each framework's default matmul settings), then bf16 (mixed_bfloat16 / autocast)
    python3 benchmarks/cells.py "${sizes[@]}" --unroll 16 --anchor torch --json
    python3 benchmarks/cells.py "${sizes[@]}" --unroll 4 --precision mixed_bfloat16 --anchor torch --json
    # training tokens/s, the shipped translator's configuration, at batch sizes a GPU suits
    for batch in 64 256 1024; do
      python3 benchmarks/train_speed.py "${train_steps[@]}" --batch-size "$batch" --precision mixed_bfloat16
    done
    python3 benchmarks/train_speed.py "${train_steps[@]}" --batch-size 256
    # a larger configuration: two layers of 512 units (about 4x the shipped model's parameters)
    python3 benchmarks/train_speed.py "${train_steps[@]}" --batch-size 256 --precision mixed_bfloat16 \
      --set units=512 --set embed=512 --set attention_units=512 --set layers=2
  } 2>&1 | tee "$OUT/bench.txt"
  ;;
train)
  {
    start=$(date +%s)
    python3 -m seq2seq train --corpus multi30k:de-en --data-dir corpora --out "$OUT/de-en" \
      --precision mixed_bfloat16 --quiet "${train_size[@]}"
    echo "train: $(( $(date +%s) - start )) s wall, tokenizer and data preparation included"
    python3 -m seq2seq evaluate --checkpoint "$OUT/de-en" --corpus multi30k:de-en --data-dir corpora \
      --split test --greedy
    echo "train + evaluate: $(( $(date +%s) - start )) s wall"
    rm -rf "$OUT/de-en/backup"  # optimizer state: not brought back
  } 2>&1 | tee "$OUT/train.txt"
  ;;
*)
  echo "Error: unknown stage $stage (bench or train)" >&2
  exit 2
  ;;
esac
