// Backward (VJP) and forward (JVP) derivatives of a smooth convex solution through the
// factorization the interior-point method kept at its final iterate.
//
// Differentiating the perturbed KKT conditions F(z, lambda, nu; x) = 0
//   grad_z L - zl + zu = 0,  -lambda o g = mu,  h = 0,  (z - lo) o zl = mu,  (hi - z) o zu = mu
// (L = f + lambda'g + nu'h), dividing the second block by -lambda and eliminating the bound
// multipliers gives
//   K [dz; dlambda; dnu] = -R dx,   K = [H + Sigma  Jg'  Jh'; Jg  -W  0; Jh  0  0],
//   R = [L_zx; g_x; h_x],           W = s / lambda,  Sigma = zl/(z - lo) + zu/(hi - z),
// which is the matrix the solver factored last. Hence the forward mode is dy = -K^-1 R dx and
// the backward mode dL/dx = -R' K^-1 dL/dy (K is symmetric); R dx and R'u are one
// forward-over-reverse sweep of the problem's tape each. This is the exact derivative of the
// central-path point at the final mu, which tends to the derivative of the solution as mu -> 0
// for strictly complementary solutions. At a weakly active constraint (g_i and lambda_i both ~ 0)
// W_i = s_i / lambda_i stays finite and positive, so the result is finite: the derivative of
// the barrier-smoothed solution, between the one-sided derivatives of the true one.

#include <algorithm>
#include <exception>

#include "solver/convex/convex_workspace.hpp"

namespace optlayer {
namespace {

bool optional_size_ok(const Eigen::Ref<const Eigen::VectorXd>& v, Eigen::Index size) {
  return v.size() == 0 || v.size() == size;
}

// sol = K^-1 rhs on the kept factorization, refined against K (more steps than in the loop:
// the derivative is the final product of the solve).
// No refactorization: a derivative reuses the solver's factorization as it is.
void solve_kept(ConvexSolver::Impl& w) {
  w.solve_kkt(std::max(w.settings.max_refinement_steps, 10), false);
}

}  // namespace

bool ConvexSolver::backward(const VectorRef& dl_dz, const VectorRef& dl_dlambda, const VectorRef& dl_dnu,
                            Eigen::VectorXd& dl_dx) {
  Impl& w = *impl_;
  if (w.result.status != Status::solved || !w.factorization_at_solution) return false;
  if (dl_dz.size() != w.n || !optional_size_ok(dl_dlambda, w.m) || !optional_size_ok(dl_dnu, w.p)) return false;
  const Eigen::Index n = w.n, m = w.m, p = w.p;
  w.rhs.head(n) = dl_dz;
  if (dl_dlambda.size() > 0) w.rhs.segment(n, m) = dl_dlambda; else w.rhs.segment(n, m).setZero();
  if (dl_dnu.size() > 0) w.rhs.tail(p) = dl_dnu; else w.rhs.tail(p).setZero();
  solve_kept(w);
  w.jvp_z = w.sol.head(n);  // reuse as the z-block of u = K^-1 dL/dy
  w.jvp_g = w.sol.segment(n, m);
  w.jvp_h = w.sol.tail(p);
  try {
    w.problem.functions().parameter_vjp(w.it.z, w.x, w.it.lambda, w.it.nu, w.jvp_z, w.jvp_g, w.jvp_h, w.vjp_x);
  } catch (const std::exception&) {
    return false;
  }
  dl_dx = -w.vjp_x;
  return true;
}

bool ConvexSolver::backward(const VectorRef& dl_dz, Eigen::VectorXd& dl_dx) {
  return backward(dl_dz, VectorRef(Eigen::VectorXd()), VectorRef(Eigen::VectorXd()), dl_dx);
}

bool ConvexSolver::forward(const VectorRef& dx, ConvexTangent& out) {
  Impl& w = *impl_;
  if (w.result.status != Status::solved || !w.factorization_at_solution) return false;
  if (dx.size() != w.nx) return false;
  const Eigen::Index n = w.n, m = w.m, p = w.p;
  w.vjp_x = dx;  // parameter-sized scratch
  try {
    w.problem.functions().parameter_jvp(w.it.z, w.x, w.it.lambda, w.it.nu, w.vjp_x, w.jvp_z, w.jvp_g, w.jvp_h);
  } catch (const std::exception&) {
    return false;
  }
  w.rhs.head(n) = w.jvp_z;
  w.rhs.segment(n, m) = w.jvp_g;
  w.rhs.tail(p) = w.jvp_h;
  solve_kept(w);
  out.z = -w.sol.head(n);
  out.lambda = -w.sol.segment(n, m);
  out.nu = -w.sol.tail(p);
  return true;
}

}  // namespace optlayer
