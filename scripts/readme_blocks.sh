#!/bin/sh
# Writes the generated blocks of README.md:
#  - the results table, between <!-- results:begin --> and <!-- results:end -->, from the tables
#    the measuring commands recorded in docs/results/ (`make demo`, `make bench`, `make mm` and
#    `make mm-dense` run this script after measuring);
#  - the C++ example, between <!-- example:begin --> and <!-- example:end -->: the whole of
#    examples/consumer/main.cpp, the program the consumer_install test builds against the
#    installed library, so the front page shows code that is compiled and run.
#
#   scripts/readme_blocks.sh           rewrite the blocks in README.md (`make readme`)
#   scripts/readme_blocks.sh --check   exit 1, showing the difference, when a block is not what
#                                      its sources give, or README.md is over 250 lines
#                                      (`make test` runs this as the readme_blocks test)
#
# No figure in the block is typed by hand: each row reads its numbers from one file of
# docs/results/. To add a row, add one `row` line to the list below:
#   row "what was measured" "the figure, built from cell/mm_success lookups" "[page](docs/page.md)"
# where `cell FILE KEY COLUMN` is the COLUMN-th cell (1 = the first) of the Markdown table row
# whose first cell is KEY in docs/results/FILE, and `mm_success FILE` the success line of a
# Maros-Meszaros table. A row whose file or table row is missing fails the script (and the test),
# so add the row in the same commit as the command that writes its table.
# POSIX sh and awk only, like scripts/bench_table.sh.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
results=$root/docs/results
readme=$root/README.md
example=$root/examples/consumer/main.cpp
max_lines=250

new_block=$(mktemp)
new_example=$(mktemp)
new_readme=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$new_block" "$new_example" "$new_readme" "$errors"' EXIT
# The lookups run inside $(...), whose exit does not stop the script: they also leave a note here.
fail() { echo "readme_blocks.sh: $*" | tee -a "$errors" >&2; exit 1; }

cell() {
  [ -f "$results/$1" ] || fail "docs/results/$1 is missing"
  awk -F'|' -v key="$2" -v col="$3" '
    function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
    !found && /^\|/ && trim($2) == key { value = trim($(col + 1)); found = 1 }
    END { if (!found || value == "") exit 1; print value }' "$results/$1" ||
    fail "no cell $3 in the row '$2' of docs/results/$1"
}

# "107 / 119 solved (89.92%), shifted geometric mean time 1.721 s" from scripts/mm_table.sh's last line.
mm_success() {
  [ -f "$results/$1" ] || fail "docs/results/$1 is missing"
  sed -n 's/^success: \([0-9]* \/ [0-9]*\) = \([0-9.]*%\) at .*: \([0-9.]* s\)$/\1 solved (\2), shifted geometric mean time \3/p' \
    "$results/$1" | grep . || fail "no success line in docs/results/$1"
}

row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }

