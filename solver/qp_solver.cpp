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

namespace {

// Clears the per-solve fields of a result before a new solve.
void reset_result(QpResult& r) {
  r.status = Status::unsolved;
  r.message.clear();
  r.factorizations = 0;
  r.iterations = 0;
  r.certificate_z.setZero();
  r.certificate_lambda.setZero();
  r.certificate_nu.setZero();
}

template <class Dst, class Src>
bool assign_if_sized(Dst& dst, const Src& src) {
  if (src.rows() != dst.rows() || src.cols() != dst.cols()) return false;
  dst = src;
  return true;
}

// A warm start that fails is retried cold unless the failure is about the data itself.
bool worth_cold_retry(Status status) {
  return status != Status::solved && status != Status::invalid_input && status != Status::non_convex &&
         status != Status::time_limit;
}

}  // namespace

Status QpSolver::solve(const MatrixRef& P, const VectorRef& q, const MatrixRef& G, const VectorRef& h,
                       const MatrixRef& A, const VectorRef& b) {
  Impl& w = *impl_;
  std::string error = check_matrix("P", P, w.n, w.n);
  if (error.empty()) error = check_vector("q", q, w.n);
  if (error.empty()) error = check_matrix("G", G, w.m, w.n);
  if (error.empty()) error = check_vector("h", h, w.m);
  if (error.empty()) error = check_matrix("A", A, w.p, w.n);
  if (error.empty()) error = check_vector("b", b, w.p);
  if (!error.empty()) {
    reset_result(w.result);
    w.result.status = Status::invalid_input;
    w.result.message = error;
    w.result.solve_time = 0.0;
    return w.result.status;
  }
  w.user_P = P;
  w.user_q = q;
  w.user_G = G;
  w.user_h = h;
  w.user_A = A;
  w.user_b = b;
  w.has_data = true;
  return w.solve_held();
}

bool QpSolver::update_P(const MatrixRef& P) { return assign_if_sized(impl_->user_P, P); }
bool QpSolver::update_q(const VectorRef& q) { return assign_if_sized(impl_->user_q, q); }
bool QpSolver::update_G(const MatrixRef& G) { return assign_if_sized(impl_->user_G, G); }
bool QpSolver::update_h(const VectorRef& h) { return assign_if_sized(impl_->user_h, h); }
bool QpSolver::update_A(const MatrixRef& A) { return assign_if_sized(impl_->user_A, A); }
bool QpSolver::update_b(const VectorRef& b) { return assign_if_sized(impl_->user_b, b); }

Status QpSolver::solve() { return impl_->solve_held(); }

bool QpSolver::warm_start(const VectorRef& z, const VectorRef& s, const VectorRef& lambda, const VectorRef& nu) {
  Impl& w = *impl_;
  w.warm_pending = false;
  if (z.size() != w.n || s.size() != w.m || lambda.size() != w.m || nu.size() != w.p) return false;
  if (!z.allFinite() || !s.allFinite() || !lambda.allFinite() || !nu.allFinite()) return false;
  w.warm.z = z;
  w.warm.s = s;
  w.warm.lambda = lambda;
  w.warm.nu = nu;
  w.warm_pending = true;
  return true;
}

bool QpSolver::warm_start_from_result() {
  const QpResult& r = impl_->result;
  if (r.status == Status::invalid_input || r.status == Status::unsolved) return false;
  return warm_start(r.z, r.s, r.lambda, r.nu);
}

Status QpSolver::Impl::solve_held() {
  start_time = std::chrono::steady_clock::now();
  factorization_at_solution = false;
  reset_result(result);
  const bool use_warm_start = warm_pending;
  warm_pending = false;

  std::string error;
  if (!has_data) error = "no problem data: call solve(P, q, G, h, A, b) first";
  else if (n == 0) error = "the problem has no variables (n = 0)";
  if (error.empty()) error = check_matrix("P", user_P, n, n);
  if (error.empty()) error = check_vector("q", user_q, n);
  if (error.empty()) error = check_matrix("G", user_G, m, n);
  if (error.empty()) error = check_vector("h", user_h, m);
  if (error.empty()) error = check_matrix("A", user_A, p, n);
  if (error.empty()) error = check_vector("b", user_b, p);
  if (error.empty()) error = check_symmetric(user_P);
  if (error.empty()) error = settings.validation_error();
  if (!error.empty()) {
    result.status = Status::invalid_input;
    result.message = error;
    result.solve_time = 0.0;
    return result.status;
  }
  Status status = solve_copy(use_warm_start);
  if (use_warm_start && worth_cold_retry(status)) {
    const int warm_iterations = result.iterations;
    const int warm_factorizations = result.factorizations;
    reset_result(result);
    status = solve_copy(false);
    result.iterations += warm_iterations;
    result.factorizations += warm_factorizations;
  }
  result.solve_time = elapsed_seconds();
  return status;
}

// Copies the held data (symmetrizing P) into the working arrays, which are scaled in place.
Status QpSolver::Impl::solve_copy(bool use_warm_start) {
  P = user_P;
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j + 1; i < n; ++i) P(i, j) = P(j, i) = 0.5 * (user_P(i, j) + user_P(j, i));
  q = user_q;
  G = user_G;
  h = user_h;
  A = user_A;
  b = user_b;
  return run(use_warm_start);
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
