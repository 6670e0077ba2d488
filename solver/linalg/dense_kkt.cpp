#include "solver/linalg/dense_kkt.hpp"

#include <algorithm>
#include <cmath>

namespace optlayer {
namespace {

// Cholesky factor of the lower triangle of H, in place; false when H is not numerically
// positive definite. Small matrices take the column-by-column algorithm: Eigen's blocked LLT
// (8-column panels at n = 40) spends more in its panel calls than it saves there; this about
// halves the Cholesky's instructions on the 40 x 40 condensed MPC. Factoring in place also
// saves the copy of H into an LLT object.
bool cholesky_in_place(Eigen::MatrixXd& H) {
  constexpr Eigen::Index kBlockedFrom = 64;
  const Eigen::Index n = H.rows();
  if (n >= kBlockedFrom) {
    const Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(H);
    return llt.info() == Eigen::Success;
  }
  for (Eigen::Index k = 0; k < n; ++k) {
    const double pivot = H(k, k) - H.row(k).head(k).squaredNorm();
    if (!(pivot > 0.0)) return false;
    H(k, k) = std::sqrt(pivot);
    const Eigen::Index below = n - k - 1;
    if (below == 0) continue;
    H.col(k).tail(below).noalias() -= H.bottomLeftCorner(below, k) * H.row(k).head(k).transpose();
    H.col(k).tail(below) /= H(k, k);
  }
  return true;
}

}  // namespace
void DenseKkt::resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  n_ = n;
  m_ = m;
  p_ = p;
  H_.setZero(n, n);
  AtA_.setZero(n, n);
  Gw_.setZero(m, n);
  general_rows_.assign(static_cast<std::size_t>(m), 0);
  bound_rows_.assign(static_cast<std::size_t>(m), 0);
  bound_columns_.assign(static_cast<std::size_t>(m), 0);
  bound_values_.setZero(m);
  G_general_.setZero(m, n);
  tmp_general_.setZero(m);
  blocks_.assign(static_cast<std::size_t>(std::max<Eigen::Index>(m, 1)), RowBlock{0, 0, 0});
  last_column_.assign(static_cast<std::size_t>(m), 0);
  column_count_.assign(static_cast<std::size_t>(n + 1), 0);
  sorted_rows_.assign(static_cast<std::size_t>(m), 0);
  // emplace, not assignment: a fresh LLT/LDLT leaves its info field unset, and copying that
  // enum is undefined behaviour (UBSan aborts on it).
  // The full form is sized here, not on first use: a control loop's first switch to it
  // (possibly many solves in) must not allocate.
  K_.setZero(n + m + p, n + m + p);
  ldlt_.emplace(n + m + p);
  w_.setOnes(m);
  inv_w_reg_.setOnes(m);
  sqrt_inv_w_reg_.setOnes(m);
  refinement_.resize(n, m, p, /*with_krylov=*/true);
  tmp_m_.setZero(m);
  tmp_p_.setZero(p);
  factorizations_ = 0;
}

void DenseKkt::prepare(const Eigen::MatrixXd& P, const Eigen::MatrixXd& G, const Eigen::MatrixXd& A,
                       KktMethod method, bool g_fixed) {
  P_ = &P;
  G_ = &G;
  A_ = &A;
  method_ = method;
  full_ = method == KktMethod::full;
  if (!full_ && p_ > 0) AtA_.noalias() = A.transpose() * A;
  classify_rows(g_fixed);
}

// Rows of G with one nonzero (bounds on single variables) add a diagonal term to the reduced
// matrix and cost O(1) in products; only the other rows need the rank update, the costliest
// part of factor_reduced. A G whose values change between factorizations (a Jacobian) is taken
// as all general rows, read from G itself.
void DenseKkt::classify_rows(bool g_fixed) {
  num_general_ = 0;
  num_bounds_ = 0;
  general_ = G_;
  if (!g_fixed) {
    for (Eigen::Index i = 0; i < m_; ++i) general_rows_[static_cast<std::size_t>(num_general_++)] = i;
    blocks_[0] = RowBlock{0, m_, n_};
    num_blocks_ = 1;
    return;
  }
  for (Eigen::Index i = 0; i < m_; ++i) {
    Eigen::Index nonzeros = 0, column = 0;
    for (Eigen::Index j = 0; j < n_ && nonzeros < 2; ++j)
      if ((*G_)(i, j) != 0.0) {
        ++nonzeros;
        column = j;
      }
    if (nonzeros == 1) {
      bound_rows_[static_cast<std::size_t>(num_bounds_)] = i;
      bound_columns_[static_cast<std::size_t>(num_bounds_)] = column;
      bound_values_(num_bounds_++) = (*G_)(i, column);
    } else {
      general_rows_[static_cast<std::size_t>(num_general_++)] = i;
    }
  }
  copy_general_rows_in_blocks();
}

