// Public QpSolver API: setup, the choice between the dense and the sparse
// engine, and the hand-off to the interior-point loop.

#include "optlayer/qp_solver.hpp"

#include <stdexcept>
#include <string>

#include "solver/qp/input_validation.hpp"
#include "solver/qp/qp_solver_impl.hpp"

namespace optlayer {
namespace {

template <class Dst, class Src>
bool assign_if_sized(Dst& dst, const Src& src) {
  if (src.rows() != dst.rows() || src.cols() != dst.cols()) return false;
  dst = src;
  return true;
}

// Automatic choice: a dense factorization is cheaper and more robust on small
// problems; past a few hundred rows a sparse one wins unless the KKT matrix is full.
bool prefer_sparse(Eigen::Index n, Eigen::Index m, Eigen::Index p, double nonzeros) {
  const double size = static_cast<double>(n + m + p);
  if (size <= 600.0) return false;
  return nonzeros / (size * size) < 0.05;
}

double count_nonzeros(const Eigen::Ref<const Eigen::MatrixXd>& M) {
  return static_cast<double>((M.array() != 0.0).count());
}

std::string dimension_error(const char* name, Eigen::Index rows, Eigen::Index cols, Eigen::Index want_rows,
                            Eigen::Index want_cols) {
  return std::string(name) + " is " + std::to_string(rows) + " x " + std::to_string(cols) + " but must be " +
         std::to_string(want_rows) + " x " + std::to_string(want_cols);
}

}  // namespace

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
  Impl& w = *impl_;
  w.settings = settings;
  w.n = n;
  w.m = m;
  w.p = p;
  w.dense.reset();
  w.sparse.reset();
  w.active = Backend::automatic;
  w.factorizations_before = 0;
  // The dense workspace is sized here so that dense solves allocate nothing;
  // a sparse workspace is sized by its first solve (its size depends on the pattern).
  if (settings.backend != Backend::sparse && n + m + p <= 4000) w.dense_engine();
  w.empty_result.status = Status::unsolved;
}

void QpSolver::set_settings(const Settings& settings) {
  settings.validate();
  impl_->settings = settings;
  if (impl_->dense) impl_->dense->settings = settings;
  if (impl_->sparse) impl_->sparse->settings = settings;
}

const Settings& QpSolver::settings() const { return impl_->settings; }
const QpResult& QpSolver::result() const { return impl_->result(); }
Eigen::Index QpSolver::num_variables() const { return impl_->n; }
Eigen::Index QpSolver::num_inequalities() const { return impl_->m; }
Eigen::Index QpSolver::num_equalities() const { return impl_->p; }
Backend QpSolver::active_backend() const { return impl_->active; }

long QpSolver::total_factorizations() const {
  const Impl& w = *impl_;
  return w.factorizations_before + (w.dense ? w.dense->total_factorizations : 0) +
         (w.sparse ? w.sparse->total_factorizations : 0);
}

Status QpSolver::solve(const MatrixRef& P, const VectorRef& q, const MatrixRef& G, const VectorRef& h,
                       const MatrixRef& A, const VectorRef& b) {
  Impl& w = *impl_;
  std::string error = check_matrix("P", P, w.n, w.n);
  if (error.empty()) error = check_vector("q", q, w.n);
  if (error.empty()) error = check_matrix("G", G, w.m, w.n);
  if (error.empty()) error = check_vector("h", h, w.m);
  if (error.empty()) error = check_matrix("A", A, w.p, w.n);
  if (error.empty()) error = check_vector("b", b, w.p);
  if (!error.empty()) return w.reject(error);
  const bool sparse = w.settings.backend == Backend::sparse ||
                      (w.settings.backend == Backend::automatic &&
                       prefer_sparse(w.n, w.m, w.p, count_nonzeros(P) + 2 * count_nonzeros(G) + 2 * count_nonzeros(A)));
  if (sparse) {
    SparseEngine& e = w.sparse_engine();
    e.user_P = P.sparseView();
    e.user_G = G.sparseView();
    e.user_A = A.sparseView();
    return w.store_vectors_and_solve(e, q, h, b);
  }
  DenseEngine& e = w.dense_engine();
  e.user_P = P;
  e.user_G = G;
  e.user_A = A;
  return w.store_vectors_and_solve(e, q, h, b);
}

