// The quadrotor MPC solve (12 states, 4 inputs, horizon N) in both QP forms, cold and
// warm-started, over the states of a 100-step closed-loop flight (hover to a set point).
//
//   mpc_condensed_solve/N        condensed form (N nu variables, dense backend), cold start
//   mpc_condensed_solve_warm/N   the same, warm-started from the previous step's plan
//   mpc_condensed_solve_reduced/N  cold, dense KKT held to the reduced Cholesky form
//   mpc_stagewise_solve/N        stage-wise form (N (nx + nu) variables, sparse backend), cold
//   mpc_stagewise_solve_warm/N   the same, warm-started
//   mpc_condensed_backward/N     gradient of a loss on the plan with respect to the MPC data
// Each iteration solves the next state of the flight; "iters" is the mean interior-point iterations.

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <algorithm>
#include <optlayer/optlayer.hpp>
#include <string>
#include <vector>

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;
using optlayer::MpcForm;
using optlayer::MpcLayer;

VectorXd set_point() {
  VectorXd r = VectorXd::Zero(12);
  r.head(3) << 1.5, -1.0, 1.0;
  return r;
}

// The measured states of a closed-loop flight with horizon N (computed once per N).
const std::vector<VectorXd>& flight(int horizon) {
  static std::vector<std::vector<VectorXd>> cache(64);
  std::vector<VectorXd>& states = cache.at(static_cast<std::size_t>(horizon));
  if (!states.empty()) return states;
  const optlayer::LinearMpc mpc = optlayer::quadrotor_mpc(0.1, horizon);
  MpcLayer layer(mpc, MpcForm::condensed);
  VectorXd x = VectorXd::Zero(12);
  for (int k = 0; k < 100; ++k) {
    states.push_back(x);
    const bool ok = layer.solve(x, set_point()) == optlayer::Status::solved;
    x = mpc.A * x + mpc.B * (ok ? VectorXd(layer.inputs().col(0)) : VectorXd::Zero(4));
  }
  return states;
}

void run_solves(benchmark::State& state, MpcForm form, bool warm, const optlayer::Settings& settings) {
  const int horizon = static_cast<int>(state.range(0));
  const std::vector<VectorXd>& states = flight(horizon);
  MpcLayer layer(optlayer::quadrotor_mpc(0.1, horizon), form, settings);
  layer.set_warm_start(warm);
  const VectorXd ref = set_point();
  layer.solve(states.front(), ref);  // the first solve sizes everything
  std::size_t k = 0;
  double iterations = 0.0, solves = 0.0;
  for (auto _ : state) {
    // Wrapping around restarts the flight: the warm start then comes from the last step's plan,
    // still a valid (if poorer) start.
    const optlayer::Status status = layer.solve(states[k], ref);
    benchmark::DoNotOptimize(status);
    iterations += layer.solver().result().iterations;
    solves += 1.0;
    k = (k + 1) % states.size();
  }
  state.counters["iters"] = iterations / std::max(solves, 1.0);
  state.SetLabel("n=" + std::to_string(layer.qp().n()) + " m=" + std::to_string(layer.qp().m()) +
                 " p=" + std::to_string(layer.qp().p()));
}

void run_solves(benchmark::State& state, MpcForm form, bool warm) {
  run_solves(state, form, warm, optlayer::mpc_settings(form));
}

void mpc_condensed_solve(benchmark::State& state) { run_solves(state, MpcForm::condensed, false); }
void mpc_condensed_solve_warm(benchmark::State& state) { run_solves(state, MpcForm::condensed, true); }
// The dense backend held to its reduced (n x n Cholesky) form: the automatic mode's switch to the
// full LDL' form is what the cold condensed solve pays for.
void mpc_condensed_solve_reduced(benchmark::State& state) {
  optlayer::Settings settings = optlayer::mpc_settings(MpcForm::condensed);
  settings.kkt_method = optlayer::KktMethod::reduced;
  run_solves(state, MpcForm::condensed, false, settings);
}
void mpc_stagewise_solve(benchmark::State& state) { run_solves(state, MpcForm::stagewise, false); }
void mpc_stagewise_solve_warm(benchmark::State& state) { run_solves(state, MpcForm::stagewise, true); }

// One backward pass (QP adjoint on the kept factorization, then the MPC chain rule).
void mpc_condensed_backward(benchmark::State& state) {
  const int horizon = static_cast<int>(state.range(0));
  MpcLayer layer(optlayer::quadrotor_mpc(0.1, horizon), MpcForm::condensed);
  if (layer.solve(flight(horizon)[10], set_point()) != optlayer::Status::solved) {
    state.SkipWithError("the MPC solve failed");
    return;
  }
  const MatrixXd dl_dU = MatrixXd::Ones(4, horizon), dl_dX = MatrixXd::Ones(12, horizon);
  optlayer::MpcGradient gradient;
  for (auto _ : state) {
    benchmark::DoNotOptimize(layer.backward(dl_dU, dl_dX, gradient));
  }
}

}  // namespace

BENCHMARK(mpc_condensed_solve)->Arg(10)->Unit(benchmark::kMicrosecond);
BENCHMARK(mpc_condensed_solve_warm)->Arg(10)->Unit(benchmark::kMicrosecond);
BENCHMARK(mpc_condensed_solve_reduced)->Arg(10)->Unit(benchmark::kMicrosecond);
BENCHMARK(mpc_stagewise_solve)->Arg(10)->Unit(benchmark::kMicrosecond);
BENCHMARK(mpc_stagewise_solve_warm)->Arg(10)->Unit(benchmark::kMicrosecond);
BENCHMARK(mpc_condensed_backward)->Arg(10)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
