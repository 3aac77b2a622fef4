# The second side-by-side run of 2026-11-27, on a quiet machine (no other
# engineers' jobs), from /work/main: cairn at 1 and 2 threads, then
# PyTorch 1.13 + OpenBLAS at its default 1 and 2 threads, group by group.
set -u
cd /work/main
D=examples/bench/results/2026-11-27-quiet
B=/tmp/cairn-bench-bin  # go build -o /tmp/cairn-bench-bin ./examples/bench
CAP=/work/shared/bench/peak/capacity
env=""
for g in matmul mlp cnn_tfmnist cnn_modelA lstm transformer spmm appnp gcn2 ner; do
  echo "## $g start $(date -u +%T) $(uptime)" >> $D/notes.md
  $B -threads 1 -only $g -min-seconds 1 -max-seconds 5 -max-wait 5 -capacity $CAP $env >> $D/cairn.jsonl 2>> $D/cairn.stderr
  $B -threads 2 -only $g -min-seconds 1 -max-seconds 5 -max-wait 5 -capacity $CAP -no-env >> $D/cairn.jsonl 2>> $D/cairn.stderr
  /usr/bin/python3 /work/shared/bench/torch_bench.py --only $g --min-seconds 1 --max-seconds 5 $( [ -n "$env" ] && echo --no-env ) >> $D/torch.jsonl 2>> $D/torch.stderr
  env="-no-env"
done
echo "## end $(date -u +%T) $(uptime)" >> $D/notes.md
