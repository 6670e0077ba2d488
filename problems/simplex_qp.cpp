// Interior-point method for the simplex QP: O(n) Newton steps on a diagonal-plus-one-row system.
//
// With r_d = Dz + q - lambda + nu 1 (dual residual) and rc the complementarity right-hand
// side, eliminating dlambda = -(rc + lambda o dz) / z from the Newton system leaves
//   M dz + 1 dnu = -r_d - rc / z,   1'dz = -(1'z - 1),   M = D + diag(lambda / z),
// solved by dz = M^-1 (rhs - dnu 1), dnu = (1'M^-1 rhs + r_p) / 1'M^-1 1.

#include "optlayer/problems/simplex_qp.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace optlayer {
namespace {

// Smallest centering of the fallback step: a pure affine target could stall at the boundary.
constexpr double kMinCentering = 0.1;

double inf_norm(const Eigen::VectorXd& v) { return v.cwiseAbs().maxCoeff(); }

// Largest alpha <= 1 with x + alpha dx >= 0 (the step to the boundary of the orthant).
double max_step(const Eigen::VectorXd& x, const Eigen::VectorXd& dx) {
  double alpha = 1.0;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if (dx(i) < 0.0) alpha = std::min(alpha, -x(i) / dx(i));
  return alpha;
}

}  // namespace

SimplexQpSolver::SimplexQpSolver(Eigen::Index n, const Settings& settings) : settings_(settings) {
  if (n < 1) throw std::invalid_argument("optlayer::SimplexQpSolver: n must be at least 1");
  settings_.validate();
  for (Eigen::VectorXd* v : {&z_, &lambda_, &dz_, &dlambda_, &dz_affine_, &dlambda_affine_, &dual_residual_,
                             &complementarity_rhs_, &rhs_, &inverse_diagonal_})
    v->setZero(n);
  result_.z.setZero(n);
  result_.s.setZero(n);
  result_.lambda.setZero(n);
  result_.nu.setZero(1);
}

Status SimplexQpSolver::check_input(const VectorRef& d, const VectorRef& q) {
  result_.message.clear();
  if (d.size() != dimension() || q.size() != dimension()) result_.message = "d and q must have n entries";
  else if (!d.allFinite() || !q.allFinite()) result_.message = "d or q is not finite";
  else if (d.minCoeff() < 0.0) result_.message = "d has a negative entry (the QP is not convex)";
  return result_.message.empty() ? Status::solved : Status::invalid_input;
}

// A feasible start: the centre of the simplex, and nu chosen so that the smallest entry of
// lambda = Dz + q + nu 1 is 5% of their spread (at least 0.05). The dual residual is then 0,
// and Newton steps keep both residuals 0 (they are linear), so the iterations only have to
// drive the complementarity down. The margin was tuned on standard normal sparsemax rows:
// about 8 iterations at n = 10 and 9 at n = 1000 (a margin of the whole spread: 9 and 11).
void SimplexQpSolver::start(const VectorRef& d, const VectorRef& q) {
  z_.setConstant(1.0 / static_cast<double>(dimension()));
  lambda_ = d.cwiseProduct(z_) + q;
  const double spread = lambda_.maxCoeff() - lambda_.minCoeff();
  nu_ = 0.05 * std::max(1.0, spread) - lambda_.minCoeff();
  lambda_.array() += nu_;
}

// The termination rule of QpSolver on this problem (h = 0, b = 1).
bool SimplexQpSolver::converged(const VectorRef& d, const VectorRef& q) {
  dual_residual_ = d.cwiseProduct(z_) + q - lambda_;
  dual_residual_.array() += nu_;
  const double zdz = z_.dot(d.cwiseProduct(z_)), qz = q.dot(z_);
  result_.primal_residual = std::abs(z_.sum() - 1.0);
  result_.dual_residual = inf_norm(dual_residual_);
  result_.duality_gap = std::abs(zdz + qz + nu_);
  result_.primal_scale = std::max({inf_norm(z_), std::abs(z_.sum()), 1.0});
  result_.dual_scale = std::max({inf_norm(d.cwiseProduct(z_)), inf_norm(q), inf_norm(lambda_), std::abs(nu_)});
  result_.gap_scale = std::max({std::abs(zdz), std::abs(qz), std::abs(nu_)});
  const auto within = [&](double measure, double scale) {
    return measure <= settings_.eps_abs + settings_.eps_rel * scale;
  };
  return within(result_.primal_residual, result_.primal_scale) && within(result_.dual_residual, result_.dual_scale) &&
         within(result_.duality_gap, result_.gap_scale);
}

void SimplexQpSolver::factor(const VectorRef& d) {
  inverse_diagonal_ = (d.array() + lambda_.array() / z_.array()).inverse().matrix();
  sum_inverse_diagonal_ = inverse_diagonal_.sum();
}

