# What produced cairn.jsonl and torch.jsonl on 2026-11-27 (from /work/main).
# 1. matmul group (then aborted because each group took ~6 min under load):
#   for g in matmul mlp cnn_tfmnist cnn_modelA lstm transformer spmm appnp gcn2 ner; do
#     echo "## $g start $(date -u +%T) $(uptime)" >> $D/notes.md
#     $B -threads 1 -only $g -min-seconds 2 -max-seconds 10 -capacity $CAP $env >> $D/cairn.jsonl 2>> $D/cairn.stderr
#     $B -threads 2 -only $g -min-seconds 2 -max-seconds 10 -capacity $CAP -no-env >> $D/cairn.jsonl 2>> $D/cairn.stderr
#     /usr/bin/python3 /work/shared/bench/torch_bench.py --only $g --min-seconds 2 --max-seconds 10 $( [ -n "$env" ] && echo --no-env ) >> $D/torch.jsonl 2>> $D/torch.stderr
#     env="-no-env"
#   done
# 2. the other groups, with shorter sampling:
set -u
cd /work/main
D=examples/bench/results/2026-11-27
B=/tmp/cairn-bench-bin  # go build -o /tmp/cairn-bench-bin ./examples/bench
CAP=/work/shared/bench/peak/capacity
for g in mlp cnn_tfmnist cnn_modelA lstm transformer spmm appnp gcn2 ner; do
  echo "## $g start $(date -u +%T) $(uptime)" >> $D/notes.md
  $B -threads 1 -only $g -min-seconds 2 -max-seconds 6 -max-wait 2 -capacity $CAP -no-env >> $D/cairn.jsonl 2>> $D/cairn.stderr
  $B -threads 2 -only $g -min-seconds 2 -max-seconds 6 -max-wait 2 -capacity $CAP -no-env >> $D/cairn.jsonl 2>> $D/cairn.stderr
  /usr/bin/python3 /work/shared/bench/torch_bench.py --only $g --min-seconds 2 --max-seconds 6 --no-env >> $D/torch.jsonl 2>> $D/torch.stderr
done
echo "## end $(date -u +%T) $(uptime)" >> $D/notes.md
