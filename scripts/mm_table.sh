#!/usr/bin/env bash
# Solves Maros-Meszaros problems with `optlayer solve --json`, one process per problem,
# and prints a table, the success rate by qpbenchmark's rule (status solved and primal
# residual, dual residual and duality gap all <= eps_abs) and the shifted geometric mean
# of the runtime (shift 10 s, unsolved problems counted at the time limit).
#
# usage: scripts/mm_table.sh [--max-n N] [--eps-abs E] [--time-limit S] [--kkt dense|sparse] [--bin PATH] [--dir DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
max_n=1000000000
eps=1e-9
time_limit=60
bin=$root/build/bin/optlayer
dir=$root/../shared/data/maros_meszaros
kkt=()
while [ $# -gt 0 ]; do
  case $1 in
    --max-n) max_n=$2; shift 2 ;;
    --eps-abs) eps=$2; shift 2 ;;
    --time-limit) time_limit=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --kkt) kkt=(--kkt "$2"); shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "mm_table.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "mm_table.sh: $bin not built (run make build)" >&2; exit 2; }
[ -f "$dir/optimal_objectives.tsv" ] || { echo "mm_table.sh: no optimal_objectives.tsv in $dir" >&2; exit 2; }

# Pull one field out of the solver's one-line JSON object.
field() { sed -n "s/.*\"$1\":\\(\"[^\"]*\"\\|[^,}]*\\).*/\\1/p" <<<"$2" | tr -d '"'; }

printf "%-10s %6s %6s %6s %-17s %5s %10s %10s %10s %9s %8s %10s\n" \
  problem n m p status iter primal_res dual_res gap time_s mem_mb obj_err
results=$(mktemp)
trap 'rm -f "$results"' EXIT
grep -v '^#' "$dir/optimal_objectives.tsv" | while IFS=$'\t' read -r name optimum n m_eq m_ineq _rest; do
  [ "$n" -le "$max_n" ] || continue
  json=$("$bin" solve "$dir/$name.QPS" --json --eps-abs "$eps" --eps-rel 0 --time-limit "$time_limit" ${kkt[@]+"${kkt[@]}"} 2>&1 || true)
  status=$(field status "$json")
  [ -n "$status" ] || status=error
  obj=$(field objective "$json"); obj=${obj:-nan}
  pr=$(field primal_residual "$json"); dr=$(field dual_residual "$json"); gap=$(field duality_gap "$json")
  t=$(field solve_time_s "$json"); mem=$(field peak_memory_mb "$json"); it=$(field iterations "$json")
  read -r m p < <(printf "%s %s\n" "$(field m "$json")" "$(field p "$json")")
  awk -v name="$name" -v n="$n" -v m="${m:-0}" -v p="${p:-0}" -v st="$status" -v it="${it:-0}" \
      -v pr="${pr:-nan}" -v dr="${dr:-nan}" -v gap="${gap:-nan}" -v t="${t:-$time_limit}" -v mem="${mem:-0}" \
      -v obj="$obj" -v opt="$optimum" -v eps="$eps" -v tl="$time_limit" 'BEGIN {
    err = (obj == "nan" || obj == "null") ? "nan" : sprintf("%.1e", (obj - opt < 0 ? opt - obj : obj - opt) / (opt < -1 || opt > 1 ? (opt < 0 ? -opt : opt) : 1));
    ok = (st == "solved" && pr + 0 <= eps && dr + 0 <= eps && gap + 0 <= eps) ? 1 : 0;
    printf "%-10s %6d %6d %6d %-17s %5d %10.2e %10.2e %10.2e %9.3f %8.1f %10s\n", name, n, m, p, st, it, pr, dr, gap, t, mem, err > "/dev/stderr";
    printf "%s %d %s\n", name, ok, (ok ? t : tl);
  }' 2>&1 >>"$results"
done
awk -v eps="$eps" '
  { total++; ok += $2; lg += log($3 + 10) }
  END {
    if (total == 0) { print "no problems"; exit 1 }
    printf "\nsuccess: %d / %d = %.2f%% at eps_abs %s (eps_rel 0); shifted geometric mean of time (shift 10 s): %.3f s\n",
      ok, total, 100 * ok / total, eps, exp(lg / total) - 10
  }' "$results"
