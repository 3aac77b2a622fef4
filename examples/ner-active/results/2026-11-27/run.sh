#!/bin/sh
# The runs behind examples/ner-active/README.md's results (2026-11-27, 2 vCPU,
# each run at GOMAXPROCS=1 beside other jobs). Built from the repository at
# the commit that added this file; CAIRN_DATA points at the shared data.
set -e
go build -o /tmp/ner_run_bin ./examples/ner-active
export CAIRN_DATA=${CAIRN_DATA:-../shared/data} GOMAXPROCS=1
/tmp/ner_run_bin -strategies mnlp,bald,random -seeds 3 -full "" -json -out-json curves_mnlp_bald_random.json -plot curves.png
/tmp/ner_run_bin -strategies lc -seeds 3 -full "" -json -out-json curves_lc.json -plot ""
/tmp/ner_run_bin -strategies mnlp -rounds 16 -seeds 3 -full "" -json -out-json curves_mnlp_16rounds.json -plot ""
/tmp/ner_run_bin -strategies "" -full cnn,crf -json -out-json full_20epochs_patience4.json -plot ""
/tmp/ner_run_bin -strategies "" -full cnn,crf -full-epochs 30 -patience 10 -json -out-json full_30epochs_patience10.json -plot ""
