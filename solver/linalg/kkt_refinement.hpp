#pragma once
// Iterative refinement shared by the KKT backends: solve with the regularized
// factorization, then correct against the exact KKT matrix until the residual,
// measured block by block, stops falling. A backend may enable a Krylov stage: when
// refinement stops above the tolerance, short cycles of GMRES preconditioned by the
// same factorization go on from the refined solution.
//
// Why GMRES: refinement converges only while every eigenvalue of K_reg^-1 K lies within
// 1 of 1. Late in a degenerate solve the weights W span 1e50 and a few eigenvalues leave
// that disc: on Maros-Meszaros QGROW22 and QETAMACR refinement stalls near 3e-9, and the
// inexact directions stall the dual residual at 1e-6. A GMRES polynomial of degree k
// removes up to k outlying eigenvalues, so the same factorization reaches round-off.
// Why short cycles (5): a long Krylov space also resolves the near-null directions of a
// nearly singular K (dependent active rows), where the exact solution is huge; corrections
// 1e4 times the size of the solution then made the multipliers drift to 1e7, and their
// round-off stalled the dual residual of QSCFXM2 and QSCFXM3 (20-step cycles lost both).
// The regularized factorization damps those directions on purpose; 5 steps keep that.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <utility>

namespace optlayer {

class KktRefinement {
 public:
  /// Block-relative residual at which refinement stops by default: a few units of round-off above
  /// the precision of the residual itself, so further steps would only cost matrix-vector products.
  static constexpr double kRefinedEnough = 1e-14;

  /// Krylov subspace of one GMRES cycle, and the number of cycles (see the top of the file).
  static constexpr int kKrylovDimension = 5;
  static constexpr int kKrylovCycles = 2;
  /// Refinement that stalls below this has met round-off, not a spectral obstacle, and the
  /// Krylov stage is not tried: derivative solves aim at kRefinedEnough and often stall at 2e-14
  /// to 1e-13, where GMRES only cost solves (it ran in most forward passes of bench_qp).
  static constexpr double kRoundoffStall = 10.0 * kRefinedEnough;

  /// Sizes the work vectors; `with_krylov` enables the GMRES stage (and allocates its basis).
  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p, bool with_krylov = false) {
    with_krylov_ = with_krylov;
    n_ = n;
    m_ = m;
    p_ = p;
    const Eigen::Index size = n + m + p;
    residual_.setZero(size);
    correction_.setZero(size);
    best_.setZero(size);
    row_weight_.setZero(size);
    work_.setZero(size);
    basis_.setZero(with_krylov ? size : 0, kKrylovDimension + 1);
    hessenberg_.setZero(kKrylovDimension + 1, kKrylovDimension);
    cosines_.setZero(kKrylovDimension);
    sines_.setZero(kKrylovDimension);
    projected_.setZero(kKrylovDimension + 1);
  }

