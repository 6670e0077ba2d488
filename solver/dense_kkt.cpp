#include "solver/dense_kkt.hpp"

#include <cmath>

namespace optlayer {

void DenseKkt::resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  n_ = n;
  m_ = m;
  p_ = p;
  H_.setZero(n, n);
  AtA_.setZero(n, n);
  Gw_.setZero(m, n);
  llt_ = Eigen::LLT<Eigen::MatrixXd>(n);
  w_.setOnes(m);
  inv_w_reg_.setOnes(m);
  sqrt_inv_w_reg_.setOnes(m);
  const Eigen::Index size = n + m + p;
  residual_.setZero(size);
  correction_.setZero(size);
  best_.setZero(size);
  tmp_n_.setZero(n);
  tmp_m_.setZero(m);
  tmp_p_.setZero(p);
}

void DenseKkt::prepare(const Eigen::MatrixXd& P, const Eigen::MatrixXd& G, const Eigen::MatrixXd& A) {
  P_ = &P;
  G_ = &G;
  A_ = &A;
  AtA_.setZero();
  if (p_ > 0) AtA_.noalias() = A.transpose() * A;
}

bool DenseKkt::factor(const Eigen::VectorXd& w, double rho, double delta) {
  w_ = w;
  rho_ = rho;
  delta_ = delta;
  inv_w_reg_ = (w_.array() + delta).inverse().matrix();
  sqrt_inv_w_reg_ = inv_w_reg_.cwiseSqrt();
  H_.triangularView<Eigen::Lower>() = P_->triangularView<Eigen::Lower>();
  H_.diagonal().array() += rho;
  if (m_ > 0) {
    Gw_ = sqrt_inv_w_reg_.asDiagonal() * (*G_);
    H_.selfadjointView<Eigen::Lower>().rankUpdate(Gw_.transpose());
  }
  if (p_ > 0) H_.noalias() += AtA_ * (1.0 / delta);  // AtA_ is stored full and symmetric
  llt_.compute(H_);
  if (llt_.info() != Eigen::Success) return false;
  const auto diag = llt_.matrixLLT().diagonal();
  return diag.allFinite() && diag.minCoeff() > 0.0;
}

void DenseKkt::solve_regularized(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) {
  auto r1 = rhs.head(n_);
  auto r2 = rhs.segment(n_, m_);
  auto r3 = rhs.tail(p_);
  auto x1 = x.head(n_);
  auto x2 = x.segment(n_, m_);
  auto x3 = x.tail(p_);
  x1 = r1;
  if (m_ > 0) {
    tmp_m_ = r2.cwiseProduct(inv_w_reg_);
    x1.noalias() += G_->transpose() * tmp_m_;
  }
  if (p_ > 0) {
    tmp_p_ = r3 / delta_;
    x1.noalias() += A_->transpose() * tmp_p_;
  }
  llt_.solveInPlace(x1);
  if (m_ > 0) {
    x2.noalias() = (*G_) * x1;
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
    o1.noalias() += G_->transpose() * x2;
    o2.noalias() = (*G_) * x1;
    o2 -= w_.cwiseProduct(x2);
  }
  if (p_ > 0) {
    o1.noalias() += A_->transpose() * x3;
    o3.noalias() = (*A_) * x1;
  }
}

double DenseKkt::solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x, int max_refinement_steps) {
  const double scale = 1.0 + rhs.cwiseAbs().maxCoeff();
  solve_regularized(rhs, x);
  multiply(x, residual_);
  residual_ = rhs - residual_;
  double error = residual_.cwiseAbs().maxCoeff() / scale;
  for (int step = 0; step < max_refinement_steps && error > 1e-15; ++step) {
    solve_regularized(residual_, correction_);
    best_ = x;
    x += correction_;
    multiply(x, residual_);
    residual_ = rhs - residual_;
    const double new_error = residual_.cwiseAbs().maxCoeff() / scale;
    if (!(new_error < error)) {  // stagnated (singular direction) or got worse: keep the better point
      x = best_;
      break;
    }
    const bool slow = new_error > 0.5 * error;
    error = new_error;
    if (slow) break;
  }
  return error;
}

}  // namespace optlayer
