#include "solver/linalg/sparse_kkt.hpp"

#include <algorithm>
#include <limits>

namespace optlayer {

void SparseKkt::resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  n_ = n;
  m_ = m;
  p_ = p;
  refinement_.resize(n, m, p, /*with_krylov=*/true);
  w_.setOnes(m);
  P_diagonal_.setZero(n);
  diagonal_position_.assign(static_cast<std::size_t>(n + m + p), -1);
  permuted_diagonal_position_.assign(static_cast<std::size_t>(n + m + p), -1);
  permuted_x_.setZero(n + m + p);
  analyzed_ = false;
  factorizations_ = 0;
  analyses_ = 0;
}

void SparseKkt::prepare(const SparseMatrix& P, const SparseMatrix& G, const SparseMatrix& A, KktMethod) {
  P_ = &P;
  G_ = &G;
  A_ = &A;
  build_pattern();
  const bool analyze_again = !analyzed_ || !same_pattern(K_, analyzed_pattern_);
  if (analyze_again) {
    perm_ = amd_permutation(K_);  // as SimplicialLDLT would order it itself
    analyze();
  }
  permute_values();
}

// The pattern of the upper triangle of perm_ K perm_', where each of K's values goes in it, and
// where its diagonal lies.
void SparseKkt::build_permuted_pattern() {
  permuted_upper_pattern(K_, perm_.indices().data(), K_permuted_, permuted_position_);
  for (Eigen::Index k = 0; k < K_.rows(); ++k)
    permuted_diagonal_position_[static_cast<std::size_t>(k)] =
        permuted_position_[static_cast<std::size_t>(diagonal_position_[static_cast<std::size_t>(k)])];
}

void SparseKkt::permute_values() {
  double* permuted = K_permuted_.valuePtr();
  const double* values = K_.valuePtr();
  for (std::size_t t = 0; t < permuted_position_.size(); ++t) permuted[permuted_position_[t]] = values[t];
}

void SparseKkt::analyze() {
  build_permuted_pattern();
  ldl_.analyze(K_permuted_);
  analyzed_pattern_ = K_;
  analyzed_ = true;
  ++analyses_;
}

// Lower triangle, column by column: the diagonal (always stored, so that the regularization has
// a slot; P's diagonal entry or zero), P's entries below it, then G and A. Written directly in
// column order: triplets and their sort cost 4% of a stage-wise MPC solve, once per solve.
void SparseKkt::build_pattern() {
  const Eigen::Index size = n_ + m_ + p_;
  K_.resize(size, size);
  K_.reserve(P_->nonZeros() + G_->nonZeros() + A_->nonZeros() + size);
  auto put = [&](Eigen::Index row, Eigen::Index column, double value) {
    K_.insertBack(row, column) = value;
  };
  for (Eigen::Index j = 0; j < size; ++j) {
    K_.startVec(j);
    diagonal_position_[static_cast<std::size_t>(j)] = static_cast<int>(K_.data().size());
    if (j >= n_) {
      put(j, j, 0.0);
      continue;
    }
    P_diagonal_(j) = 0.0;
    for (SparseMatrix::InnerIterator it(*P_, j); it; ++it)
      if (it.row() == j) P_diagonal_(j) = it.value();
    put(j, j, P_diagonal_(j));
    for (SparseMatrix::InnerIterator it(*P_, j); it; ++it)
      if (it.row() > j) put(it.row(), j, it.value());
    for (SparseMatrix::InnerIterator it(*G_, j); it; ++it) put(n_ + it.row(), j, it.value());
    for (SparseMatrix::InnerIterator it(*A_, j); it; ++it) put(n_ + m_ + it.row(), j, it.value());
  }
  K_.finalize();
}

bool SparseKkt::factor(const Eigen::VectorXd& w, double rho, double delta, double delta_inequality) {
  w_ = w;
  double* values = K_permuted_.valuePtr();
  auto diagonal = [&](Eigen::Index k) -> double& { return values[permuted_diagonal_position_[static_cast<std::size_t>(k)]]; };
  for (Eigen::Index k = 0; k < n_; ++k) diagonal(k) = P_diagonal_(k) + rho;
  const double di = delta_inequality < 0.0 ? delta : delta_inequality;
  for (Eigen::Index i = 0; i < m_; ++i) diagonal(n_ + i) = -(w(i) + di);
  for (Eigen::Index i = 0; i < p_; ++i) diagonal(n_ + m_ + i) = -delta;
  ++factorizations_;
  return ldl_.factorize(K_permuted_);
}

void SparseKkt::solve_regularized(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) const {
  const int* perm = perm_.indices().data();
  for (Eigen::Index k = 0; k < rhs.size(); ++k) permuted_x_(perm[k]) = rhs(k);
  ldl_.solve_in_place(permuted_x_);
  x.resize(rhs.size());
  for (Eigen::Index k = 0; k < rhs.size(); ++k) x(k) = permuted_x_(perm[k]);
}

void SparseKkt::multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out) const {
  auto x1 = x.head(n_);
  auto x2 = x.segment(n_, m_);
  auto x3 = x.tail(p_);
  auto o1 = out.head(n_);
  auto o2 = out.segment(n_, m_);
  auto o3 = out.tail(p_);
  o1.noalias() = (*P_) * x1;
  o1.noalias() += G_->transpose() * x2;
  o1.noalias() += A_->transpose() * x3;
  o2.noalias() = (*G_) * x1;
  o2 -= w_.cwiseProduct(x2);
  o3.noalias() = (*A_) * x1;
}

double SparseKkt::solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x, int max_refinement_steps, bool,
                        double tolerance) {
  if (max_refinement_steps == 0) {  // refinement off: measuring the residual would cost a product with K
    solve_regularized(rhs, x);
    return std::numeric_limits<double>::quiet_NaN();
  }
  return refinement_.refine(*this, rhs, x, max_refinement_steps, tolerance);
}

}  // namespace optlayer
