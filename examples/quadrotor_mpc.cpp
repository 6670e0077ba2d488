// Closed-loop MPC of a 12-state linearized quadrotor (4 inputs, dt = 0.1 s, horizon N = 10)
// flown from hover at the origin to a set point for 100 steps, with limits on roll and pitch,
// velocities and inputs. Every step solves the MPC QP, cold and warm-started, in the condensed
// and the stage-wise form, and prints the median and worst solve time and iteration count.
// Writes a picture of the trajectories and inputs (default build/demo/quadrotor.svg).
//
//   quadrotor_mpc [output.svg]          closed loop, four solver configurations
//   quadrotor_mpc --sweep-margin        warm-start iterations for several Settings::warm_start_margin

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <optlayer/optlayer.hpp>
#include <string>
#include <vector>

#include "svg_plot.hpp"

namespace {

using optlayer::MpcForm;
using optlayer::MpcLayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr int kSteps = 100;
constexpr double kDt = 0.1;

/// One closed-loop run: the states x_0..x_steps, the applied inputs, and per-step solver statistics.
struct Run {
  std::string name;
  MatrixXd states, inputs;
  std::vector<double> solve_us;
  std::vector<int> iterations;
  int failures = 0;
};

VectorXd set_point() {
  VectorXd r = VectorXd::Zero(12);
  r.head(3) << 1.5, -1.0, 1.0;
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t k = v.size() / 2;
  return v.size() % 2 ? v[k] : 0.5 * (v[k - 1] + v[k]);
}

// Flies the closed loop: each step plans from the measured state and applies the first input
// to the (linear) model. A failed solve applies zero input and is counted.
Run fly(MpcForm form, bool warm, const optlayer::Settings& settings) {
  const optlayer::LinearMpc mpc = optlayer::quadrotor_mpc(kDt, 10);
  MpcLayer layer(mpc, form, settings);
  layer.set_warm_start(warm);
  Run run;
  run.name = std::string(form == MpcForm::condensed ? "condensed" : "stage-wise") + (warm ? ", warm" : ", cold");
  run.states.setZero(12, kSteps + 1);
  run.inputs.setZero(4, kSteps);
  const VectorXd ref = set_point();
  for (int k = 0; k < kSteps; ++k) {
    const auto start = std::chrono::steady_clock::now();
    const optlayer::Status status = layer.solve(run.states.col(k), ref);
    const auto stop = std::chrono::steady_clock::now();
    run.solve_us.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
    run.iterations.push_back(layer.solver().result().iterations);
    if (status == optlayer::Status::solved) run.inputs.col(k) = layer.inputs().col(0);
    else ++run.failures;
    run.states.col(k + 1) = mpc.A * run.states.col(k) + mpc.B * run.inputs.col(k);
  }
  return run;
}

void print_summary(const Run& run) {
  std::vector<double> iterations(run.iterations.begin(), run.iterations.end());
  std::printf("%-20s %10.0f %10.0f %10.1f %8.0f %8.1f %9d\n", run.name.c_str(), median(run.solve_us),
              *std::max_element(run.solve_us.begin(), run.solve_us.end()), median(iterations),
              *std::max_element(iterations.begin(), iterations.end()),
              std::accumulate(iterations.begin(), iterations.end(), 0.0) / static_cast<double>(iterations.size()),
              run.failures);
}

// Row i of M as a vector (M is column-major, so the row is strided).
std::vector<double> row_values(const MatrixXd& M, Eigen::Index i, Eigen::Index count) {
  std::vector<double> v(static_cast<std::size_t>(count));
  for (Eigen::Index k = 0; k < count; ++k) v[static_cast<std::size_t>(k)] = M(i, k);
  return v;
}

std::vector<double> times(int count) {
  std::vector<double> t(static_cast<std::size_t>(count));
  for (int k = 0; k < count; ++k) t[static_cast<std::size_t>(k)] = k * kDt;
  return t;
}

void plot_states(svgplot::Figure& figure, const Run& run, const optlayer::LinearMpc& mpc) {
  const std::vector<double> t = times(kSteps + 1);
  const VectorXd ref = set_point();
  const char* position_names[] = {"x", "y", "z"};
  auto& position = figure.axes(0, 0).title("position").xlabel("t [s]").ylabel("m");
  for (int i = 0; i < 3; ++i) {
    position.line(t, row_values(run.states, i, kSteps + 1), svgplot::Style::color(i), position_names[i]);
    position.hline(ref(i), svgplot::Style::dashed(svgplot::palette(i)));
  }
  auto& angles = figure.axes(0, 1).title("roll and pitch (limit 0.3 rad)").xlabel("t [s]").ylabel("rad");
  angles.line(t, row_values(run.states, 3, kSteps + 1), svgplot::Style::color(0), "roll");
  angles.line(t, row_values(run.states, 4, kSteps + 1), svgplot::Style::color(1), "pitch");
  angles.hline(mpc.x_max(3), svgplot::Style::dashed("#888888"), "limit").hline(mpc.x_min(3));
  auto& velocity = figure.axes(1, 0).title("velocity (limit 1 m/s)").xlabel("t [s]").ylabel("m/s");
  const char* velocity_names[] = {"vx", "vy", "vz"};
  for (int i = 0; i < 3; ++i)
    velocity.line(t, row_values(run.states, 6 + i, kSteps + 1), svgplot::Style::color(i), velocity_names[i]);
  velocity.hline(mpc.x_max(6), svgplot::Style::dashed("#888888"), "limit").hline(mpc.x_min(6));
}

void plot_inputs(svgplot::Figure& figure, const Run& run, const optlayer::LinearMpc& mpc) {
  const std::vector<double> t = times(kSteps);
  auto& thrust = figure.axes(1, 1).title("thrust relative to hover").xlabel("t [s]").ylabel("N");
  thrust.line(t, row_values(run.inputs, 0, kSteps), svgplot::Style::color(0), "thrust");
  thrust.hline(mpc.u_max(0), svgplot::Style::dashed("#888888"), "limit").hline(mpc.u_min(0));
  auto& torque = figure.axes(2, 0).title("torques").xlabel("t [s]").ylabel("N m");
  const char* names[] = {"roll", "pitch", "yaw"};
  for (int i = 0; i < 3; ++i) torque.line(t, row_values(run.inputs, 1 + i, kSteps), svgplot::Style::color(i), names[i]);
  torque.hline(mpc.u_max(1), svgplot::Style::dashed("#888888"), "limit").hline(mpc.u_min(1));
}

void plot_iterations(svgplot::Figure& figure, const std::vector<Run>& runs) {
  auto& ax = figure.axes(2, 1).title("interior-point iterations per step").xlabel("step").ylabel("iterations");
  for (std::size_t r = 0; r < runs.size(); ++r) {
    std::vector<double> steps, iterations;
    for (int k = 0; k < kSteps; ++k) {
      steps.push_back(k);
      iterations.push_back(runs[r].iterations[static_cast<std::size_t>(k)]);
    }
    ax.markers(steps, iterations, r % 2 ? svgplot::Marker::cross : svgplot::Marker::circle, 2.5,
               svgplot::Style::color(static_cast<int>(r)), runs[r].name);
  }
}

bool write_picture(const std::vector<Run>& runs, const std::string& path) {
  const optlayer::LinearMpc mpc = optlayer::quadrotor_mpc(kDt, 10);
  svgplot::Figure figure(3, 2);
  figure.title("quadrotor MPC: hover at the origin to (1.5, -1, 1) m, N = 10, dt = 0.1 s");
  plot_states(figure, runs.front(), mpc);
  plot_inputs(figure, runs.front(), mpc);
  plot_iterations(figure, runs);
  const std::filesystem::path file(path);
  std::error_code ignored;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ignored);
  return figure.save(path);
}

