#pragma once
// The few operations on problem matrices that differ between dense and sparse
// storage. The interior-point engine is written once against these overloads.

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <algorithm>
#include <optional>
#include <vector>

#include "solver/linalg/sparse_ldl.hpp"

namespace optlayer {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

/// Same dimensions and the same stored pattern (compressed storage).
inline bool same_pattern(const SparseMatrix& a, const SparseMatrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && a.nonZeros() == b.nonZeros() &&
         std::equal(a.outerIndexPtr(), a.outerIndexPtr() + a.outerSize() + 1, b.outerIndexPtr()) &&
         std::equal(a.innerIndexPtr(), a.innerIndexPtr() + a.nonZeros(), b.innerIndexPtr());
}

/// Largest |entry| (0 for an empty matrix).
inline double max_abs(const Eigen::MatrixXd& M) { return M.size() > 0 ? M.cwiseAbs().maxCoeff() : 0.0; }
inline double max_abs(const SparseMatrix& M) {
  return M.nonZeros() > 0 ? Eigen::Map<const Eigen::VectorXd>(M.valuePtr(), M.nonZeros()).cwiseAbs().maxCoeff()
                          : 0.0;
}

/// out(j) = max(out(j), max_i |M(i, j)|).
inline void update_column_max(const Eigen::MatrixXd& M, Eigen::VectorXd& out) {
  for (Eigen::Index j = 0; j < M.cols(); ++j)
    if (M.rows() > 0) out(j) = std::max(out(j), M.col(j).cwiseAbs().maxCoeff());
}
inline void update_column_max(const SparseMatrix& M, Eigen::VectorXd& out) {
  for (Eigen::Index j = 0; j < M.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(M, j); it; ++it) out(j) = std::max(out(j), std::abs(it.value()));
}

/// out(i) = max_j |M(i, j)|.
inline void row_max(const Eigen::MatrixXd& M, Eigen::VectorXd& out) {
  for (Eigen::Index i = 0; i < M.rows(); ++i) out(i) = M.cols() > 0 ? M.row(i).cwiseAbs().maxCoeff() : 0.0;
}
inline void row_max(const SparseMatrix& M, Eigen::VectorXd& out) {
  out.setZero();
  for (Eigen::Index j = 0; j < M.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(M, j); it; ++it) out(it.row()) = std::max(out(it.row()), std::abs(it.value()));
}

/// M <- diag(row) M diag(col), in place.
inline void scale_in_place(Eigen::MatrixXd& M, const Eigen::VectorXd& row, const Eigen::VectorXd& col) {
  M.array().colwise() *= row.array();
  M.array().rowwise() *= col.transpose().array();
}
inline void scale_in_place(SparseMatrix& M, const Eigen::VectorXd& row, const Eigen::VectorXd& col) {
  for (Eigen::Index j = 0; j < M.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(M, j); it; ++it) it.valueRef() *= row(it.row()) * col(j);
}

/// out = c M (same storage kind; no allocation once out has M's size or pattern).
inline void scaled_copy(const Eigen::MatrixXd& M, double c, Eigen::MatrixXd& out) { out = c * M; }
inline void scaled_copy(const SparseMatrix& M, double c, SparseMatrix& out) {
  out = M;
  out *= c;
}

/// Positive-semidefiniteness test of a symmetric P: Cholesky of P + tau I must succeed.
class ConvexityCheck {
 public:
  // emplace: assigning a fresh LLT would copy its unset info field (undefined behaviour).
  void resize(Eigen::Index n) { dense_.emplace(n); }
  bool positive_semidefinite(const Eigen::MatrixXd& P, double tau) {
    if (!dense_) dense_.emplace(P.rows());
    dense_->compute(P + tau * Eigen::MatrixXd::Identity(P.rows(), P.cols()));
    return dense_->info() == Eigen::Success;
  }
  /// Sparse P: LDL' of P + tau I (an AMD ordering), positive definite iff every pivot is > 0.
  /// The ordering and the analysis are kept while P's pattern stays (no allocation then).
  bool positive_semidefinite(const SparseMatrix& P, double tau);

  /// Positive semidefiniteness of P on the null space of A (p x n), where the objective of a QP
  /// with equality constraints Az = b lives: a P with negative curvature only across the
  /// equality constraints still makes a convex problem. True when
  ///   [P + tau I, A'; A, -delta I]
  /// has n positive and p negative pivots in an LDL' factorization, that is (by Sylvester's law
  /// of inertia) when P + tau I + A'A / delta is positive definite, which implies
  /// z'Pz >= -tau |z|^2 on Az = 0 (Finsler). Allocates (it runs once per equilibration, and
  /// only when P itself failed the test).
  static bool positive_semidefinite_on_null_space(const SparseMatrix& P, const SparseMatrix& A, double tau,
                                                  double delta);
  static bool positive_semidefinite_on_null_space(const Eigen::MatrixXd& P, const Eigen::MatrixXd& A, double tau,
                                                  double delta) {
    return positive_semidefinite_on_null_space(SparseMatrix(P.sparseView()), SparseMatrix(A.sparseView()), tau,
                                               delta);
  }

 private:
  void analyze_sparse(const SparseMatrix& P);

  std::optional<Eigen::LLT<Eigen::MatrixXd>> dense_;
  // Sparse: the pattern analyzed, the lower triangle with every diagonal entry, where each entry
  // of P (on or below the diagonal) goes in it, the permuted upper triangle that is factored and
  // where each entry of the lower triangle goes in that.
  SparseMatrix analyzed_pattern_, lower_, permuted_;
  std::vector<int> lower_position_, permuted_position_, diagonal_position_;
  SparseLdl ldl_;
};

/// The symmetric part (P + P') / 2, written into `out` (same storage kind).
inline void symmetric_part(const Eigen::MatrixXd& P, Eigen::MatrixXd& out) {
  out = P;
  for (Eigen::Index j = 0; j < P.cols(); ++j)
    for (Eigen::Index i = j + 1; i < P.rows(); ++i) out(i, j) = out(j, i) = 0.5 * (P(i, j) + P(j, i));
}
// When out already holds P's pattern and that pattern is symmetric (a control loop replacing
// P's values), the values are written in place; otherwise P + P' is formed (allocates).
inline void symmetric_part(const SparseMatrix& P, SparseMatrix& out) {
  if (out.isCompressed() && P.isCompressed() && same_pattern(P, out)) {
    bool mirrored = true;
    for (Eigen::Index j = 0; j < P.outerSize() && mirrored; ++j)
      for (SparseMatrix::InnerIterator it(P, j); it; ++it) {
        const auto column = static_cast<Eigen::Index>(it.row());
        const int* begin = P.innerIndexPtr() + P.outerIndexPtr()[column];
        const int* end = P.innerIndexPtr() + P.outerIndexPtr()[column + 1];
        const int* hit = std::lower_bound(begin, end, static_cast<int>(j));
        if (hit == end || *hit != j) {
          mirrored = false;
          break;
        }
        out.valuePtr()[&it.value() - P.valuePtr()] = 0.5 * (it.value() + P.valuePtr()[hit - P.innerIndexPtr()]);
      }
    if (mirrored) return;
  }
  const SparseMatrix transposed = P.transpose();
  out = 0.5 * (P + transposed);
}

}  // namespace optlayer
