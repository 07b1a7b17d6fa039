#!/bin/bash
# Submits ingest -> analyze -> report as three dependent jobs (afterok), each a
# `citemill run --until STAGE` in the same output directory, so each job
# skips what the previous one completed (docs/run.md). Prints the job ids.
#   slurm/submit-staged.sh --config my.conf --out /scratch/$USER/run1
# sbatch options for every job go in SBATCH_OPTS (e.g. "-N 4 -t 12:00:00").
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
OPTS=${SBATCH_OPTS:-}
j1=$(sbatch --parsable $OPTS --job-name=citemill-ingest "$DIR/citemill.sbatch" "$@" --until ingest)
j2=$(sbatch --parsable $OPTS --job-name=citemill-analyze --dependency=afterok:$j1 "$DIR/citemill.sbatch" "$@" --until analyze)
j3=$(sbatch --parsable $OPTS --job-name=citemill-report --dependency=afterok:$j2 "$DIR/citemill.sbatch" "$@")
echo "$j1 $j2 $j3"
