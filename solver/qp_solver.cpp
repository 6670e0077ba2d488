// Public QpSolver API: setup, input checks, and the hand-off to the interior-point loop.

#include "optlayer/qp_solver.hpp"

#include <stdexcept>
#include <string>

#include "solver/input_validation.hpp"
#include "solver/qp_workspace.hpp"

namespace optlayer {

QpSolver::QpSolver() : impl_(std::make_unique<Impl>()) {}

QpSolver::QpSolver(Eigen::Index n, Eigen::Index m, Eigen::Index p, const Settings& settings) : QpSolver() {
  setup(n, m, p, settings);
}

QpSolver::~QpSolver() = default;
QpSolver::QpSolver(QpSolver&&) noexcept = default;
QpSolver& QpSolver::operator=(QpSolver&&) noexcept = default;

void QpSolver::setup(Eigen::Index n, Eigen::Index m, Eigen::Index p, const Settings& settings) {
  if (n < 0 || m < 0 || p < 0)
    throw std::invalid_argument("optlayer::QpSolver::setup: negative dimension (n = " + std::to_string(n) +
                                ", m = " + std::to_string(m) + ", p = " + std::to_string(p) + ")");
  settings.validate();
  impl_->settings = settings;
  impl_->resize(n, m, p);
}

void QpSolver::set_settings(const Settings& settings) {
  settings.validate();
  impl_->settings = settings;
}

const Settings& QpSolver::settings() const { return impl_->settings; }
const QpResult& QpSolver::result() const { return impl_->result; }
Eigen::Index QpSolver::num_variables() const { return impl_->n; }
Eigen::Index QpSolver::num_inequalities() const { return impl_->m; }
Eigen::Index QpSolver::num_equalities() const { return impl_->p; }
long QpSolver::total_factorizations() const { return impl_->total_factorizations; }

Status QpSolver::solve(const MatrixRef& P, const VectorRef& q, const MatrixRef& G, const VectorRef& h,
                       const MatrixRef& A, const VectorRef& b) {
  Impl& w = *impl_;
  w.start_time = std::chrono::steady_clock::now();
  w.factorization_at_solution = false;
  w.result.status = Status::unsolved;
  w.result.message.clear();
  w.result.factorizations = 0;
  w.result.iterations = 0;
  w.result.certificate_z.setZero();
  w.result.certificate_lambda.setZero();
  w.result.certificate_nu.setZero();

  std::string error = w.n == 0 ? std::string("the problem has no variables (n = 0)") : std::string();
  if (error.empty()) error = check_matrix("P", P, w.n, w.n);
  if (error.empty()) error = check_vector("q", q, w.n);
  if (error.empty()) error = check_matrix("G", G, w.m, w.n);
  if (error.empty()) error = check_vector("h", h, w.m);
  if (error.empty()) error = check_matrix("A", A, w.p, w.n);
  if (error.empty()) error = check_vector("b", b, w.p);
  if (error.empty()) error = check_symmetric(P);
  if (error.empty()) error = w.settings.validation_error();
  if (!error.empty()) {
    w.result.status = Status::invalid_input;
    w.result.message = error;
    w.result.solve_time = 0.0;
    return w.result.status;
  }

  // Copy (symmetrizing P) into the workspace; scaling happens in place there.
  w.P = P;
  for (Eigen::Index j = 0; j < w.n; ++j)
    for (Eigen::Index i = j + 1; i < w.n; ++i) w.P(i, j) = w.P(j, i) = 0.5 * (P(i, j) + P(j, i));
  w.q = q;
  w.G = G;
  w.h = h;
  w.A = A;
  w.b = b;
  const Status status = w.run();
  w.result.solve_time = w.elapsed_seconds();
  return status;
}

QpResult solve_qp(const QpSolver::MatrixRef& P, const QpSolver::VectorRef& q, const QpSolver::MatrixRef& G,
                  const QpSolver::VectorRef& h, const QpSolver::MatrixRef& A, const QpSolver::VectorRef& b,
                  const Settings& settings) {
  QpSolver solver;
  solver.setup(P.rows(), G.rows(), A.rows(), settings);
  solver.solve(P, q, G, h, A, b);
  return solver.result();
}

}  // namespace optlayer
