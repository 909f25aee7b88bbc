#!/usr/bin/env bash
# GPU check for ptgen's generated projects (about 3 minutes on one H200).
#
#   bash benchmarks/gpu_check.sh            # from the repository root, on a CUDA machine
#
# Installs what is missing (cookiecutter, from PyPI or from wheels carried in
# benchmarks/.wheels), generates every preset, trains each briefly with the speed defaults
# (AMP, TF32, channels_last, fused optimizer; then torch.compile), checks from the run's own
# log that CUDA and AMP were used, and runs the trainer-vs-hand-written benchmark in GPU mode,
# which prints samples/s, the share of step time spent waiting for data and the step-time and
# peak-memory ratios; then trains under torchrun (DDP, one process per GPU). Results also go
# to $OUT (or a temporary folder) as *.log / *.json.
#
# DEVICE=cpu rehearses the whole script without a GPU (bf16 autocast on the CPU stands in
# for AMP), so that a GPU session is not spent on a typo. MNIST_TRAIN sets the fake MNIST size.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
DEVICE=${DEVICE:-cuda}
MNIST_TRAIN=${MNIST_TRAIN:-20000}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
WORK=$(mktemp -d)
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
start=$SECONDS

echo "== environment"
missing=$($PY - <<'PY'
import importlib.util
print(" ".join(m for m in ("cookiecutter", "typer", "yaml", "sklearn", "torchvision")
               if importlib.util.find_spec(m) is None))
PY
)
for module in $missing; do
    package=$(case $module in yaml) echo pyyaml ;; sklearn) echo scikit-learn ;; *) echo "$module" ;; esac)
    if [ -d benchmarks/.wheels ]; then
        $PY -m pip install -q --no-index --find-links benchmarks/.wheels "$package"
    else
        $PY -m pip install -q "$package"
    fi
done
speed=()
if [ "$DEVICE" = cpu ]; then
    speed=(--set trainer.amp=bf16)
    echo "rehearsal on the CPU: torch $($PY -c 'import torch; print(torch.__version__)')"
else
    $PY - <<'PY'
import torch
assert torch.cuda.is_available(), "no CUDA device: this check needs a GPU (or DEVICE=cpu)"
p = torch.cuda.get_device_properties(0)
print(f"torch {torch.__version__}, {p.name}, {p.total_memory / 2**30:.0f} GiB, "
      f"bf16 {torch.cuda.is_bf16_supported()}")
PY
    nvidia-smi --query-gpu=name,driver_version,clocks.sm --format=csv,noheader || true
fi
$PY benchmarks/make_fake_mnist.py "$WORK/data" --train "$MNIST_TRAIN" --test 2000 >/dev/null

check_run() {  # $1: run log; fail unless the trainer reported CUDA and an AMP dtype
    grep -q "device $DEVICE" "$1" || { echo "FAIL: $1 did not train on $DEVICE"; exit 1; }
    grep -Eq "amp torch\.(bfloat16|float16)" "$1" || { echo "FAIL: $1 did not use AMP"; exit 1; }
    grep -E "device $DEVICE|epoch [0-9]+/" "$1" | sed 's/^[^ ]* [^ ]* INFO /  /' | tail -n 3
}

for preset in digits mnist; do
    echo "== $preset: generate, train 3 epochs (eager), then 2 epochs with torch.compile"
    $PY -m ptgen new "gpu-$preset" -o "$WORK" --no-input --set dataset=$preset >/dev/null 2>&1
    project="$WORK/gpu-$preset"
    data=()
    if [ $preset = mnist ]; then
        data=(--set "data_loader.args.data_dir=$WORK/data" --set data_loader.args.download=false
              --set data_loader.args.num_workers=4)
    fi
    for mode in eager compile; do
        flags=(--epochs 3)
        [ $mode = compile ] && flags=(--epochs 2 --set trainer.compile=true)
        (cd "$project" && $PY train.py -c config.yaml -d "$DEVICE" "${flags[@]}" "${data[@]}" "${speed[@]}" \
            --set "trainer.save_dir=$WORK/runs-$preset-$mode" 2>"$OUT/train-$preset-$mode.log")
        check_run "$(ls "$WORK"/runs-$preset-$mode/*/*/train.log)"
        cp "$(ls "$WORK"/runs-$preset-$mode/*/*/metrics.csv)" "$OUT/metrics-$preset-$mode.csv"
    done
    (cd "$project" && $PY test.py -r "$(ls "$WORK"/runs-$preset-eager/*/*/model_best.pt)" -d "$DEVICE")

    echo "== $preset: generated Trainer vs hand-written loop on $DEVICE"
    rounds=$([ $preset = digits ] && echo 21 || echo 7)  # digits epochs are tiny: more rounds
    $PY benchmarks/bench_trainer.py --device "$DEVICE" --project "$project" --rounds "$rounds" \
        --memory-epochs 1 --json "$OUT/bench-$preset.json" "${data[@]}" "${speed[@]}" \
        | tee "$OUT/bench-$preset.log"
done
echo "== digits: DDP under torchrun, one process per device"
nproc=2
[ "$DEVICE" = cpu ] || nproc=$($PY -c 'import torch; print(torch.cuda.device_count())')
(cd "$WORK/gpu-digits" && $PY -m torch.distributed.run --standalone --nproc_per_node="$nproc" \
    train.py -c config.yaml -d "$DEVICE" --epochs 2 "${speed[@]}" \
    --set "trainer.save_dir=$WORK/runs-ddp" 2>"$OUT/train-ddp.log")
check_run "$(ls "$WORK"/runs-ddp/*/*/train.log)"
grep -o "x $nproc processes" "$(ls "$WORK"/runs-ddp/*/*/train.log)"
echo "== done in $((SECONDS - start)) s; results in $OUT"
