#pragma once
// Dense convex QP solver (primal-dual interior point) with derivatives of the solution.
//
//   minimize 1/2 z'Pz + q'z   subject to   Gz <= h,  Az = b
//
// The solver owns a workspace sized once by setup(); solving again with data of
// the same dimensions allocates nothing. After a solve it keeps the factorization
// of its final KKT system, which backward() and forward() reuse.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <memory>

#include "optlayer/qp_result.hpp"
#include "optlayer/settings.hpp"

namespace optlayer {

/// Gradient of a scalar loss with respect to every QP input (same shapes as the data).
struct QpGradient {
  Eigen::MatrixXd P;  ///< dL/dP, symmetric: the gradient with respect to a symmetric P
  Eigen::VectorXd q;  ///< dL/dq
  Eigen::MatrixXd G;  ///< dL/dG
  Eigen::VectorXd h;  ///< dL/dh
  Eigen::MatrixXd A;  ///< dL/dA
  Eigen::VectorXd b;  ///< dL/db

  /// Sizes every block (zeros) for n variables, m inequalities, p equalities: a backward into a
  /// gradient sized this way writes in place and allocates nothing.
  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
    P.setZero(n, n);
    q.setZero(n);
    G.setZero(m, n);
    h.setZero(m);
    A.setZero(p, n);
    b.setZero(p);
  }
};

/// Gradient with respect to sparse P, G, A on their sparsity patterns (what a sparse solve returns).
struct QpSparseGradient {
  Eigen::SparseMatrix<double> P;  ///< dL/dP on P's pattern (both triangles)
  Eigen::SparseMatrix<double> G;  ///< dL/dG on G's pattern
  Eigen::SparseMatrix<double> A;  ///< dL/dA on A's pattern
  Eigen::VectorXd q;              ///< dL/dq
  Eigen::VectorXd h;              ///< dL/dh
  Eigen::VectorXd b;              ///< dL/db
};

/// A perturbation of the QP inputs for forward mode; empty members mean zero.
struct QpPerturbation {
  Eigen::MatrixXd P;  ///< dP (symmetric), n x n or empty
  Eigen::MatrixXd G;  ///< dG, m x n or empty
  Eigen::MatrixXd A;  ///< dA, p x n or empty
  Eigen::VectorXd q;  ///< dq, n or empty
  Eigen::VectorXd h;  ///< dh, m or empty
  Eigen::VectorXd b;  ///< db, p or empty
};

struct QpJacobians;  // include/optlayer/qp_jacobians.hpp

/// Directional derivative of the primal-dual solution.
struct QpTangent {
  Eigen::VectorXd z;       ///< dz
  Eigen::VectorXd lambda;  ///< dlambda (inequality multipliers)
  Eigen::VectorXd nu;      ///< dnu (equality multipliers)
};

/// Dense or sparse data; which linear algebra runs is Settings::backend (automatic: dense when
/// n + m + p <= 600 or the KKT matrix is more than 5% full, sparse otherwise).
class QpSolver {
 public:
  using MatrixRef = Eigen::Ref<const Eigen::MatrixXd>;  ///< dense matrix input, taken without a copy
  using VectorRef = Eigen::Ref<const Eigen::VectorXd>;  ///< vector input, taken without a copy
  using SparseMatrix = Eigen::SparseMatrix<double>;     ///< sparse matrix input (column-major)

  /// An empty solver; setup() sizes it.
  QpSolver();
  /// Sizes the workspace for n variables, m inequalities and p equalities.
  /// Throws std::invalid_argument for negative sizes or invalid settings.
  QpSolver(Eigen::Index n, Eigen::Index m, Eigen::Index p, const Settings& settings = Settings());
  ~QpSolver();
  /// Movable (the workspace and the kept factorization move along); not copyable.
  QpSolver(QpSolver&&) noexcept;
  /// Move assignment; see the move constructor.
  QpSolver& operator=(QpSolver&&) noexcept;
  QpSolver(const QpSolver&) = delete;
  QpSolver& operator=(const QpSolver&) = delete;

  /// (Re)sizes the workspace. Throws std::invalid_argument for negative sizes or invalid settings.
  void setup(Eigen::Index n, Eigen::Index m, Eigen::Index p, const Settings& settings = Settings());
  /// Replaces the settings. Throws std::invalid_argument when they are invalid.
  void set_settings(const Settings& settings);
  /// The settings in use.
  const Settings& settings() const;

  /// Solves the QP. Never throws: bad input gives Status::invalid_input with a message.
  /// P must be symmetric (up to round-off) and positive semidefinite.
  Status solve(const MatrixRef& P, const VectorRef& q, const MatrixRef& G, const VectorRef& h,
               const MatrixRef& A, const VectorRef& b);

