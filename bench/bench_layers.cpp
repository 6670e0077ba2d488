// Softmax and sparsemax as optimization layers against their analytic versions.
//
//   <layer>_<implementation>_<mode>/<n>            one row (batch 1)
//   <layer>_<implementation>_<mode>/<n>/batch:64   64 rows; the optlayer layers on 2 threads
//
// layer: softmax | sparsemax; implementation: analytic (sort-based threshold for sparsemax),
// pivot (sparsemax by Michelot's sort-free threshold), qp (sparsemax as a QP through the
// general dense QpSolver), simplexqp (the same QP through SimplexQpSolver, which uses its
// diagonal-plus-one-row structure), entropy
// (softmax as the entropy-regularized problem through the smooth convex solver); mode:
// forward | backward | forward_backward. Inputs are standard normal rows (seeded). Every
// benchmark is timed in real (wall-clock) time, because the batched layers run on two
// threads and CPU time of the calling thread would undercount them. Before timing, each
// optlayer layer is checked against the analytic one.

#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <functional>
#include <optlayer/optlayer.hpp>
#include <random>
#include <string>

#include "bench/analytic_softmax.hpp"
#include "bench/analytic_sparsemax.hpp"

namespace {

constexpr int kBatchThreads = 2;

Eigen::MatrixXd standard_normal(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd M(rows, cols);
  for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = normal(rng);
  return M;
}

// Inputs and cotangents of one benchmark; rows are stored as columns so each is contiguous.
struct Rows {
  Eigen::MatrixXd x, dy, y, dx;
  Rows(int n, int batch)
      : x(standard_normal(n, batch, 11)), dy(standard_normal(n, batch, 12)), y(n, batch), dx(n, batch) {}
};

enum class Mode { forward, backward, forward_backward };

// ---- analytic -----------------------------------------------------------------------------

void softmax_analytic(benchmark::State& state, int n, int batch, Mode mode) {
  Rows r(n, batch);
  for (int k = 0; k < batch; ++k) bench::softmax_forward(r.x.col(k), r.y.col(k));
  for (auto _ : state) {
    for (int k = 0; k < batch; ++k) {
      if (mode != Mode::backward) bench::softmax_forward(r.x.col(k), r.y.col(k));
      if (mode != Mode::forward) bench::softmax_backward(r.y.col(k), r.dy.col(k), r.dx.col(k));
    }
    benchmark::DoNotOptimize(r.y.data());
    benchmark::DoNotOptimize(r.dx.data());
    benchmark::ClobberMemory();
  }
}

// Sparsemax by the sort-based (pivot = false) or Michelot's (pivot = true) threshold.
void sparsemax_analytic(benchmark::State& state, int n, int batch, Mode mode, bool pivot) {
  Rows r(n, batch);
  Eigen::VectorXd scratch(n);
  auto forward = [&](int k) {
    const double tau = pivot ? bench::sparsemax_threshold_pivot(r.x.col(k))
                             : bench::sparsemax_threshold_sort(r.x.col(k), scratch);
    bench::sparsemax_apply(r.x.col(k), tau, r.y.col(k));
  };
  for (int k = 0; k < batch; ++k) forward(k);
  for (auto _ : state) {
    for (int k = 0; k < batch; ++k) {
      if (mode != Mode::backward) forward(k);
      if (mode != Mode::forward) bench::sparsemax_backward(r.y.col(k), r.dy.col(k), r.dx.col(k));
    }
    benchmark::DoNotOptimize(r.y.data());
    benchmark::DoNotOptimize(r.dx.data());
    benchmark::ClobberMemory();
  }
}

// ---- optlayer -----------------------------------------------------------------------------

// Times a layer with forward(X, Y) / backward(dY, dX) on rows (layer convention: one row per
// problem), after checking its output against `reference` (the analytic rows, one per column).
template <typename Layer>
void time_layer(benchmark::State& state, Layer& layer, const Rows& r, const Eigen::MatrixXd& reference, Mode mode) {
  const Eigen::MatrixXd X = r.x.transpose(), dY = r.dy.transpose();
  Eigen::MatrixXd Y, dX;
  if (layer.forward(X, Y) != optlayer::Status::solved || !layer.backward(dY, dX)) {
    state.SkipWithError("layer failed");
    return;
  }
  if ((Y - reference.transpose()).cwiseAbs().maxCoeff() > 1e-8) {
    state.SkipWithError("layer output differs from the analytic one");
    return;
  }
  for (auto _ : state) {
    if (mode != Mode::backward) benchmark::DoNotOptimize(layer.forward(X, Y));
    if (mode != Mode::forward) benchmark::DoNotOptimize(layer.backward(dY, dX));
  }
}

// Inputs with their analytic sparsemax in y: the reference each layer's output is checked against.
Rows sparsemax_rows(int n, int batch) {
  Rows r(n, batch);
  Eigen::VectorXd scratch(n);
  for (int k = 0; k < batch; ++k)
    bench::sparsemax_apply(r.x.col(k), bench::sparsemax_threshold_sort(r.x.col(k), scratch), r.y.col(k));
  return r;
}

void sparsemax_qp(benchmark::State& state, int n, int batch, Mode mode) {
  Rows r = sparsemax_rows(n, batch);
  optlayer::QpLayerOptions options;
  options.threads = batch > 1 ? kBatchThreads : 1;
  optlayer::SparsemaxLayer layer(n, options);
  time_layer(state, layer, r, r.y, mode);
  state.counters["ipm_iterations"] = layer.layer().batch().result(0).iterations;
}

void sparsemax_simplexqp(benchmark::State& state, int n, int batch, Mode mode) {
  Rows r = sparsemax_rows(n, batch);
  optlayer::QpLayerOptions options;
  options.threads = batch > 1 ? kBatchThreads : 1;
  optlayer::SimplexSparsemaxLayer layer(n, options);
  time_layer(state, layer, r, r.y, mode);
  state.counters["ipm_iterations"] = layer.solver(0).result().iterations;
}

void softmax_entropy(benchmark::State& state, int n, int batch, Mode mode) {
  Rows r(n, batch);
  for (int k = 0; k < batch; ++k) bench::softmax_forward(r.x.col(k), r.y.col(k));
  optlayer::SoftmaxLayer layer(n, optlayer::layer_settings(), batch > 1 ? kBatchThreads : 1);
  time_layer(state, layer, r, r.y, mode);
  state.counters["ipm_iterations"] = layer.layer().solver(0).result().iterations;
}

// ---- registration -------------------------------------------------------------------------

const char* mode_name(Mode mode) {
  return mode == Mode::forward ? "forward" : mode == Mode::backward ? "backward" : "forward_backward";
}

std::string benchmark_name(const char* layer_and_implementation, Mode mode, int n, int batch) {
  std::string name = std::string(layer_and_implementation) + "_" + mode_name(mode) + "/" + std::to_string(n);
  if (batch > 1) name += "/batch:" + std::to_string(batch);
  return name;
}

void add(const char* name, Mode mode, int n, int batch, std::function<void(benchmark::State&)> run) {
  benchmark::RegisterBenchmark(benchmark_name(name, mode, n, batch).c_str(), run)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}

void register_all() {
  for (Mode mode : {Mode::forward, Mode::backward, Mode::forward_backward}) {
    for (int batch : {1, 64}) {
      for (int n : {10, 100, 1000}) {
        add("sparsemax_analytic", mode, n, batch, [=](benchmark::State& s) { sparsemax_analytic(s, n, batch, mode, false); });
        add("sparsemax_pivot", mode, n, batch, [=](benchmark::State& s) { sparsemax_analytic(s, n, batch, mode, true); });
        add("sparsemax_simplexqp", mode, n, batch, [=](benchmark::State& s) { sparsemax_simplexqp(s, n, batch, mode); });
        if (n <= 100) add("sparsemax_qp", mode, n, batch, [=](benchmark::State& s) { sparsemax_qp(s, n, batch, mode); });
      }
      for (int n : {10, 100}) {
        add("softmax_analytic", mode, n, batch, [=](benchmark::State& s) { softmax_analytic(s, n, batch, mode); });
        add("softmax_entropy", mode, n, batch, [=](benchmark::State& s) { softmax_entropy(s, n, batch, mode); });
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