  /// Solves K x = rhs with `backend.solve_regularized` as preconditioner and `backend.multiply`
  /// as the exact K, until the block-relative residual is below `tolerance`; returns it.
  /// With max_steps = 0 only the regularized solve is measured (no refinement, no Krylov stage).
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
    if (with_krylov_ && max_steps > 0 && error > std::max(tolerance, kRoundoffStall) && std::isfinite(error))
      error = krylov(backend, rhs, x, error, tolerance);
    return error;
  }

 private:
  // Restarted GMRES on the correction e of K e = residual_, right-preconditioned by the regularized
  // factorization M and with rows weighted (S) block by block like block_error(), so that it
  // minimizes the measure refinement is judged by. x and residual_ change only when a cycle lowers
  // the error. Returns the (possibly unchanged) error. Allocates nothing.
  template <class Backend>
  double krylov(const Backend& backend, const Eigen::VectorXd& rhs, Eigen::VectorXd& x, double error,
                double tolerance) {
    set_row_weights(rhs);
    // refine() may have stopped on a rejected step, leaving residual_ of that step: recompute.
    backend.multiply(x, residual_);
    residual_ = rhs - residual_;
    for (int cycle = 0; cycle < kKrylovCycles && error > tolerance; ++cycle) {
      const int k = arnoldi(backend, tolerance);
      if (k == 0) break;
      const double new_error = apply_cycle(backend, rhs, x, k, error);
      if (!(new_error < error)) break;  // apply_cycle restored x and residual_
      error = new_error;
    }
    return error;
  }

  // One GMRES cycle's Arnoldi process on v -> S K M^-1 S^-1 v from the weighted residual S r,
  // with the Hessenberg matrix reduced by Givens rotations as it grows. Returns the dimension k
  // reached (0: no usable direction); projected_ then holds the rotated right-hand side.
  template <class Backend>
  int arnoldi(const Backend& backend, double tolerance) {
    basis_.col(0) = row_weight_.cwiseProduct(residual_);
    const double beta = basis_.col(0).norm();
    if (!(beta > 0.0) || !std::isfinite(beta)) return 0;
    basis_.col(0) /= beta;
    projected_.setZero();
    projected_(0) = beta;
    int k = 0;
    while (k < kKrylovDimension) {
      work_ = basis_.col(k).cwiseQuotient(row_weight_);
      backend.solve_regularized(work_, correction_);
      backend.multiply(correction_, work_);
      work_.array() *= row_weight_.array();
      for (int i = 0; i <= k; ++i) {  // modified Gram-Schmidt against the basis so far
        hessenberg_(i, k) = basis_.col(i).dot(work_);
        work_ -= hessenberg_(i, k) * basis_.col(i);
      }
      const double next = work_.norm();
      hessenberg_(k + 1, k) = next;
      // Earlier rotations, then a new one that zeroes the subdiagonal entry.
      for (int i = 0; i < k; ++i) rotate(i, hessenberg_(i, k), hessenberg_(i + 1, k));
      const double diagonal = hessenberg_(k, k);
      const double radius = std::hypot(diagonal, next);
      if (!(radius > 0.0) || !std::isfinite(radius)) break;
      cosines_(k) = diagonal / radius;
      sines_(k) = next / radius;
      hessenberg_(k, k) = radius;
      hessenberg_(k + 1, k) = 0.0;
      rotate(k, projected_(k), projected_(k + 1));
      ++k;
      // |projected_(k)| is the weighted residual's 2-norm, a bound on its largest entry.
      if (std::abs(projected_(k)) <= 0.5 * tolerance || !(next > 1e-300)) break;
      basis_.col(k) = work_ / next;
    }
    return k;
  }

  // Solves the cycle's k x k triangular system, adds e = M^-1 S^-1 V y to x and measures the
  // result. Returns the new error; when it is not below `old_error` (that of x now), x and
  // residual_ are restored.
  template <class Backend>
  double apply_cycle(const Backend& backend, const Eigen::VectorXd& rhs, Eigen::VectorXd& x, int k,
                     double old_error) {
    for (int i = k - 1; i >= 0; --i) {
      double sum = projected_(i);
      for (int j = i + 1; j < k; ++j) sum -= hessenberg_(i, j) * projected_(j);
      projected_(i) = sum / hessenberg_(i, i);
    }
    work_.noalias() = basis_.leftCols(k) * projected_.head(k);
    work_.array() /= row_weight_.array();
    backend.solve_regularized(work_, correction_);
    best_ = x;
    x += correction_;
    backend.multiply(x, work_);
    work_ = rhs - work_;
    std::swap(work_, residual_);
    const double new_error = block_error(rhs);
    if (!(new_error < old_error)) {  // no gain: back to the refined point and its residual
      x = best_;
      std::swap(work_, residual_);
    }
    return new_error;
  }

  void rotate(int i, double& a, double& b) const {
    const double c = cosines_(i), s = sines_(i);
    const double first = c * a + s * b;
    b = -s * a + c * b;
    a = first;
  }

  // The weights that make block_error() an infinity norm: 1 / (1 + ||rhs block||).
  void set_row_weights(const Eigen::VectorXd& rhs) {
    auto weigh = [&](Eigen::Index start, Eigen::Index size) {
      if (size == 0) return;
      row_weight_.segment(start, size).setConstant(1.0 / (1.0 + rhs.segment(start, size).cwiseAbs().maxCoeff()));
    };
    weigh(0, n_);
    weigh(n_, m_);
    weigh(n_ + m_, p_);
  }

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
  bool with_krylov_ = false;
  Eigen::VectorXd residual_, correction_, best_;
  // GMRES stage: row weights, scratch, Krylov basis, Hessenberg matrix, Givens rotations and
  // the rotated right-hand side (then the solution of the projected problem).
  Eigen::VectorXd row_weight_, work_;
  Eigen::MatrixXd basis_, hessenberg_;
  Eigen::VectorXd cosines_, sines_, projected_;
};

}  // namespace optlayer
