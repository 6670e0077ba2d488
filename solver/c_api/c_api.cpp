// The C API (include/optlayer/optlayer.h) over QpSolver. Every entry point catches all
// exceptions: none may cross into C.

#include "optlayer/optlayer.h"

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <limits>
#include <new>

#include "optlayer/qp_solver.hpp"
#include "solver/linalg/matrix_ops.hpp"

namespace {

using optlayer::Status;
using ConstMap = Eigen::Map<const Eigen::VectorXd>;
using ConstMatrixMap = Eigen::Map<const Eigen::MatrixXd>;

static_assert(static_cast<int>(Status::solved) == OPTLAYER_SOLVED, "status codes must match");
static_assert(static_cast<int>(Status::primal_infeasible) == OPTLAYER_PRIMAL_INFEASIBLE, "status codes must match");
static_assert(static_cast<int>(Status::dual_infeasible) == OPTLAYER_DUAL_INFEASIBLE, "status codes must match");
static_assert(static_cast<int>(Status::max_iterations) == OPTLAYER_MAX_ITERATIONS, "status codes must match");
static_assert(static_cast<int>(Status::time_limit) == OPTLAYER_TIME_LIMIT, "status codes must match");
static_assert(static_cast<int>(Status::numerical_error) == OPTLAYER_NUMERICAL_ERROR, "status codes must match");
static_assert(static_cast<int>(Status::invalid_input) == OPTLAYER_INVALID_INPUT, "status codes must match");
static_assert(static_cast<int>(Status::non_convex) == OPTLAYER_NON_CONVEX, "status codes must match");
static_assert(static_cast<int>(Status::unsolved) == OPTLAYER_UNSOLVED, "status codes must match");

// Bits of optlayer_workspace::given / ::changed.
enum Input : unsigned { kP = 1, kQ = 2, kG = 4, kH = 8, kA = 16, kB = 32, kAll = 63 };

optlayer::Settings to_cpp(const optlayer_settings& c) {
  optlayer::Settings s;
  s.eps_abs = c.eps_abs;
  s.eps_rel = c.eps_rel;
  s.eps_primal_infeasible = c.eps_primal_infeasible;
  s.eps_dual_infeasible = c.eps_dual_infeasible;
  s.max_iter = c.max_iter;
  s.time_limit = c.time_limit > 0.0 ? c.time_limit : std::numeric_limits<double>::infinity();
  s.verbose = c.verbose != 0;
  s.scaling_iterations = c.scaling_iterations;
  s.reg_primal = c.reg_primal;
  s.reg_dual = c.reg_dual;
  s.max_refinement_steps = c.max_refinement_steps;
  s.step_fraction = c.step_fraction;
  s.warm_start_margin = c.warm_start_margin;
  s.check_convexity = c.check_convexity != 0;
  s.max_polish_rounds = c.max_polish_rounds;
  s.search_certificates = c.search_certificates != 0;
  return s;
}

}  // namespace

/// The held data (the C side may give the inputs in any order before the first solve; QpSolver
/// takes a whole problem first), the solver, and preallocated gradient storage.
struct optlayer_workspace {
  optlayer::QpSolver solver;
  Eigen::Index n = 0, m = 0, p = 0;
  bool sparse = false;  // made by optlayer_setup_sparse: P, G, A held in sP, sG, sA
  Eigen::MatrixXd P, G, A;
  Eigen::SparseMatrix<double> sP, sG, sA;
  Eigen::VectorXd q, h, b;
  unsigned given = 0;    // inputs given at least once
  unsigned changed = 0;  // inputs changed since the solver last took them
  const char* own_message = nullptr;  // set when the C layer itself rejected the solve
  optlayer::QpGradient gradient;
  optlayer::QpSparseGradient sparse_gradient;
  Eigen::VectorXd empty;
};

