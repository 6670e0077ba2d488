#pragma once
// Iterative refinement shared by the KKT backends: solve with the regularized
// factorization, then correct against the exact KKT matrix until the residual,
// measured block by block, stops falling.

#include <Eigen/Core>
#include <algorithm>

namespace optlayer {

class KktRefinement {
 public:
  /// Block-relative residual at which refinement stops by default: a few units of round-off above
  /// the precision of the residual itself, so further steps would only cost matrix-vector products.
  static constexpr double kRefinedEnough = 1e-14;

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
    n_ = n;
    m_ = m;
    p_ = p;
    residual_.setZero(n + m + p);
    correction_.setZero(n + m + p);
    best_.setZero(n + m + p);
  }

  /// Solves K x = rhs with `backend.solve_regularized` as preconditioner and `backend.multiply`
  /// as the exact K, until the block-relative residual is below `tolerance`; returns it.
  template <class Backend>
  double refine(const Backend& backend, const Eigen::VectorXd& rhs, Eigen::VectorXd& x, int max_steps,
                double tolerance = kRefinedEnough) {
    backend.solve_regularized(rhs, x);
    backend.multiply(x, residual_);
    residual_ = rhs - residual_;
    double error = block_error(rhs);
    for (int step = 0; step < max_steps && error > tolerance; ++step) {
      backend.solve_regularized(residual_, correction_);
      best_ = x;
      x += correction_;
      backend.multiply(x, residual_);
      residual_ = rhs - residual_;
      const double new_error = block_error(rhs);
      if (!(new_error < error)) {  // stagnated (singular direction) or got worse: keep the better point
        x = best_;
        break;
      }
      error = new_error;
    }
    return error;
  }

 private:
  // Each block relative to its own right-hand side: the complementarity block can be many
  // orders of magnitude larger than the stationarity block, and must not hide its error.
  double block_error(const Eigen::VectorXd& rhs) const {
    auto block = [&](Eigen::Index start, Eigen::Index size) {
      if (size == 0) return 0.0;
      return residual_.segment(start, size).cwiseAbs().maxCoeff() /
             (1.0 + rhs.segment(start, size).cwiseAbs().maxCoeff());
    };
    return std::max({block(0, n_), block(n_, m_), block(n_ + m_, p_)});
  }

  Eigen::Index n_ = 0, m_ = 0, p_ = 0;
  Eigen::VectorXd residual_, correction_, best_;
};

}  // namespace optlayer
