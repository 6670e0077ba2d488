// `optlayer check-grad FILE.qps [--seed S] [--directions K] [--json]`: solve, draw a random
// cotangent for z, and compare backward and forward mode with central differences.

#include <cstdio>
#include <random>
#include <string>

#include "cli/cli_args.hpp"
#include "cli/cli_commands.hpp"
#include "cli/json_writer.hpp"
#include "optlayer/gradcheck.hpp"

namespace optlayer::cli {
namespace {

// An error above this fails the command (exit status 1).
constexpr double kCheckGradTolerance = 1e-5;

struct CheckGradOptions {
  std::string path;
  std::uint64_t seed = 0;
  int directions = 0;  // 0: every entry when the problem is small, else 8 random directions
  bool json = false;
};

CheckGradOptions parse_check_grad_options(int argc, char** argv) {
  CheckGradOptions options;
  ArgReader args(argc, argv, 2);
  while (!args.done()) {
    const std::string arg = args.next();
    if (arg == "--seed") options.seed = static_cast<std::uint64_t>(args.integer(arg));
    else if (arg == "--directions") {
      options.directions = static_cast<int>(args.integer(arg));
      if (options.directions < 1) throw UsageError("--directions must be >= 1");
    } else if (arg == "--json") options.json = true;
    else if (!arg.empty() && arg[0] == '-') throw UsageError("unknown option " + arg);
    else if (options.path.empty()) options.path = arg;
    else throw UsageError("more than one input file given");
  }
  if (options.path.empty()) throw UsageError("check-grad needs a QPS file");
  return options;
}

// Entry-wise checks cost two solves per data entry: only for small problems.
int choose_directions(const CheckGradOptions& options, const LoadedQp& qp) {
  if (options.directions > 0) return options.directions;
  const Eigen::Index entries = qp.n() * (qp.n() + qp.m() + qp.p());
  return entries <= 400 ? 0 : 8;
}

void print_json(const std::string& name, const GradcheckReport& report, bool passed) {
  JsonWriter json(stdout);
  json.field("name", name);
  json.field("status", to_string(report.status));
  json.field("message", report.message);
  for (int i = 0; i < kNumQpInputs; ++i) {
    const std::string input = to_string(static_cast<QpInput>(i));
    json.field(("backward_error_" + input).c_str(), report.inputs[i].backward);
    json.field(("forward_error_" + input).c_str(), report.inputs[i].forward);
  }
  json.field("max_backward_error", report.max_backward_error());
  json.field("max_forward_error", report.max_forward_error());
  json.field("tolerance", kCheckGradTolerance);
  json.field("passed", passed);
  json.close();
}

}  // namespace

int run_check_grad(int argc, char** argv) {
  const CheckGradOptions options = parse_check_grad_options(argc, argv);
  const LoadedQp qp = load_qp(options.path);
  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal;
  GradcheckLoss loss;
  loss.z.resize(qp.n());
  for (Eigen::Index i = 0; i < qp.n(); ++i) loss.z(i) = normal(rng);

  GradcheckOptions check;
  check.seed = options.seed;
  check.directions = choose_directions(options, qp);
  check.tolerance = kCheckGradTolerance;
  // The finite-difference checker works on dense data.
  const Eigen::MatrixXd P(qp.P), G(qp.G), A(qp.A);
  const GradcheckReport report = gradcheck(P, qp.q, G, qp.h, A, qp.b, loss, check);
  const bool passed = report.passed();
  const std::string name = problem_name(options.path);
  if (options.json) {
    print_json(name, report, passed);
  } else if (report.status != Status::solved) {
    std::printf("%s: not solved (%s): %s\nno derivatives checked\n", name.c_str(), to_string(report.status),
                report.message.c_str());
  } else {
    std::printf("%s: %s\n%s", name.c_str(), passed ? "derivatives agree with finite differences" : "MISMATCH",
                report.summary().c_str());
  }
  return passed ? 0 : 1;
}

}  // namespace optlayer::cli