namespace {

// Copies a column-major array into a held matrix; -1 for a NULL array of nonzero size.
int store(optlayer_workspace* w, Eigen::MatrixXd& held, const double* data, unsigned bit) {
  if (w == nullptr || (data == nullptr && held.size() > 0)) return -1;
  if (held.size() > 0) held = ConstMatrixMap(data, held.rows(), held.cols());
  w->given |= bit;
  w->changed |= bit;
  return 0;
}

int store(optlayer_workspace* w, Eigen::VectorXd& held, const double* data, unsigned bit) {
  if (w == nullptr || (data == nullptr && held.size() > 0)) return -1;
  if (held.size() > 0) held = ConstMap(data, held.size());
  w->given |= bit;
  w->changed |= bit;
  return 0;
}

// A dense matrix input: refused on a sparse workspace.
int store_dense_matrix(optlayer_workspace* w, Eigen::MatrixXd& held, const double* data, unsigned bit) {
  if (w == nullptr || w->sparse) return -1;
  return store(w, held, data, bit);
}

// A valid compressed-sparse-column pattern of a rows x cols matrix: col_ptr starts at 0 and does not
// decrease, row indices are in range and strictly increasing within each column.
bool valid_csc(Eigen::Index rows, Eigen::Index cols, const int* col_ptr, const int* row_index) {
  if (col_ptr == nullptr || col_ptr[0] != 0) return false;
  for (Eigen::Index j = 0; j < cols; ++j) {
    if (col_ptr[j + 1] < col_ptr[j]) return false;
    for (int k = col_ptr[j]; k < col_ptr[j + 1]; ++k) {
      if (row_index == nullptr || row_index[k] < 0 || row_index[k] >= rows) return false;
      if (k > col_ptr[j] && row_index[k] <= row_index[k - 1]) return false;
    }
  }
  return true;
}

// Copies a CSC matrix into a held sparse matrix (pattern and values); -1 also when the copy
// cannot be allocated (no exception crosses into C).
int store_csc(optlayer_workspace* w, Eigen::SparseMatrix<double>& held, Eigen::Index rows, const int* col_ptr,
              const int* row_index, const double* values, unsigned bit) {
  if (w == nullptr || !w->sparse) return -1;
  const Eigen::Index cols = w->n;
  if (!valid_csc(rows, cols, col_ptr, row_index)) return -1;
  const int nnz = col_ptr[cols];
  if (nnz > 0 && values == nullptr) return -1;
  try {
    held = Eigen::Map<const Eigen::SparseMatrix<double>>(rows, cols, nnz, col_ptr, row_index, values);
  } catch (...) {
    return -1;
  }
  w->given |= bit;
  w->changed |= bit;
  return 0;
}

// Replaces the values of a held sparse matrix in place.
int store_values(optlayer_workspace* w, Eigen::SparseMatrix<double>& held, const double* values, unsigned bit) {
  if (w == nullptr || !w->sparse || !(w->given & bit)) return -1;
  if (held.nonZeros() > 0 && values == nullptr) return -1;
  std::copy(values, values + held.nonZeros(), held.valuePtr());
  w->changed |= bit;
  return 0;
}

const char* missing_input_message(unsigned given, bool sparse) {
  if (!(given & kP)) return sparse ? "P was never given (optlayer_set_P_csc)" : "P was never given (optlayer_update_P)";
  if (!(given & kQ)) return "q was never given (optlayer_update_q)";
  if (!(given & kG)) return sparse ? "G was never given (optlayer_set_G_csc)" : "G was never given (optlayer_update_G)";
  if (!(given & kH)) return "h was never given (optlayer_update_h)";
  if (!(given & kA)) return sparse ? "A was never given (optlayer_set_A_csc)" : "A was never given (optlayer_update_A)";
  return "b was never given (optlayer_update_b)";
}

// Hands the changed inputs to the solver: the whole problem until it holds one, then in place (a
// sparse matrix with its held pattern: a copy of its values).
template <class Matrix>
Status solve_held(optlayer_workspace* w, const Matrix& P, const Matrix& G, const Matrix& A) {
  optlayer::QpSolver& s = w->solver;
  if (s.active_backend() == optlayer::Backend::automatic) {
    w->changed = 0;
    return s.solve(P, w->q, G, w->h, A, w->b);
  }
  if (w->changed & kP) s.update_P(P);
  if (w->changed & kQ) s.update_q(w->q);
  if (w->changed & kG) s.update_G(G);
  if (w->changed & kH) s.update_h(w->h);
  if (w->changed & kA) s.update_A(A);
  if (w->changed & kB) s.update_b(w->b);
  w->changed = 0;
  return s.solve();
}

Status solve_held(optlayer_workspace* w) {
  return w->sparse ? solve_held(w, w->sP, w->sG, w->sA) : solve_held(w, w->P, w->G, w->A);
}

// The values of a gradient on a held pattern, in its order. The gradient lives on the pattern of the
// data the solver holds, which is the held one (a sparse workspace solves on the sparse backend);
// false, and nothing written, if that ever fails to hold.
bool write_values(const Eigen::SparseMatrix<double>& pattern, const Eigen::SparseMatrix<double>& gradient,
                  double* out) {
  if (!optlayer::same_pattern(pattern, gradient)) return false;
  if (out != nullptr) std::copy(gradient.valuePtr(), gradient.valuePtr() + gradient.nonZeros(), out);
  return true;
}

void write(const Eigen::MatrixXd& value, double* out) {
  if (out != nullptr && value.size() > 0) Eigen::Map<Eigen::MatrixXd>(out, value.rows(), value.cols()) = value;
}

void write(const Eigen::VectorXd& value, double* out) {
  if (out != nullptr && value.size() > 0) Eigen::Map<Eigen::VectorXd>(out, value.size()) = value;
}

bool last_solve_usable(const optlayer_workspace* w) {
  return w != nullptr && w->own_message == nullptr && w->solver.result().status == Status::solved;
}

}  // namespace

