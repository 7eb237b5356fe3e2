#!/usr/bin/env bash
# The figures of assets/wavllm-mini/README.md: `eval` on held-out generated data (sentences training
# never saw, by training voices and by the held-out voice kal16), with and without the audio, and
# `quiz run` on the bundled practice sets (also with silence). ASR runs add the bridge's CTC
# read-out WER (`eval --readout`) and are measured twice: plain greedy decoding, and guided by the
# frames' CTC read-out as the app and `ask` decode the transcription prompt (`--ctc-weight`, files
# named *-guided*; CTC=W sets the weight, default 0.5, the one `mini install` records). Multiple choice is measured twice: from the model's written reply,
# and by the likeliest option (`--by-likelihood`, files named *-likelihood*). Usage:
#   scripts/evaluate-wavllm-mini.sh [MODEL] [DATA_DIR] [OUT_DIR] [ROWS]
# MODEL defaults to wavllm-mini (`make setup` installs it), DATA_DIR to what `data make` wrote.
# LIKELIHOOD=0 skips the likelihood runs (about a third of the ~30 min on 2 CPU cores).
# TRAINED=FILE measures a training run's parts on top of MODEL (`--trained`) before installing them.
set -euo pipefail
model=${1:-wavllm-mini}
data=${2:-artifacts/wavllm-mini-data}
out=${3:-artifacts/wavllm-mini-eval}
rows=${4:-30}
py=${PY:-.venv/bin/python}
trained=()
[ -n "${TRAINED:-}" ] && trained=(--trained "$TRAINED")
mkdir -p "$out"

# One manifest per task and voice group, cut from the test splits `data make` writes.
for split in test-seen test-unseen; do
  for task in asr sv sqa_quiz sqa_word; do
    awk -F'\t' -v t="$task" 'NR == 1 || $1 ~ ("-" t "$")' "$data/$split.tsv" > "$data/$split-$task.tsv"
  done
done

run() {  # name manifest [extra eval flags]
  local name=$1 manifest=$2; shift 2
  "$py" -m wavllm_core eval --model "$model" "${trained[@]}" --manifest "$manifest" --limit "$rows" --seed 0 \
    --max-new-tokens 96 --batch-size 4 --no-progress --out "$out/$name.json" "$@" | tail -n 4
}
ctc=${CTC:-0.5}
for split in test-seen test-unseen; do
  for task in asr sv sqa_quiz sqa_word; do
    run "$split-$task" "$data/$split-$task.tsv" $([ "$task" = asr ] && echo --readout)
  done
  run "$split-asr-guided" "$data/$split-asr.tsv" --readout --ctc-weight "$ctc"
done
for task in asr sv sqa_quiz sqa_word; do  # the same rows with silence in place of each clip
  run "test-unseen-$task-ablated" "$data/test-unseen-$task.tsv" --ablate-audio
done
run "test-unseen-asr-guided-ablated" "$data/test-unseen-asr.tsv" --ablate-audio --ctc-weight "$ctc"
ways=("" --by-likelihood)
if [ "${LIKELIHOOD:-1}" = 0 ]; then
  ways=("")
else
  for split in test-seen test-unseen; do
    for task in sqa_quiz sqa_word; do
      run "$split-$task-likelihood" "$data/$split-$task.tsv" --by-likelihood
    done
  done
  for task in sqa_quiz sqa_word; do
    run "test-unseen-$task-likelihood-ablated" "$data/test-unseen-$task.tsv" --by-likelihood --ablate-audio
  done
fi
for set in assets/quiz/practice-*; do
  for way in "${ways[@]}"; do
    name="$out/quiz-$(basename "$set")${way:+-likelihood}"
    "$py" -m wavllm_core quiz run --model "$model" "${trained[@]}" --set "$set" --json $way > "$name.json"
    "$py" -m wavllm_core quiz run --model "$model" "${trained[@]}" --set "$set" --json $way --ablate-audio \
      > "$name-ablated.json"
  done
done
"$py" - "$out" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
for path in sorted(out.glob("*.json")):
    report = json.loads(path.read_text())
    if "scores" in report:
        for task, score in report["scores"].items():
            details = score.get("details", {})
            extra = details.get("content_word_recall")
            readout = details.get("readout_wer")
            print(f"{path.stem:32} {task:6} {score['metric']:9} {score['value'] if score['value'] is not None else float('nan'):6.1f}  rows {score['rows']:3}"
                  + (f"  content-word recall {extra:.1f}" if extra is not None else "")
                  + (f"  bridge read-out WER {readout:.1f}" if readout is not None else "")
                  + (f"  looping replies cut {score['loops_cut']}" if score.get("loops_cut") else ""))
    else:
        print(f"{path.stem:32} quiz   accuracy  {100 * report.get('accuracy', 0):6.1f}  rows {len(report.get('answers', []))}")
PY