block() {
  echo "| measured | result | details |"
  echo "| --- | --- | --- |"
  row "Maros-Meszaros, 119 QPs, eps_abs 1e-9, eps_rel 0 (qpbenchmark's high accuracy)" \
    "$(mm_success maros_meszaros_1e-9.txt)" \
    "[Maros-Meszaros](docs/maros_meszaros.md), [table](docs/results/maros_meszaros_1e-9.txt)"
  row "Maros-Meszaros, eps_abs 1e-8" \
    "$(mm_success maros_meszaros_1e-8.txt)" \
    "[table](docs/results/maros_meszaros_1e-8.txt)"
  row "Maros-Meszaros, n <= 1000, dense KKT forced, eps_abs 1e-9" \
    "$(mm_success maros_meszaros_dense_1e-9.txt)" \
    "[table](docs/results/maros_meszaros_dense_1e-9.txt)"
  row "Softmax layer, mean abs error against the analytic softmax, forward / backward" \
    "$(cell demo.md 'softmax: forward, mean abs error' 2) / $(cell demo.md 'softmax: backward, mean abs error' 2) (the chapter's cvxpy layer: $(cell demo.md 'softmax: forward, mean abs error' 3) / $(cell demo.md 'softmax: backward, mean abs error' 3))" \
    "[the chapter](docs/chapter.md), [table](docs/results/demo.md)"
  row "QP layer gradient against central differences, largest relative error" \
    "$(cell demo.md 'QP layer: gradcheck, largest rel. error' 2)" \
    "[derivatives](docs/derivatives.md), [table](docs/results/demo.md)"
  row "Dense QP backward / solve time, n = 10 / 100 / 500" \
    "$(cell benchmarks.md 10 5) / $(cell benchmarks.md 100 5) / $(cell benchmarks.md 500 5)" \
    "[benchmarks](docs/benchmarks.md), [table](docs/results/benchmarks.md)"
  row "Sparsemax through the dense QP solver / analytic, n = 10, forward / backward" \
    "$(cell benchmarks.md sparsemax_qp_forward/10 5) / $(cell benchmarks.md sparsemax_qp_backward/10 5)" \
    "[benchmarks](docs/benchmarks.md)"
  row "Sparsemax through the simplex QP solver / analytic, n = 10, forward / backward" \
    "$(cell benchmarks.md sparsemax_simplexqp_forward/10 5) / $(cell benchmarks.md sparsemax_simplexqp_backward/10 5)" \
    "[benchmarks](docs/benchmarks.md)"
  row "Softmax through the smooth convex solver / analytic, n = 10, forward / backward" \
    "$(cell benchmarks.md softmax_entropy_forward/10 5) / $(cell benchmarks.md softmax_entropy_backward/10 5)" \
    "[benchmarks](docs/benchmarks.md)"
  row "Quadrotor MPC (12 states, 4 inputs, N = 10), CPU time of one cold solve, condensed / stage-wise" \
    "$(cell benchmarks.md mpc_condensed_solve/10 3) / $(cell benchmarks.md mpc_stagewise_solve/10 3)" \
    "[control loops](docs/control.md), [table](docs/results/benchmarks.md)"
}

[ -f "$readme" ] || fail "README.md is missing"
[ -f "$example" ] || fail "examples/consumer/main.cpp is missing"
block > "$new_block"
[ ! -s "$errors" ] || exit 1
{ echo '```cpp'; cat "$example"; echo '```'; } > "$new_example"
# Replaces the lines between each begin marker and its end marker; each pair must occur once.
awk -v results="$new_block" -v example="$new_example" '
  function splice(file,   line) { while ((getline line < file) > 0) print line; skipping = 1 }
  /^<!-- results:begin/ { print; splice(results); results_begin++; next }
  /^<!-- example:begin/ { print; splice(example); example_begin++; next }
  /^<!-- (results|example):end/ { skipping = 0; ends++ }
  !skipping { print }
  END { if (results_begin != 1 || example_begin != 1 || ends != 2 || skipping) exit 1 }' "$readme" > "$new_readme" ||
  fail "README.md needs each of <!-- results:begin -->, <!-- example:begin --> once, each closed by its :end line"

if [ "${1:-}" = "--check" ]; then
  status=0
  if ! cmp -s "$readme" "$new_readme"; then
    echo "README.md's generated blocks differ from docs/results/ and examples/consumer/main.cpp (run make readme):" >&2
    diff -u "$readme" "$new_readme" >&2 || true
    status=1
  fi
  lines=$(wc -l < "$readme")
  if [ "$lines" -gt "$max_lines" ]; then
    echo "README.md has $lines lines; the front page keeps to $max_lines (depth goes to docs/)" >&2
    status=1
  fi
  exit $status
fi
[ $# -eq 0 ] || { echo "usage: $0 [--check]" >&2; exit 2; }
cmp -s "$readme" "$new_readme" || cat "$new_readme" > "$readme"