extern "C" {

void optlayer_default_settings(optlayer_settings* settings) {
  if (settings == nullptr) return;
  const optlayer::Settings s;
  settings->eps_abs = s.eps_abs;
  settings->eps_rel = s.eps_rel;
  settings->eps_primal_infeasible = s.eps_primal_infeasible;
  settings->eps_dual_infeasible = s.eps_dual_infeasible;
  settings->max_iter = s.max_iter;
  settings->time_limit = 0.0;  // no limit
  settings->verbose = s.verbose ? 1 : 0;
  settings->scaling_iterations = s.scaling_iterations;
  settings->reg_primal = s.reg_primal;
  settings->reg_dual = s.reg_dual;
  settings->max_refinement_steps = s.max_refinement_steps;
  settings->step_fraction = s.step_fraction;
  settings->warm_start_margin = s.warm_start_margin;
  settings->check_convexity = s.check_convexity ? 1 : 0;
  settings->max_polish_rounds = s.max_polish_rounds;
  settings->search_certificates = s.search_certificates ? 1 : 0;
}

namespace {

// The workspace of optlayer_setup (dense matrices and gradient) or optlayer_setup_sparse.
optlayer_workspace* make_workspace(int n, int m, int p, const optlayer_settings* settings, bool sparse) {
  if (n <= 0 || m < 0 || p < 0) return nullptr;
  try {
    optlayer_settings c;
    optlayer_default_settings(&c);
    optlayer::Settings s = to_cpp(settings != nullptr ? *settings : c);
    if (!s.validation_error().empty()) return nullptr;
    // A sparse workspace solves on the sparse KKT backend: new values on the held patterns then
    // allocate nothing, and the gradients live on exactly those patterns.
    if (sparse) s.backend = optlayer::Backend::sparse;
    auto* w = new optlayer_workspace;
    w->n = n;
    w->m = m;
    w->p = p;
    w->sparse = sparse;
    w->solver.setup(n, m, p, s);
    w->q.setZero(n);
    w->h.setZero(m);
    w->b.setZero(p);
    if (sparse) {
      w->sP.resize(n, n);
      w->sG.resize(m, n);
      w->sA.resize(p, n);
    } else {
      w->P.setZero(n, n);
      w->G.setZero(m, n);
      w->A.setZero(p, n);
      w->gradient.resize(n, m, p);
    }
    return w;
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

optlayer_workspace* optlayer_setup(int n, int m, int p, const optlayer_settings* settings) {
  return make_workspace(n, m, p, settings, /*sparse=*/false);
}

optlayer_workspace* optlayer_setup_sparse(int n, int m, int p, const optlayer_settings* settings) {
  return make_workspace(n, m, p, settings, /*sparse=*/true);
}

void optlayer_free(optlayer_workspace* w) { delete w; }

int optlayer_update_P(optlayer_workspace* w, const double* P) { return w ? store_dense_matrix(w, w->P, P, kP) : -1; }
int optlayer_update_q(optlayer_workspace* w, const double* q) { return w ? store(w, w->q, q, kQ) : -1; }
int optlayer_update_G(optlayer_workspace* w, const double* G) { return w ? store_dense_matrix(w, w->G, G, kG) : -1; }
int optlayer_update_h(optlayer_workspace* w, const double* h) { return w ? store(w, w->h, h, kH) : -1; }
int optlayer_update_A(optlayer_workspace* w, const double* A) { return w ? store_dense_matrix(w, w->A, A, kA) : -1; }
int optlayer_update_b(optlayer_workspace* w, const double* b) { return w ? store(w, w->b, b, kB) : -1; }

int optlayer_set_P_csc(optlayer_workspace* w, const int* col_ptr, const int* row_index, const double* values) {
  return w ? store_csc(w, w->sP, w->n, col_ptr, row_index, values, kP) : -1;
}
int optlayer_set_G_csc(optlayer_workspace* w, const int* col_ptr, const int* row_index, const double* values) {
  return w ? store_csc(w, w->sG, w->m, col_ptr, row_index, values, kG) : -1;
}
int optlayer_set_A_csc(optlayer_workspace* w, const int* col_ptr, const int* row_index, const double* values) {
  return w ? store_csc(w, w->sA, w->p, col_ptr, row_index, values, kA) : -1;
}
int optlayer_update_P_values(optlayer_workspace* w, const double* values) {
  return w ? store_values(w, w->sP, values, kP) : -1;
}
int optlayer_update_G_values(optlayer_workspace* w, const double* values) {
  return w ? store_values(w, w->sG, values, kG) : -1;
}
int optlayer_update_A_values(optlayer_workspace* w, const double* values) {
  return w ? store_values(w, w->sA, values, kA) : -1;
}

optlayer_status optlayer_solve(optlayer_workspace* w) {
  if (w == nullptr) return OPTLAYER_INVALID_INPUT;
  if (w->given != kAll) {
    w->own_message = missing_input_message(w->given, w->sparse);
    return OPTLAYER_INVALID_INPUT;
  }
  w->own_message = nullptr;
  try {
    return static_cast<optlayer_status>(solve_held(w));
  } catch (...) {
    w->own_message = "internal error (exception) during the solve";
    return OPTLAYER_NUMERICAL_ERROR;
  }
}

int optlayer_warm_start(optlayer_workspace* w, const double* z, const double* s, const double* lambda,
                        const double* nu) {
  if (w == nullptr || z == nullptr || (w->m > 0 && (s == nullptr || lambda == nullptr)) ||
      (w->p > 0 && nu == nullptr))
    return -1;
  // Maps of size zero never read their (possibly NULL) pointer.
  const bool ok = w->solver.warm_start(ConstMap(z, w->n), ConstMap(s, w->m), ConstMap(lambda, w->m),
                                       ConstMap(nu, w->p));
  return ok ? 0 : -1;
}

int optlayer_warm_start_from_result(optlayer_workspace* w) {
  if (w == nullptr) return -1;
  return w->solver.warm_start_from_result() ? 0 : -1;
}

int optlayer_backward(optlayer_workspace* w, const double* dl_dz, const double* dl_dlambda, const double* dl_dnu,
                      double* grad_P, double* grad_q, double* grad_G, double* grad_h, double* grad_A,
                      double* grad_b) {
  if (!last_solve_usable(w) || dl_dz == nullptr || w->sparse) return -1;
  try {
    const ConstMap dz(dl_dz, w->n);
    const ConstMap dlam(dl_dlambda, dl_dlambda != nullptr ? w->m : 0);
    const ConstMap dnu(dl_dnu, dl_dnu != nullptr ? w->p : 0);
    if (!w->solver.backward(dz, dlam, dnu, w->gradient)) return -1;
    write(w->gradient.P, grad_P);
    write(w->gradient.q, grad_q);
    write(w->gradient.G, grad_G);
    write(w->gradient.h, grad_h);
    write(w->gradient.A, grad_A);
    write(w->gradient.b, grad_b);
    return 0;
  } catch (...) {
    return -1;
  }
}

int optlayer_backward_csc(optlayer_workspace* w, const double* dl_dz, const double* dl_dlambda,
                          const double* dl_dnu, double* grad_P_values, double* grad_q, double* grad_G_values,
                          double* grad_h, double* grad_A_values, double* grad_b) {
  if (!last_solve_usable(w) || dl_dz == nullptr || !w->sparse) return -1;
  try {
    const ConstMap dz(dl_dz, w->n);
    const ConstMap dlam(dl_dlambda, dl_dlambda != nullptr ? w->m : 0);
    const ConstMap dnu(dl_dnu, dl_dnu != nullptr ? w->p : 0);
    optlayer::QpSparseGradient& g = w->sparse_gradient;
    if (!w->solver.backward(dz, dlam, dnu, g)) return -1;
    if (!write_values(w->sP, g.P, grad_P_values) || !write_values(w->sG, g.G, grad_G_values) ||
        !write_values(w->sA, g.A, grad_A_values))
      return -1;
    write(g.q, grad_q);
    write(g.h, grad_h);
    write(g.b, grad_b);
    return 0;
  } catch (...) {
    return -1;
  }
}

int optlayer_forward(optlayer_workspace* w, const double* dP, const double* dq, const double* dG,
                     const double* dh, const double* dA, const double* db, double* dz, double* dlambda,
                     double* dnu) {
  if (!last_solve_usable(w)) return -1;
  try {
    const Eigen::Index n = w->n, m = w->m, p = w->p;
    optlayer::QpPerturbation d;  // empty members mean zero
    if (dP != nullptr) d.P = ConstMatrixMap(dP, n, n);
    if (dq != nullptr) d.q = ConstMap(dq, n);
    if (dG != nullptr && m > 0) d.G = ConstMatrixMap(dG, m, n);
    if (dh != nullptr && m > 0) d.h = ConstMap(dh, m);
    if (dA != nullptr && p > 0) d.A = ConstMatrixMap(dA, p, n);
    if (db != nullptr && p > 0) d.b = ConstMap(db, p);
    optlayer::QpTangent t;
    if (!w->solver.forward(d, t)) return -1;
    write(t.z, dz);
    write(t.lambda, dlambda);
    write(t.nu, dnu);
    return 0;
  } catch (...) {
    return -1;
  }
}

const double* optlayer_z(const optlayer_workspace* w) { return w ? w->solver.result().z.data() : nullptr; }
const double* optlayer_s(const optlayer_workspace* w) { return w ? w->solver.result().s.data() : nullptr; }
const double* optlayer_lambda(const optlayer_workspace* w) { return w ? w->solver.result().lambda.data() : nullptr; }
const double* optlayer_nu(const optlayer_workspace* w) { return w ? w->solver.result().nu.data() : nullptr; }

optlayer_status optlayer_get_status(const optlayer_workspace* w) {
  if (w == nullptr) return OPTLAYER_INVALID_INPUT;
  if (w->own_message != nullptr) return OPTLAYER_INVALID_INPUT;
  return static_cast<optlayer_status>(w->solver.result().status);
}

int optlayer_iterations(const optlayer_workspace* w) { return w ? w->solver.result().iterations : 0; }
int optlayer_polished(const optlayer_workspace* w) { return w && w->solver.result().polished ? 1 : 0; }
double optlayer_objective(const optlayer_workspace* w) { return w ? w->solver.result().objective : 0.0; }
double optlayer_primal_residual(const optlayer_workspace* w) { return w ? w->solver.result().primal_residual : 0.0; }
double optlayer_dual_residual(const optlayer_workspace* w) { return w ? w->solver.result().dual_residual : 0.0; }
double optlayer_duality_gap(const optlayer_workspace* w) { return w ? w->solver.result().duality_gap : 0.0; }
double optlayer_solve_time(const optlayer_workspace* w) { return w ? w->solver.result().solve_time : 0.0; }

const char* optlayer_message(const optlayer_workspace* w) {
  if (w == nullptr) return "no workspace";
  if (w->own_message != nullptr) return w->own_message;
  return w->solver.result().message.c_str();
}

const char* optlayer_status_string(optlayer_status status) {
  const int code = static_cast<int>(status);
  if (code < static_cast<int>(OPTLAYER_SOLVED) || code > static_cast<int>(OPTLAYER_UNSOLVED)) return "unknown";
  return optlayer::to_string(static_cast<Status>(status));
}

}  // extern "C"