// Warm-start iterations of the condensed closed loop for several margins (the measurement behind
// the default Settings::warm_start_margin).
void sweep_margin() {
  std::printf("%-12s %12s %12s %12s\n", "margin", "median iter", "worst iter", "mean iter");
  for (double margin : {1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0}) {
    optlayer::Settings settings;
    settings.warm_start_margin = margin;
    for (MpcForm form : {MpcForm::condensed, MpcForm::stagewise}) {
      const Run run = fly(form, true, settings);
      std::vector<double> it(run.iterations.begin(), run.iterations.end());
      std::printf("%-12g %12.1f %12.0f %12.2f  (%s, %d failed)\n", margin, median(it),
                  *std::max_element(it.begin(), it.end()),
                  std::accumulate(it.begin(), it.end(), 0.0) / static_cast<double>(it.size()), run.name.c_str(),
                  run.failures);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--sweep-margin") == 0) {
    sweep_margin();
    return 0;
  }
  const std::string output = argc > 1 ? argv[1] : "build/demo/quadrotor.svg";
  std::vector<Run> runs;
  for (MpcForm form : {MpcForm::condensed, MpcForm::stagewise})
    for (bool warm : {false, true}) runs.push_back(fly(form, warm, optlayer::mpc_settings(form)));

  std::printf("quadrotor MPC, %d closed-loop steps (12 states, 4 inputs, N = 10, dt = %.1f s)\n", kSteps, kDt);
  std::printf("%-20s %10s %10s %10s %8s %8s %9s\n", "form, start", "median us", "worst us", "median it", "worst it",
              "mean it", "failures");
  for (const Run& run : runs) print_summary(run);
  double spread = 0.0;
  for (const Run& run : runs) spread = std::max(spread, (run.states - runs.front().states).cwiseAbs().maxCoeff());
  std::printf("largest difference between the four closed-loop trajectories: %.2e\n", spread);
  std::printf("final position: (%.3f, %.3f, %.3f) m, set point (1.5, -1, 1) m\n", runs.front().states(0, kSteps),
              runs.front().states(1, kSteps), runs.front().states(2, kSteps));
  if (!write_picture(runs, output)) {
    std::fprintf(stderr, "could not write %s\n", output.c_str());
    return 1;
  }
  std::printf("wrote %s\n", output.c_str());
  int failures = 0;
  for (const Run& run : runs) failures += run.failures;
  return failures == 0 ? 0 : 1;
}