  /// Sparse data (P with both triangles stored). Never throws, like the dense overload.
  Status solve(const SparseMatrix& P, const VectorRef& q, const SparseMatrix& G, const VectorRef& h,
               const SparseMatrix& A, const VectorRef& b);

  /// Workspace use (control loops): replace one input of the held problem in place, then
  /// call solve() again; nothing is allocated. Each returns false and changes nothing when the
  /// dimensions are wrong; values (finiteness, symmetry) are checked by the next solve().
  ///@{
  bool update_P(const MatrixRef& P);
  bool update_q(const VectorRef& q);
  bool update_G(const MatrixRef& G);
  bool update_h(const VectorRef& h);
  bool update_A(const MatrixRef& A);
  bool update_b(const VectorRef& b);
  ///@}
  /// Sparse replacements of P (both triangles), G and A. With the pattern of the held matrix
  /// (a control loop's case) only the values are copied and nothing is allocated, also in the
  /// next solve; a new pattern is taken too, and the next solve analyzes it again.
  ///@{
  bool update_P(const SparseMatrix& P);
  bool update_G(const SparseMatrix& G);
  bool update_A(const SparseMatrix& A);
  ///@}
  /// Solves the problem held by the workspace (from the last solve(P, ...) and update_*()).
  /// Returns invalid_input when no data has been given yet.
  Status solve();

  /// Starts the next solve from a primal-dual point (z, s, lambda, nu) in original units, e.g.
  /// the previous solution shifted in time. The slacks and multipliers are pushed into the
  /// interior by Settings::warm_start_margin. If the warm-started solve does not end solved,
  /// it is repeated from the cold start, so a warm start never loses a solve. Returns false
  /// (and discards the point) when a size is wrong or a value is not finite.
  bool warm_start(const VectorRef& z, const VectorRef& s, const VectorRef& lambda, const VectorRef& nu);
  /// Convenience: warm start from the last result (after update_*()).
  bool warm_start_from_result();

  /// The last solve's result.
  const QpResult& result() const;

  /// Vector-Jacobian product: gradients of a loss L given dL/dz (and optionally dL/dlambda,
  /// dL/dnu; pass empty vectors for zero). Requires the last status to be solved; uses the
  /// kept factorization (no new factorization). Returns false (and leaves `out` untouched)
  /// when no solved problem is held or the cotangent sizes are wrong; also false (with `out`
  /// unspecified) when the derivative is not representable in double precision (NaN from
  /// overflow, possible only with data near the ends of the double range).
  bool backward(const VectorRef& dl_dz, const VectorRef& dl_dlambda, const VectorRef& dl_dnu,
                QpGradient& out);
  /// Backward with gradients of P, G, A restricted to the sparsity patterns of the data of the
  /// last solve (the gradient of a loss through a sparse layer). Same preconditions.
  bool backward(const VectorRef& dl_dz, const VectorRef& dl_dlambda, const VectorRef& dl_dnu,
                QpSparseGradient& out);
  /// Convenience: backward with dL/dlambda = dL/dnu = 0.
  bool backward(const VectorRef& dl_dz, QpGradient& out);

  /// Jacobian-vector product: the derivative of (z, lambda, nu) along a perturbation of the
  /// inputs. Same preconditions and return value as backward().
  bool forward(const QpPerturbation& perturbation, QpTangent& out);

  /// Dense dz/dq, dz/dh, dz/db (small problems): n backward solves with unit cotangents on the
  /// kept factorization, no new factorization. Same preconditions and return value as backward().
  bool jacobians(QpJacobians& out);

  /// n, m and p of the workspace.
  ///@{
  Eigen::Index num_variables() const;
  Eigen::Index num_inequalities() const;
  Eigen::Index num_equalities() const;
  ///@}
  /// KKT factorizations since setup (a backward or forward adds none).
  long total_factorizations() const;
  /// The backend the last solve used (dense or sparse; automatic before any solve).
  Backend active_backend() const;

  /// The workspace behind the interface (solver/qp/qp_solver_impl.hpp).
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// One-shot convenience: sets up a solver, solves, returns the result.
QpResult solve_qp(const QpSolver::MatrixRef& P, const QpSolver::VectorRef& q, const QpSolver::MatrixRef& G,
                  const QpSolver::VectorRef& h, const QpSolver::MatrixRef& A, const QpSolver::VectorRef& b,
                  const Settings& settings = Settings());

}  // namespace optlayer
