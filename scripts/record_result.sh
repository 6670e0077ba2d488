#!/usr/bin/env bash
# Runs a measuring command and records its table in docs/results/ under a header line that says
# where and when it was measured (commit, date, machine, load average at the start and the end).
#
#   scripts/record_result.sh OUTPUT [--table FILE] [--prefix STRING] -- COMMAND [ARGS...]
#
# COMMAND's standard output still reaches the terminal. Only when COMMAND succeeds is OUTPUT
# (re)written: the header line, a blank line, then COMMAND's standard output, or FILE when
# --table names the file COMMAND writes its table to. --prefix goes before the header line
# (e.g. "# " in a plain-text table). A failed measurement leaves the committed table alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
usage() { echo "usage: $0 OUTPUT [--table FILE] [--prefix STRING] -- COMMAND [ARGS...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
output=$1; shift
table=""
prefix=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case $1 in
    --table) table=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    *) usage ;;
  esac
done
[ $# -ge 2 ] || usage
shift

load() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null | sed 's/ / \/ /g' || echo unknown; }
load_start=$(load)
stdout=$(mktemp)
trap 'rm -f "$stdout"' EXIT
"$@" | tee "$stdout"
load_end=$(load)
[ -n "$table" ] || table=$stdout

commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
# Uncommitted edits of the docs do not change a measurement; any other edit is said.
if [ "$commit" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- . \
    ':!docs' ':!README.md' ':!CHANGELOG.md' 2>/dev/null)" ]; then
  commit="$commit with uncommitted changes"
fi
model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
cpus=$(nproc 2>/dev/null || echo '?')
mkdir -p "$(dirname "$output")"
{
  printf '%sMeasured at commit %s on %s, %s (%s CPUs), load average (1 / 5 / 15 min) %s at the start, %s at the end.\n' \
    "$prefix" "$commit" "$(date -u '+%Y-%m-%d %H:%M UTC')" "${model:-unknown CPU}" "$cpus" "$load_start" "$load_end"
  echo
  cat "$table"
} > "$output.tmp"
mv "$output.tmp" "$output"
echo "wrote $output" >&2
