#!/bin/bash
# The layers (docs/architecture.md): core <- io <- jobs <- pipeline. A source
# file may include the headers of its own layer and of the layers below it,
# never one above; every quoted #include must name a header of the tree.
# The build enforces the same (each layer's library sees only the include
# folders at or below it); this test says which line breaks it, and checks
# itself first: a tree with one upward include planted must fail it.
#
# usage: test_layers.sh SOURCE_DIR
set -uo pipefail
SRC=$1

# check DIR: prints each offending include; status 1 if any.
check() {
  local dir=$1 bad=0
  declare -A layer_of rank
  rank=([core]=0 [io]=1 [jobs]=2 [pipeline]=3)
  for l in core io jobs pipeline; do
    [ -d "$dir/$l" ] || { echo "no folder $l/ in $dir"; return 1; }
    while IFS= read -r h; do layer_of[$(basename "$h")]=$l; done < <(find "$dir/$l" -name '*.h')
  done
  for l in core io jobs pipeline; do
    while IFS= read -r f; do
      while IFS=: read -r n inc; do
        local name=${inc#*\"}
        name=$(basename "${name%%\"*}")
        local to=${layer_of[$name]:-}
        if [ -z "$to" ]; then
          echo "${f#$dir/}:$n: #include \"$name\": not a header of core/, io/, jobs/ or pipeline/"
          bad=1
        elif [ "${rank[$to]}" -gt "${rank[$l]}" ]; then
          echo "${f#$dir/}:$n: a $l file includes $to/$name, a layer above it"
          bad=1
        fi
      done < <(grep -n '^#include "' "$f")
    done < <(find "$dir/$l" -name '*.c' -o -name '*.h' -o -name '*.cpp')
  done
  return $bad
}

# The detector must see a planted upward include.
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp -r "$SRC/core" "$SRC/io" "$SRC/jobs" "$SRC/pipeline" "$T/"
sed -i '0,/^#include "/s//#include "cm_jobs.h"\n#include "/' "$T/core/cm_buf.c"
if check "$T" > "$T/out"; then
  echo "FAIL: an upward include planted in core/cm_buf.c went unnoticed"
  exit 1
fi
grep -q "core/cm_buf.c:.*jobs/cm_jobs.h" "$T/out" || { echo "FAIL: the planted include was not named"; cat "$T/out"; exit 1; }

if ! check "$SRC"; then
  echo "FAIL: includes point up a layer (see above)"
  exit 1
fi
echo "layers: every include of core/, io/, jobs/ and pipeline/ points to its own layer or one below"
