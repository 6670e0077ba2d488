#!/bin/sh
# Ratio tables from Google Benchmark JSON files (the output of `make bench`), as Markdown.
#
#   scripts/bench_table.sh build/bench/*.json
#
# Pairs benchmarks by their names, <layer>_<implementation>_<mode>/<n>[/batch:64]: optlayer
# against the analytic layers, backward and forward against the solve, 2 threads against 1,
# the exponent of the dense QP's time against n (least squares on log-log), and the quadrotor MPC's
# solve and backward times (bench_mpc). Times are real
# (wall-clock) times, except one column with the CPU time of the calling thread of a batch
# (it does half the work on 2 threads); with --benchmark_repetitions the median is used.
# POSIX sh and awk only (mawk in a minimal Debian), so it runs wherever the benchmarks do.
set -eu
if [ "$#" -eq 0 ]; then
  echo "usage: $0 FILE.json..." >&2
  exit 2
fi

awk '
function value(line) { sub(/^[^:]*: */, "", line); gsub(/[",]/, "", line); return line }
function to_us(t, unit) {
  if (unit == "ns") return t / 1000; if (unit == "ms") return t * 1000; if (unit == "s") return t * 1e6; return t
}
function reset() { name = ""; run_name = ""; run_type = ""; aggregate = ""; real = ""; cpu = ""; unit = "ns"; ipm = ""; failed = 0 }
function commit(   key) {
  key = (run_name != "") ? run_name : name
  sub(/\/real_time$/, "", key)
  if (failed) { error[key] = 1; return }
  if (real == "") return
  if (run_type == "aggregate" && aggregate != "median") return
  if (run_type != "aggregate" && (key in median)) return
  if (run_type == "aggregate") median[key] = 1
  time[key] = to_us(real + 0, unit)
  cpu_time[key] = to_us(cpu + 0, unit)
  if (ipm != "") iterations[key] = ipm + 0
}
function fmt(t) {
  if (t < 1) return sprintf("%.0f ns", t * 1000)
  if (t < 1000) return sprintf("%.2f us", t)
  return sprintf("%.2f ms", t / 1000)
}
function has(key) { return (key in time) }
# Fastest analytic version of a layer for one mode, size and batch; sets yardstick_name.
function yardstick(layer, suffix,   best, impl, k, n, i) {
  best = -1; yardstick_name = ""
  n = split(analytic[layer], impl, " ")
  for (i = 1; i <= n; i++) {
    k = layer "_" impl[i] "_" suffix
    if (has(k) && (best < 0 || time[k] < best)) { best = time[k]; yardstick_name = impl[i] }
  }
  return best
}
function verdict(ok) { return ok ? "met" : "MISSED" }
function ratio(r) { return (r < 10) ? sprintf("%.1fx", r) : sprintf("%.0fx", r) }

BEGIN { reset() }
/"name":/ { reset(); name = value($0) }
/"run_name":/ { run_name = value($0) }
/"run_type":/ { run_type = value($0) }
/"aggregate_name":/ { aggregate = value($0) }
/"real_time":/ { real = value($0) }
/"cpu_time":/ { cpu = value($0) }
/"time_unit":/ { unit = value($0) }
/"ipm_iterations":/ { ipm = value($0) }
/"iters":/ { ipm = value($0) }
/"error_occurred": true/ { failed = 1 }
/^ *},?$/ { if (name != "") commit(); reset() }

END {
  analytic["sparsemax"] = "analytic pivot"; solvers["sparsemax"] = "qp simplexqp"; sizes["sparsemax"] = "10 100 1000"
  analytic["softmax"] = "analytic"; solvers["softmax"] = "entropy"; sizes["softmax"] = "10 100"
  split("sparsemax softmax", layers, " ")
  split("forward backward forward_backward", modes, " ")
  split("10 25 50 100 200 500", qp_sizes, " ")

  print "### optlayer / analytic (real time, median)"
  print ""
  print "| benchmark | IPM iterations | optlayer | fastest analytic | ratio |"
  print "| --- | ---: | ---: | ---: | ---: |"
  for (l = 1; l <= 2; l++) {
    layer = layers[l]
    ns = split(solvers[layer], impls, " "); nn = split(sizes[layer], dims, " ")
    for (b = 1; b <= 2; b++) for (i = 1; i <= ns; i++) for (m = 1; m <= 3; m++) for (d = 1; d <= nn; d++) {
      suffix = modes[m] "/" dims[d] (b == 2 ? "/batch:64" : "")
      key = layer "_" impls[i] "_" suffix
      if (!has(key)) continue
      base = yardstick(layer, suffix)
      if (base <= 0) continue
      printf "| %s | %s | %s | %s (%s) | %s |\n", key, (key in iterations) ? iterations[key] : "", fmt(time[key]),
        fmt(base), yardstick_name, ratio(time[key] / base)
    }
  }
  print ""
  print "Batch 64: optlayer layers on 2 threads, analytic layers on 1 (they take microseconds)."

  print ""
  print "### Dense QP (OptNet-style random, m = n, p = n/2): backward and forward against the solve"
  print ""
  print "| n | IPM iterations | solve | backward | backward / solve | forward | forward / solve |"
  print "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  worst_backward = 0
  for (d = 1; d <= 6; d++) {
    n = qp_sizes[d]; s = "qp_dense_solve/" n; bw = "qp_dense_backward/" n; fw = "qp_dense_forward/" n
    if (!has(s) || !has(bw) || !has(fw)) continue
    r = time[bw] / time[s]
    if (r > worst_backward) worst_backward = r
    printf "| %s | %s | %s | %s | %.2f%% | %s | %.2f%% |\n", n, (s in iterations) ? iterations[s] : "", fmt(time[s]),
      fmt(time[bw]), 100 * r, fmt(time[fw]), 100 * time[fw] / time[s]
  }
  print ""
  print "| layer (batch 1) | backward / forward |"
  print "| --- | ---: |"
  for (l = 1; l <= 2; l++) {
    layer = layers[l]
    ns = split(solvers[layer], impls, " "); nn = split(sizes[layer], dims, " ")
    for (i = 1; i <= ns; i++) for (d = 1; d <= nn; d++) {
      f = layer "_" impls[i] "_forward/" dims[d]; bw = layer "_" impls[i] "_backward/" dims[d]
      if (has(f) && has(bw)) printf "| %s_%s/%s | %.2f%% |\n", layer, impls[i], dims[d], 100 * time[bw] / time[f]
    }
  }

  print ""
  print "### Fitted exponent: time ~ n^k (least squares on log-log)"
  print ""
  print "| benchmark | k, n = 10 ... 500 | k, n = 100 ... 500 |"
  print "| --- | ---: | ---: |"
  split("solve backward forward", qp_modes, " ")
  for (q = 1; q <= 3; q++) {
    line = "| qp_dense_" qp_modes[q]
    for (lo = 10; lo <= 100; lo += 90) {
      sx = 0; sy = 0; sxx = 0; sxy = 0; cnt = 0
      for (d = 1; d <= 6; d++) {
        n = qp_sizes[d] + 0; key = "qp_dense_" qp_modes[q] "/" n
        if (n < lo || !has(key)) continue
        x = log(n); y = log(time[key]); sx += x; sy += y; sxx += x * x; sxy += x * y; cnt++
      }
      line = line " | " ((cnt >= 2) ? sprintf("%.2f", (cnt * sxy - sx * sy) / (cnt * sxx - sx * sx)) : "-")
    }
    print line " |"
  }

  print ""
  print "### Batch of 64 QPs: throughput on 2 threads against 1"
  print ""
  print "| benchmark | 1 thread | 2 threads | speedup | CPU time of the calling thread, 1 / 2 threads |"
  print "| --- | ---: | ---: | ---: | ---: |"
  worst_speedup = -1
  split("solve backward", batch_modes, " ")
  for (q = 1; q <= 2; q++) for (n = 10; n <= 50; n += 40) {
    one = "qp_batch64_" batch_modes[q] "/" n "/threads:1"; two = "qp_batch64_" batch_modes[q] "/" n "/threads:2"
    if (!has(one) || !has(two)) continue
    speedup = time[one] / time[two]
    if (batch_modes[q] == "solve" && (worst_speedup < 0 || speedup < worst_speedup)) worst_speedup = speedup
    printf "| qp_batch64_%s/%d | %s | %s | %.2fx | %s / %s |\n", batch_modes[q], n, fmt(time[one]), fmt(time[two]), speedup,
      fmt(cpu_time[one]), fmt(cpu_time[two])
  }
  one = "cpu_control_spin/threads:1"; two = "cpu_control_spin/threads:2"
  if (has(one) && has(two))
    printf "| control: plain arithmetic on std::threads | %s | %s | %.2fx | |\n", fmt(time[one]), fmt(time[two]), time[one] / time[two]

  print ""
  print "### Quadrotor MPC (12 states, 4 inputs, N = 10): one solve, mean over the 100 states of a closed-loop flight"
  print ""
  print "| benchmark | real time | CPU time | IPM iterations per solve |"
  print "| --- | ---: | ---: | ---: |"
  split("condensed_solve condensed_solve_reduced condensed_solve_warm stagewise_solve stagewise_solve_warm condensed_backward", mpc, " ")
  for (i = 1; i <= 6; i++) {
    key = "mpc_" mpc[i] "/10"
    if (has(key))
      printf "| %s | %s | %s | %s |\n", key, fmt(time[key]), fmt(cpu_time[key]), (key in iterations) ? sprintf("%.1f", iterations[key]) : ""
  }

  print ""
  print "### Targets"
  print ""
  print "| target | measured | |"
  print "| --- | ---: | --- |"
  for (i = 1; i <= 2; i++) {
    impl = (i == 1) ? "qp" : "simplexqp"
    split("forward backward", tmodes, " "); limit[1] = 100; limit[2] = 20
    for (m = 1; m <= 2; m++) {
      key = "sparsemax_" impl "_" tmodes[m] "/10"; base = yardstick("sparsemax", tmodes[m] "/10")
      if (has(key) && base > 0)
        printf "| sparsemax_%s %s, n = 10: <= %dx analytic | %s | %s |\n", impl, tmodes[m], limit[m], ratio(time[key] / base),
          verdict(time[key] / base <= limit[m])
    }
  }
  key = "softmax_entropy_forward/10"; base = yardstick("softmax", "forward/10")
  if (has(key) && base > 0)
    printf "| softmax_entropy forward, n = 10: <= 200x analytic | %s | %s |\n", ratio(time[key] / base), verdict(time[key] / base <= 200)
  if (worst_backward > 0)
    printf "| dense QP backward <= 5%% of the solve at every n | worst %.2f%% | %s |\n", 100 * worst_backward, verdict(worst_backward <= 0.05)
  if (worst_speedup >= 0)
    printf "| batch of 64 solves: 2 threads >= 1.8x 1 thread | worst %.2fx | %s |\n", worst_speedup, verdict(worst_speedup >= 1.8)
  for (key in error) printf "\nbenchmark failed: %s\n", key
}
' "$@"
