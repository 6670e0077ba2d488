// `optlayer solve FILE.qps [...]`: read a QPS file, solve it, report.

#include <cstdio>
#include <cstdlib>
#include <string>

#include "cli/cli_args.hpp"
#include "cli/cli_commands.hpp"
#include "cli/json_writer.hpp"
#include "optlayer/optlayer.hpp"

namespace optlayer::cli {
namespace {

struct SolveOptions {
  std::string path;
  Settings settings;
  bool json = false;
};

// `--set NAME=VALUE` for the numeric expert settings (regularization, correctors, scaling...).
void apply_setting(Settings& settings, const std::string& assignment) {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string::npos) throw UsageError("--set needs NAME=VALUE, got '" + assignment + "'");
  const std::string name = assignment.substr(0, equals), text = assignment.substr(equals + 1);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') throw UsageError("--set " + name + ": '" + text + "' is not a number");
  if (name == "reg_primal") settings.reg_primal = value;
  else if (name == "reg_dual") settings.reg_dual = value;
  else if (name == "reg_inequality") settings.reg_inequality = value;
  else if (name == "max_refinement_steps") settings.max_refinement_steps = static_cast<int>(value);
  else if (name == "max_centrality_correctors") settings.max_centrality_correctors = static_cast<int>(value);
  else if (name == "max_polish_rounds") settings.max_polish_rounds = static_cast<int>(value);
  else if (name == "step_fraction") settings.step_fraction = value;
  else if (name == "scaling_iterations") settings.scaling_iterations = static_cast<int>(value);
  else if (name == "check_convexity") settings.check_convexity = value != 0.0;
  else if (name == "search_certificates") settings.search_certificates = value != 0.0;
  else if (name == "eps_primal_infeasible") settings.eps_primal_infeasible = value;
  else if (name == "eps_dual_infeasible") settings.eps_dual_infeasible = value;
  else throw UsageError("--set: unknown setting '" + name + "'");
}

SolveOptions parse_solve_options(int argc, char** argv) {
  SolveOptions options;
  ArgReader args(argc, argv, 2);
  while (!args.done()) {
    const std::string arg = args.next();
    if (arg == "--eps-abs") options.settings.eps_abs = args.number(arg);
    else if (arg == "--eps-rel") options.settings.eps_rel = args.number(arg);
    else if (arg == "--max-iter") options.settings.max_iter = static_cast<int>(args.integer(arg));
    else if (arg == "--time-limit") options.settings.time_limit = args.number(arg);
    else if (arg == "--verbose") options.settings.verbose = true;
    else if (arg == "--kkt") options.settings.backend = parse_backend(args.value(arg));
    else if (arg == "--set") apply_setting(options.settings, args.value(arg));
    else if (arg == "--json") options.json = true;
    else if (!arg.empty() && arg[0] == '-') throw UsageError("unknown option " + arg);
    else if (options.path.empty()) options.path = arg;
    else throw UsageError("more than one input file given");
  }
  if (options.path.empty()) throw UsageError("solve needs a QPS file");
  const std::string error = options.settings.validation_error();
  if (!error.empty()) throw UsageError(error);
  return options;
}

// Peak resident memory of this process (Linux /proc; 0 where unavailable).
double peak_memory_mb() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return 0.0;
  char line[256];
  double kb = 0.0;
  while (std::fgets(line, sizeof line, status) != nullptr)
    if (std::sscanf(line, "VmHWM: %lf kB", &kb) == 1) break;
  std::fclose(status);
  return kb / 1024.0;
}

void print_text(const std::string& name, const LoadedQp& qp, const QpResult& r, double objective,
                const char* backend_name) {
  std::printf("problem      %s (n = %ld, m = %ld, p = %ld)\n", name.c_str(), static_cast<long>(qp.n()),
              static_cast<long>(qp.m()), static_cast<long>(qp.p()));
  std::printf("backend      %s\n", backend_name);
  std::printf("status       %s\n", to_string(r.status));
  if (!r.message.empty()) std::printf("message      %s\n", r.message.c_str());
  std::printf("objective    %.12e\n", objective);
  std::printf("iterations   %d%s\n", r.iterations, r.polished ? " (then active-set polishing)" : "");
  std::printf("primal res   %.3e\ndual res     %.3e\nduality gap  %.3e\n", r.primal_residual, r.dual_residual,
              r.duality_gap);
  std::printf("solve time   %.6f s\n", r.solve_time);
}

void print_json(const std::string& name, const LoadedQp& qp, const QpResult& r, double objective,
                const char* backend_name) {
  JsonWriter json(stdout);
  json.field("name", name);
  json.field("status", to_string(r.status));
  json.field("message", r.message);
  json.field("objective", objective);
  json.field("iterations", static_cast<long>(r.iterations));
  json.field("polished", r.polished);
  json.field("primal_residual", r.primal_residual);
  json.field("dual_residual", r.dual_residual);
  json.field("duality_gap", r.duality_gap);
  json.field("solve_time_s", r.solve_time);
  json.field("n", static_cast<long>(qp.n()));
  json.field("m", static_cast<long>(qp.m()));
  json.field("p", static_cast<long>(qp.p()));
  json.field("backend", backend_name);
  json.field("peak_memory_mb", peak_memory_mb());
  json.field("x", r.z);
  json.close();
}

}  // namespace

int run_solve(int argc, char** argv) {
  const SolveOptions options = parse_solve_options(argc, argv);
  const LoadedQp qp = load_qp(options.path);
  QpSolver solver(qp.n(), qp.m(), qp.p(), options.settings);
  const Status status = solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b);
  const QpResult& r = solver.result();
  const double objective = qp.reported_objective(r.objective);
  const std::string name = problem_name(options.path);
  const char* backend_name = solver.active_backend() == Backend::sparse ? "sparse" : "dense";
  if (options.json) print_json(name, qp, r, objective, backend_name);
  else print_text(name, qp, r, objective, backend_name);
  return status == Status::solved ? 0 : 1;
}

}  // namespace optlayer::cli