Status QpSolver::solve(const SparseMatrix& P, const VectorRef& q, const SparseMatrix& G, const VectorRef& h,
                       const SparseMatrix& A, const VectorRef& b) {
  Impl& w = *impl_;
  std::string error;
  if (P.rows() != w.n || P.cols() != w.n) error = dimension_error("P", P.rows(), P.cols(), w.n, w.n);
  else if (G.rows() != w.m || G.cols() != w.n) error = dimension_error("G", G.rows(), G.cols(), w.m, w.n);
  else if (A.rows() != w.p || A.cols() != w.n) error = dimension_error("A", A.rows(), A.cols(), w.p, w.n);
  if (error.empty()) error = check_vector("q", q, w.n);
  if (error.empty()) error = check_vector("h", h, w.m);
  if (error.empty()) error = check_vector("b", b, w.p);
  if (!error.empty()) return w.reject(error);
  const double nonzeros = static_cast<double>(P.nonZeros() + 2 * G.nonZeros() + 2 * A.nonZeros());
  const bool dense = w.settings.backend == Backend::dense ||
                     (w.settings.backend == Backend::automatic && !prefer_sparse(w.n, w.m, w.p, nonzeros));
  if (dense) {
    DenseEngine& e = w.dense_engine();
    e.user_P = Eigen::MatrixXd(P);
    e.user_G = Eigen::MatrixXd(G);
    e.user_A = Eigen::MatrixXd(A);
    return w.store_vectors_and_solve(e, q, h, b);
  }
  SparseEngine& e = w.sparse_engine();
  e.user_P = P;
  e.user_G = G;
  e.user_A = A;
  return w.store_vectors_and_solve(e, q, h, b);
}

bool QpSolver::update_P(const MatrixRef& P) {
  return impl_->with_active([&](auto& e) { return update_held_matrix(e, e.user_P, P); });
}
bool QpSolver::update_q(const VectorRef& q) {
  return impl_->with_active([&](auto& e) { return assign_if_sized(e.user_q, q); });
}
bool QpSolver::update_G(const MatrixRef& G) {
  return impl_->with_active([&](auto& e) { return update_held_matrix(e, e.user_G, G); });
}
bool QpSolver::update_h(const VectorRef& h) {
  return impl_->with_active([&](auto& e) { return assign_if_sized(e.user_h, h); });
}
bool QpSolver::update_A(const MatrixRef& A) {
  return impl_->with_active([&](auto& e) { return update_held_matrix(e, e.user_A, A); });
}
bool QpSolver::update_b(const VectorRef& b) {
  return impl_->with_active([&](auto& e) { return assign_if_sized(e.user_b, b); });
}
bool QpSolver::update_P(const SparseMatrix& P) {
  return impl_->with_active([&](auto& e) { return update_held_matrix(e, e.user_P, P); });
}
bool QpSolver::update_G(const SparseMatrix& G) {
  return impl_->with_active([&](auto& e) { return update_held_matrix(e, e.user_G, G); });
}
bool QpSolver::update_A(const SparseMatrix& A) {
  return impl_->with_active([&](auto& e) { return update_held_matrix(e, e.user_A, A); });
}

Status QpSolver::solve() {
  Impl& w = *impl_;
  if (w.active == Backend::automatic) return w.reject("no problem data: call solve(P, q, G, h, A, b) first");
  return w.with_active([](auto& e) { return e.solve_held(); });
}

bool QpSolver::warm_start(const VectorRef& z, const VectorRef& s, const VectorRef& lambda, const VectorRef& nu) {
  Impl& w = *impl_;
  if (z.size() != w.n || s.size() != w.m || lambda.size() != w.m || nu.size() != w.p) return false;
  if (!z.allFinite() || !s.allFinite() || !lambda.allFinite() || !nu.allFinite()) return false;
  return w.with_active([&](auto& e) {
    e.warm.z = z;
    e.warm.s = s;
    e.warm.lambda = lambda;
    e.warm.nu = nu;
    e.warm_pending = true;
    return true;
  });
}

bool QpSolver::warm_start_from_result() {
  const QpResult& r = result();
  if (r.status == Status::invalid_input || r.status == Status::unsolved) return false;
  return warm_start(r.z, r.s, r.lambda, r.nu);
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