// Sorts the general rows by their last nonzero column (a counting sort: no allocation), copies
// them into G_general_ and cuts blocks. A block closes where the last column grows, once it has
// kMinBlockRows rows: Eigen's products pack their operands, and smaller blocks cost more in
// calls than they save in zeros (quadrotor MPC, condensed: 8 rows -1%, 32 rows -12% instructions).
void DenseKkt::copy_general_rows_in_blocks() {
  constexpr Eigen::Index kMinBlockRows = 32;
  auto at = [](std::vector<Eigen::Index>& v, Eigen::Index k) -> Eigen::Index& { return v[static_cast<std::size_t>(k)]; };
  std::fill(column_count_.begin(), column_count_.end(), 0);
  for (Eigen::Index k = 0; k < num_general_; ++k) {
    Eigen::Index last = n_ - 1;
    while (last > 0 && (*G_)(at(general_rows_, k), last) == 0.0) --last;
    at(last_column_, k) = last;
    ++at(column_count_, last + 1);
  }
  for (Eigen::Index j = 0; j < n_; ++j) at(column_count_, j + 1) += at(column_count_, j);
  for (Eigen::Index k = 0; k < num_general_; ++k) at(sorted_rows_, at(column_count_, at(last_column_, k))++) = k;
  num_blocks_ = 0;
  Eigen::Index begin = 0;
  for (Eigen::Index k = 0; k < num_general_; ++k) {
    const Eigen::Index last = at(last_column_, at(sorted_rows_, k));
    const bool closes = k + 1 == num_general_ ||
                        (k + 1 - begin >= kMinBlockRows && at(last_column_, at(sorted_rows_, k + 1)) != last);
    if (!closes) continue;
    blocks_[static_cast<std::size_t>(num_blocks_++)] = RowBlock{begin, k + 1 - begin, last + 1};
    begin = k + 1;
  }
  // sorted_rows_ holds positions in general_rows_: turn them into rows of G, then copy.
  for (Eigen::Index k = 0; k < num_general_; ++k) at(sorted_rows_, k) = at(general_rows_, at(sorted_rows_, k));
  for (Eigen::Index k = 0; k < num_general_; ++k) {
    at(general_rows_, k) = at(sorted_rows_, k);
    G_general_.row(k) = G_->row(at(general_rows_, k));
  }
  general_ = &G_general_;
}

void DenseKkt::multiply_G(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> out) const {
  auto general = tmp_general_.head(num_general_);
  for (Eigen::Index b = 0; b < num_blocks_; ++b) {
    const RowBlock& block = blocks_[static_cast<std::size_t>(b)];
    general.segment(block.begin, block.rows).noalias() =
        general_->block(block.begin, 0, block.rows, block.cols) * x.head(block.cols);
  }
  for (Eigen::Index k = 0; k < num_general_; ++k) out(general_rows_[static_cast<std::size_t>(k)]) = general(k);
  for (Eigen::Index k = 0; k < num_bounds_; ++k)
    out(bound_rows_[static_cast<std::size_t>(k)]) = bound_values_(k) * x(bound_columns_[static_cast<std::size_t>(k)]);
}

void DenseKkt::add_G_transpose(const Eigen::Ref<const Eigen::VectorXd>& y, Eigen::Ref<Eigen::VectorXd> out) const {
  auto general = tmp_general_.head(num_general_);
  for (Eigen::Index k = 0; k < num_general_; ++k) general(k) = y(general_rows_[static_cast<std::size_t>(k)]);
  for (Eigen::Index b = 0; b < num_blocks_; ++b) {
    const RowBlock& block = blocks_[static_cast<std::size_t>(b)];
    out.head(block.cols).noalias() +=
        general_->block(block.begin, 0, block.rows, block.cols).transpose() * general.segment(block.begin, block.rows);
  }
  for (Eigen::Index k = 0; k < num_bounds_; ++k)
    out(bound_columns_[static_cast<std::size_t>(k)]) += bound_values_(k) * y(bound_rows_[static_cast<std::size_t>(k)]);
}

bool DenseKkt::factor(const Eigen::VectorXd& w, double rho, double delta, double delta_inequality) {
  w_ = w;
  rho_ = rho;
  delta_ = delta;
  di_ = delta_inequality < 0.0 ? delta : delta_inequality;
  inv_w_reg_ = (w_.array() + di_).inverse().matrix();
  ++factorizations_;
  if (!full_) {
    if (factor_reduced()) return true;
    if (method_ != KktMethod::automatic) return false;
    full_ = true;  // the reduced matrix is not numerically definite: use the full form from now on
    ++factorizations_;
  }
  return factor_full();
}

