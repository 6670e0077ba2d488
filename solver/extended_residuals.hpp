#pragma once
// Residuals of a candidate solution evaluated in extended precision (long double) on
// the user's data.
//
// Why: on problems whose objective terms are large (Maros-Meszaros QSEBA: 8e7) the duality
// gap z'Pz + q'z + h'lambda + b'nu is a sum of terms whose double-precision round-off alone is
// 1e-7, so a gap of 1e-9 cannot even be *measured* in double, let alone certified. Summing in
// long double (64-bit mantissa) measures the gap and residuals of the very point returned to
// the user, to about 1e-19 relative to those terms. The engine calls this only when the double
// measures are already close to the tolerances, so it costs nothing in ordinary iterations.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "solver/matrix_ops.hpp"

namespace optlayer {

class ExtendedResiduals {
 public:
  using LongVector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

  /// Infinity norms of the residuals, and the absolute gap, of one point.
  struct Measures {
    double primal = 0.0, dual = 0.0, gap = 0.0;
  };

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
    Pz_.setZero(n);
    dual_.setZero(n);
    Gz_.setZero(m);
    Az_.setZero(p);
  }

  /// Measures of (z, s, lambda, nu) for  min 1/2 z'Pz + q'z  s.t. Gz <= h, Az = b, the same
  /// measures as the engine's: primal max((Gz - h)+, |Az - b|), dual |(P + P')/2 z + q + G'lambda
  /// + A'nu|, gap |z'Pz + q'z + h'lambda + b'nu|. P need not be symmetric.
  template <class Matrix>
  Measures evaluate(const Matrix& P, const Eigen::VectorXd& q, const Matrix& G, const Eigen::VectorXd& h,
                    const Matrix& A, const Eigen::VectorXd& b, const Eigen::VectorXd& z,
                    const Eigen::VectorXd& lambda, const Eigen::VectorXd& nu) {
    Measures out;
    // (P + P')/2 z and z'Pz.
    Pz_.setZero();
    dual_.setZero();
    multiply(P, z, Pz_);
    multiply_transpose(P, z, dual_);
    long double zPz = 0.0L;
    for (Eigen::Index i = 0; i < z.size(); ++i) zPz += static_cast<long double>(z(i)) * Pz_(i);
    dual_ = 0.5L * (dual_ + Pz_);
    for (Eigen::Index i = 0; i < q.size(); ++i) dual_(i) += q(i);
    multiply_transpose(G, lambda, dual_);
    multiply_transpose(A, nu, dual_);
    out.dual = static_cast<double>(dual_.size() > 0 ? dual_.cwiseAbs().maxCoeff() : 0.0L);

    Gz_.setZero();
    Az_.setZero();
    multiply(G, z, Gz_);
    multiply(A, z, Az_);
    long double primal = 0.0L;
    for (Eigen::Index i = 0; i < h.size(); ++i) primal = std::max(primal, Gz_(i) - h(i));
    for (Eigen::Index i = 0; i < b.size(); ++i) primal = std::max(primal, std::abs(Az_(i) - b(i)));
    out.primal = static_cast<double>(primal);

    long double gap = zPz + dot(q, z) + dot(h, lambda) + dot(b, nu);
    out.gap = static_cast<double>(std::abs(gap));
    return out;
  }

 private:
  static long double dot(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    long double sum = 0.0L;
    for (Eigen::Index i = 0; i < a.size(); ++i) sum += static_cast<long double>(a(i)) * b(i);
    return sum;
  }
  // out += M x and out += M' x, accumulated in long double.
  static void multiply(const Eigen::MatrixXd& M, const Eigen::VectorXd& x, LongVector& out) {
    for (Eigen::Index j = 0; j < M.cols(); ++j)
      for (Eigen::Index i = 0; i < M.rows(); ++i) out(i) += static_cast<long double>(M(i, j)) * x(j);
  }
  static void multiply_transpose(const Eigen::MatrixXd& M, const Eigen::VectorXd& x, LongVector& out) {
    for (Eigen::Index j = 0; j < M.cols(); ++j) {
      long double sum = 0.0L;
      for (Eigen::Index i = 0; i < M.rows(); ++i) sum += static_cast<long double>(M(i, j)) * x(i);
      out(j) += sum;
    }
  }
  static void multiply(const SparseMatrix& M, const Eigen::VectorXd& x, LongVector& out) {
    for (Eigen::Index j = 0; j < M.outerSize(); ++j)
      for (SparseMatrix::InnerIterator it(M, j); it; ++it) out(it.row()) += static_cast<long double>(it.value()) * x(j);
  }
  static void multiply_transpose(const SparseMatrix& M, const Eigen::VectorXd& x, LongVector& out) {
    for (Eigen::Index j = 0; j < M.outerSize(); ++j) {
      long double sum = 0.0L;
      for (SparseMatrix::InnerIterator it(M, j); it; ++it) sum += static_cast<long double>(it.value()) * x(it.row());
      out(j) += sum;
    }
  }

  LongVector Pz_, dual_, Gz_, Az_;
};

}  // namespace optlayer