// Newton direction for complementarity right-hand side rc (lambda o z - target).
void SimplexQpSolver::newton_step(const Eigen::VectorXd& rc) {
  rhs_ = -dual_residual_ - rc.cwiseQuotient(z_);
  dnu_ = (inverse_diagonal_.dot(rhs_) + (z_.sum() - 1.0)) / sum_inverse_diagonal_;
  dz_ = (inverse_diagonal_.array() * (rhs_.array() - dnu_)).matrix();
  dlambda_ = -(rc + lambda_.cwiseProduct(dz_)).cwiseQuotient(z_);
}

double SimplexQpSolver::step_length() const {
  return std::min(max_step(z_, dz_), max_step(lambda_, dlambda_));
}

// Mehrotra's direction (into dz_, dlambda_, dnu_) for the factored iterate, and its step.
double SimplexQpSolver::mehrotra_step() {
  const double n = static_cast<double>(dimension());
  const double mu = z_.dot(lambda_) / n;
  // Predictor: the affine-scaling direction (target complementarity 0).
  complementarity_rhs_ = z_.cwiseProduct(lambda_);
  newton_step(complementarity_rhs_);
  const double alpha_affine = step_length();
  const double ratio = (z_ + alpha_affine * dz_).dot(lambda_ + alpha_affine * dlambda_) / n / mu;
  const double sigma = ratio * ratio * ratio;
  dz_affine_ = dz_;
  dlambda_affine_ = dlambda_;
  // Corrector: centre at sigma mu and cancel the second-order term of the predictor.
  complementarity_rhs_.array() += dz_affine_.array() * dlambda_affine_.array() - sigma * mu;
  newton_step(complementarity_rhs_);
  double alpha = std::min(1.0, settings_.step_fraction * step_length());
  // After a short predictor step the second-order term is a poor model and the corrected
  // step can raise the complementarity, and then cycle (seen at n = 1000): take the plain
  // centred Newton step instead, which decreases it for a small enough step.
  if ((z_ + alpha * dz_).dot(lambda_ + alpha * dlambda_) / n >= mu) {
    complementarity_rhs_ = z_.cwiseProduct(lambda_);
    complementarity_rhs_.array() -= std::max(sigma, kMinCentering) * mu;
    newton_step(complementarity_rhs_);
    alpha = std::min(1.0, settings_.step_fraction * step_length());
  }
  return alpha;
}

Status SimplexQpSolver::solve(const VectorRef& d, const VectorRef& q) {
  result_.iterations = 0;
  result_.factorizations = 0;
  if (check_input(d, q) != Status::solved) return finish(Status::invalid_input, d, q);
  start(d, q);
  for (int k = 0; k < settings_.max_iter; ++k) {
    if (converged(d, q)) return finish(Status::solved, d, q);
    factor(d);
    const double alpha = mehrotra_step();
    z_ += alpha * dz_;
    lambda_ += alpha * dlambda_;
    nu_ += alpha * dnu_;
    result_.iterations = k + 1;
    ++result_.factorizations;
    if (!std::isfinite(nu_) || !z_.allFinite() || !lambda_.allFinite()) {
      result_.message = "the iterates lost finiteness";
      return finish(Status::numerical_error, d, q);
    }
  }
  return finish(converged(d, q) ? Status::solved : Status::max_iterations, d, q);
}

// Publishes the iterate and keeps the Newton matrix of the final iterate for backward().
Status SimplexQpSolver::finish(Status status, const VectorRef& d, const VectorRef& q) {
  result_.status = status;
  if (status == Status::invalid_input) return status;
  result_.z = z_;
  result_.s = z_;
  result_.lambda = lambda_;
  result_.nu(0) = nu_;
  result_.objective = 0.5 * z_.dot(d.cwiseProduct(z_)) + q.dot(z_);
  result_.mu = z_.dot(lambda_) / static_cast<double>(dimension());
  if (status == Status::solved) {
    factor(d);
    ++result_.factorizations;
  }
  return status;
}

// Differentiating the KKT conditions at the final iterate along dq gives M dz + 1 dnu = -dq,
// 1'dz = 0, so dz = -(M^-1 - M^-1 1 1'M^-1 / 1'M^-1 1) dq: a symmetric map, its own transpose.
// P = diag(d) enters as dP z, hence grad_d = z o grad_q.
bool SimplexQpSolver::backward(const VectorRef& dl_dz, Eigen::Ref<Eigen::VectorXd> grad_q) {
  if (result_.status != Status::solved || dl_dz.size() != dimension() || grad_q.size() != dimension()) return false;
  const double shift = inverse_diagonal_.dot(dl_dz) / sum_inverse_diagonal_;
  grad_q = -(inverse_diagonal_.array() * (dl_dz.array() - shift)).matrix();
  return true;
}

bool SimplexQpSolver::backward(const VectorRef& dl_dz, Eigen::Ref<Eigen::VectorXd> grad_q,
                               Eigen::Ref<Eigen::VectorXd> grad_d) {
  if (grad_d.size() != dimension() || !backward(dl_dz, grad_q)) return false;
  grad_d = z_.cwiseProduct(grad_q);
  return true;
}

}  // namespace optlayer