bool DenseKkt::factor_reduced() {
  sqrt_inv_w_reg_ = inv_w_reg_.cwiseSqrt();
  H_.triangularView<Eigen::Lower>() = P_->triangularView<Eigen::Lower>();
  H_.diagonal().array() += rho_;
  for (Eigen::Index k = 0; k < num_bounds_; ++k) {
    const Eigen::Index j = bound_columns_[static_cast<std::size_t>(k)];
    H_(j, j) += inv_w_reg_(bound_rows_[static_cast<std::size_t>(k)]) * bound_values_(k) * bound_values_(k);
  }
  if (num_general_ > 0) add_general_rank_update();
  if (p_ > 0) H_.noalias() += AtA_ * (1.0 / delta_);  // AtA_ is stored full and symmetric
  if (!cholesky_in_place(H_)) return false;
  const auto diag = H_.diagonal();
  return diag.allFinite() && diag.minCoeff() > 0.0;
}

// H += G_g' (W_g + delta)^-1 G_g over the general rows g.
void DenseKkt::add_general_rank_update() {
  auto weights = tmp_general_.head(num_general_);
  for (Eigen::Index k = 0; k < num_general_; ++k) weights(k) = sqrt_inv_w_reg_(general_rows_[static_cast<std::size_t>(k)]);
  for (Eigen::Index b = 0; b < num_blocks_; ++b) {
    const RowBlock& block = blocks_[static_cast<std::size_t>(b)];
    auto scaled = Gw_.block(block.begin, 0, block.rows, block.cols);
    scaled.noalias() = weights.segment(block.begin, block.rows).asDiagonal() *
                       general_->block(block.begin, 0, block.rows, block.cols);
    H_.topLeftCorner(block.cols, block.cols).selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
  }
}

bool DenseKkt::factor_full() {
  const Eigen::Index size = n_ + m_ + p_;
  if (K_.rows() != size) K_.resize(size, size);
  // Lower triangle only: LDLT reads the lower part.
  K_.setZero();
  K_.topLeftCorner(n_, n_) = *P_;
  K_.topLeftCorner(n_, n_).diagonal().array() += rho_;
  K_.block(n_, 0, m_, n_) = *G_;
  K_.block(n_ + m_, 0, p_, n_) = *A_;
  K_.diagonal().segment(n_, m_) = -(w_.array() + di_).matrix();
  K_.diagonal().tail(p_).setConstant(-delta_);
  ldlt_->compute(K_);
  return ldlt_->info() == Eigen::Success && ldlt_->vectorD().allFinite();
}

void DenseKkt::solve_regularized(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) const {
  if (full_) {
    x = rhs;
    ldlt_->solveInPlace(x);
    return;
  }
  auto r1 = rhs.head(n_);
  auto r2 = rhs.segment(n_, m_);
  auto r3 = rhs.tail(p_);
  auto x1 = x.head(n_);
  auto x2 = x.segment(n_, m_);
  auto x3 = x.tail(p_);
  x1 = r1;
  if (m_ > 0) {
    tmp_m_ = r2.cwiseProduct(inv_w_reg_);
    add_G_transpose(tmp_m_, x1);
  }
  if (p_ > 0) {
    tmp_p_ = r3 / delta_;
    x1.noalias() += A_->transpose() * tmp_p_;
  }
  H_.triangularView<Eigen::Lower>().solveInPlace(x1);
  H_.triangularView<Eigen::Lower>().adjoint().solveInPlace(x1);
  if (m_ > 0) {
    multiply_G(x1, x2);
    x2 = (x2 - r2).cwiseProduct(inv_w_reg_);
  }
  if (p_ > 0) {
    x3.noalias() = (*A_) * x1;
    x3 = (x3 - r3) / delta_;
  }
}

void DenseKkt::multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out) const {
  auto x1 = x.head(n_);
  auto x2 = x.segment(n_, m_);
  auto x3 = x.tail(p_);
  auto o1 = out.head(n_);
  auto o2 = out.segment(n_, m_);
  auto o3 = out.tail(p_);
  o1.noalias() = (*P_) * x1;
  if (m_ > 0) {
    add_G_transpose(x2, o1);
    multiply_G(x1, o2);
    o2 -= w_.cwiseProduct(x2);
  }
  if (p_ > 0) {
    o1.noalias() += A_->transpose() * x3;
    o3.noalias() = (*A_) * x1;
  }
}

double DenseKkt::solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x, int max_refinement_steps,
                       bool allow_refactor, double tolerance) {
  const double error = refinement_.refine(*this, rhs, x, max_refinement_steps, tolerance);
  if (full_ || method_ != KktMethod::automatic || !allow_refactor || error <= reduced_accuracy_target_)
    return error;
  full_ = true;
  ++factorizations_;
  if (!factor_full()) {
    full_ = false;  // keep the reduced factorization; its solution is the best available
    return refinement_.refine(*this, rhs, x, max_refinement_steps, tolerance);
  }
  return refinement_.refine(*this, rhs, x, max_refinement_steps, tolerance);
}

}  // namespace optlayer
