#pragma once
// The few operations on problem matrices that differ between dense and sparse
// storage. The interior-point engine is written once against these overloads.

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <algorithm>
#include <optional>

namespace optlayer {

using SparseMatrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

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
  bool positive_semidefinite(const SparseMatrix& P, double tau) {
    SparseMatrix shifted = P;
    for (Eigen::Index i = 0; i < P.rows(); ++i) shifted.coeffRef(i, i) += tau;
    Eigen::SimplicialLLT<SparseMatrix, Eigen::Lower> llt(shifted);
    return llt.info() == Eigen::Success;
  }

 private:
  std::optional<Eigen::LLT<Eigen::MatrixXd>> dense_;
};

/// The symmetric part (P + P') / 2, written into `out` (same storage kind).
inline void symmetric_part(const Eigen::MatrixXd& P, Eigen::MatrixXd& out) {
  out = P;
  for (Eigen::Index j = 0; j < P.cols(); ++j)
    for (Eigen::Index i = j + 1; i < P.rows(); ++i) out(i, j) = out(j, i) = 0.5 * (P(i, j) + P(j, i));
}
inline void symmetric_part(const SparseMatrix& P, SparseMatrix& out) {
  const SparseMatrix transposed = P.transpose();
  out = 0.5 * (P + transposed);
  out.prune(0.0);
}

}  // namespace optlayer
