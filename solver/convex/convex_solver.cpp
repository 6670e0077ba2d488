// Public ConvexSolver API: construction, input checks, and the hand-off to the interior-point loop.

#include "optlayer/convex_solver.hpp"

#include <exception>
#include <string>

#include "solver/convex/convex_workspace.hpp"

namespace optlayer {

ConvexSolver::ConvexSolver(ConvexProblem problem, const Settings& settings)
    : impl_(std::make_unique<Impl>(std::move(problem))) {
  settings.validate();
  impl_->settings = settings;
  impl_->resize();
}

ConvexSolver::~ConvexSolver() = default;
ConvexSolver::ConvexSolver(ConvexSolver&&) noexcept = default;
ConvexSolver& ConvexSolver::operator=(ConvexSolver&&) noexcept = default;

void ConvexSolver::set_settings(const Settings& settings) {
  settings.validate();
  impl_->settings = settings;
}

const Settings& ConvexSolver::settings() const { return impl_->settings; }
const ConvexProblem& ConvexSolver::problem() const { return impl_->problem; }
const ConvexResult& ConvexSolver::result() const { return impl_->result; }
long ConvexSolver::total_factorizations() const { return impl_->factorizations(); }

Status ConvexSolver::solve(const VectorRef& x) { return solve(x, VectorRef(Eigen::VectorXd())); }

Status ConvexSolver::solve(const VectorRef& x, const VectorRef& z0) {
  Impl& w = *impl_;
  w.start_time = std::chrono::steady_clock::now();
  w.factorization_at_solution = false;
  w.result.status = Status::unsolved;
  w.result.message.clear();
  w.result.factorizations = 0;
  w.result.iterations = 0;
  w.result.certificate_lambda.setZero();
  w.result.certificate_nu.setZero();
  w.result.certificate_z.setZero();

  std::string error;
  if (x.size() != w.nx)
    error = "x has size " + std::to_string(x.size()) + ", expected nx = " + std::to_string(w.nx);
  else if (!x.allFinite())
    error = "x contains NaN or Inf";
  else if (z0.size() != 0 && z0.size() != w.n)
    error = "z0 has size " + std::to_string(z0.size()) + ", expected n = " + std::to_string(w.n);
  else if (z0.size() != 0 && !z0.allFinite())
    error = "z0 contains NaN or Inf";
  else
    error = w.settings.validation_error();
  if (!error.empty()) {
    w.result.status = Status::invalid_input;
    w.result.message = error;
    w.result.solve_time = 0.0;
    return w.result.status;
  }

  w.x = x;
  const long factorizations_before = w.factorizations();
  if (z0.size() != 0) w.trial.z = z0;  // trial.z is free until the loop starts
  Status status;
  try {
    status = w.run(z0.size() != 0 ? &w.trial.z : nullptr);
  } catch (const std::exception& e) {
    // User functions run inside the solve; an exception from one becomes a status, not a crash.
    w.factorization_at_solution = false;
    w.result.message = std::string("a problem function threw: ") + e.what();
    w.result.status = status = Status::numerical_error;
  }
  // DenseKkt counts every factorization, including its switches to the full form.
  w.result.factorizations = static_cast<int>(w.factorizations() - factorizations_before);
  w.result.solve_time = w.elapsed_seconds();
  return status;
}

}  // namespace optlayer
