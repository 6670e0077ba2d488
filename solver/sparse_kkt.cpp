#include "solver/sparse_kkt.hpp"

#include <algorithm>

namespace optlayer {

void SparseKkt::resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  n_ = n;
  m_ = m;
  p_ = p;
  refinement_.resize(n, m, p);
  w_.setOnes(m);
  P_diagonal_.setZero(n);
  diagonal_position_.assign(static_cast<std::size_t>(n + m + p), -1);
  permuted_diagonal_position_.assign(static_cast<std::size_t>(n + m + p), -1);
  permuted_rhs_.setZero(n + m + p);
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
  const bool analyze_again = !analyzed_ || pattern_changed();
  if (analyze_again) {
    // AMD on the symmetric pattern, as SimplicialLDLT would order it itself.
    const SparseMatrix symmetric = K_.selfadjointView<Eigen::Lower>();
    Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int> amd;
    Eigen::AMDOrdering<int>()(symmetric, amd);
    perm_ = amd.inverse();
  }
  permute();
  if (analyze_again) analyze();
}

// K_permuted_ = upper triangle of perm_ K perm_' (values included), and where its diagonal lies.
void SparseKkt::permute() {
  K_permuted_.resize(K_.rows(), K_.cols());
  K_permuted_.selfadjointView<Eigen::Upper>() = K_.selfadjointView<Eigen::Lower>().twistedBy(perm_);
  for (Eigen::Index k = 0; k < K_.rows(); ++k) {
    const int j = perm_.indices()(k);  // K's row and column k are row and column j of K_permuted_
    const int* begin = K_permuted_.innerIndexPtr() + K_permuted_.outerIndexPtr()[j];
    const int* end = K_permuted_.innerIndexPtr() + K_permuted_.outerIndexPtr()[j + 1];
    const int* hit = std::find(begin, end, j);  // the permuted columns are not sorted
    permuted_diagonal_position_[static_cast<std::size_t>(k)] = static_cast<int>(hit - K_permuted_.innerIndexPtr());
  }
}

void SparseKkt::analyze() {
  ldlt_.analyzePattern(K_permuted_);
  analyzed_outer_.assign(K_.outerIndexPtr(), K_.outerIndexPtr() + K_.outerSize() + 1);
  analyzed_inner_.assign(K_.innerIndexPtr(), K_.innerIndexPtr() + K_.nonZeros());
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

bool SparseKkt::pattern_changed() const {
  return !std::equal(analyzed_outer_.begin(), analyzed_outer_.end(), K_.outerIndexPtr(),
                     K_.outerIndexPtr() + K_.outerSize() + 1) ||
         !std::equal(analyzed_inner_.begin(), analyzed_inner_.end(), K_.innerIndexPtr(),
                     K_.innerIndexPtr() + K_.nonZeros());
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
  ldlt_.factorize(K_permuted_);
  return ldlt_.info() == Eigen::Success && ldlt_.vectorD().allFinite();
}

void SparseKkt::solve_regularized(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) const {
  permuted_rhs_.noalias() = perm_ * rhs;
  permuted_x_ = ldlt_.solve(permuted_rhs_);
  x.noalias() = perm_.transpose() * permuted_x_;
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
  return refinement_.refine(*this, rhs, x, max_refinement_steps, tolerance);
}

}  // namespace optlayer
