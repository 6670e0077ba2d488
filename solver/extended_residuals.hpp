#pragma once
// Residuals of a candidate solution evaluated in extended precision on the user's data: every
// product of two doubles split exactly into two doubles (Dekker), every sum in long double with
// Neumaier's compensation, so the measures are those of the exact point to about 1e-19 of
// their own size (plain long double sums of QSEBA's gap, terms near 3e8, erred by 7e-10).
//
// Why: on problems whose objective terms are large (Maros-Meszaros QSEBA: 8e7) the duality
// gap z'Pz + q'z + h'lambda + b'nu is a sum of terms whose double-precision round-off alone is
// 1e-7, so a gap of 1e-9 cannot even be *measured* in double, let alone certified. Summing in
// extended precision measures the gap and residuals of the very point returned to the user.
// The engine calls this only when the double measures are close to the tolerances, so it costs
// nothing in ordinary iterations.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "solver/matrix_ops.hpp"

namespace optlayer {

class ExtendedResiduals {
 public:
  /// Infinity norms of the residuals, and the absolute gap, of one point.
  struct Measures {
    double primal = 0.0, dual = 0.0, gap = 0.0;
  };

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
    Pz_.resize(n);
    dual_.resize(n);
    Gz_.resize(m);
    Az_.resize(p);
  }

  /// Measures of (z, s, lambda, nu) for  min 1/2 z'Pz + q'z  s.t. Gz <= h, Az = b, the same
  /// measures as the engine's: primal max((Gz - h)+, |Az - b|), dual |(P + P')/2 z + q + G'lambda
  /// + A'nu|, gap |z'Pz + q'z + h'lambda + b'nu|. P need not be symmetric.
  template <class Matrix>
  Measures evaluate(const Matrix& P, const Eigen::VectorXd& q, const Matrix& G, const Eigen::VectorXd& h,
                    const Matrix& A, const Eigen::VectorXd& b, const Eigen::VectorXd& z,
                    const Eigen::VectorXd& lambda, const Eigen::VectorXd& nu) {
    Measures out;
    // dual = ((P + P')/2 z) + q + G'lambda + A'nu, from Pz and P'z accumulated separately.
    Pz_.clear();
    dual_.clear();
    multiply(P, z, Pz_);
    multiply_transpose(P, z, dual_);
    // z'Pz = sum z_i (Pz)_i: the leading double of (Pz)_i times z_i exactly, the rest in
    // long double (it is below 1e-16 of (Pz)_i).
    Sum gap;
    for (Eigen::Index i = 0; i < z.size(); ++i) {
      const Sum Pz = Pz_.at(i);
      const double leading = static_cast<double>(Pz.sum);
      gap.add_product(z(i), leading);
      gap.add(static_cast<long double>(z(i)) * ((Pz.sum - leading) + Pz.compensation));
    }
    // Halving is exact: dual = Pz / 2 + P'z / 2 + q, every part kept.
    for (Eigen::Index i = 0; i < z.size(); ++i) {
      const Sum Pz = Pz_.at(i), Ptz = dual_.at(i);
      Sum half;
      for (long double part : {Pz.sum, Pz.compensation, Ptz.sum, Ptz.compensation}) half.add(0.5L * part);
      half.add(q(i));
      dual_.store(i, half);
    }
    multiply_transpose(G, lambda, dual_);
    multiply_transpose(A, nu, dual_);
    long double dual = 0.0L;
    for (Eigen::Index i = 0; i < z.size(); ++i) dual = larger(dual, std::abs(dual_.value(i)));
    out.dual = static_cast<double>(dual);

    Gz_.clear();
    Az_.clear();
    multiply(G, z, Gz_);
    multiply(A, z, Az_);
    long double primal = 0.0L;
    for (Eigen::Index i = 0; i < h.size(); ++i) {
      Gz_.add(i, -h(i));
      primal = larger(primal, Gz_.value(i));
    }
    for (Eigen::Index i = 0; i < b.size(); ++i) {
      Az_.add(i, -b(i));
      primal = larger(primal, std::abs(Az_.value(i)));
    }
    out.primal = static_cast<double>(primal);

    dot(q, z, gap);
    dot(h, lambda, gap);
    dot(b, nu, gap);
    out.gap = static_cast<double>(std::abs(gap.value()));
    return out;
  }

 private:
  // The rounding error of p = fl(a * b), exactly, by Dekker's product: each factor split into
  // two halves of 26 bits (Veltkamp), whose partial products are exact in double. std::fma
  // would do it in one instruction where the CPU has FMA, but the x86-64 baseline has not, and
  // its software fallback made a control-loop solve 3.7x slower. Factors beyond 1e300 (where
  // the split overflows) fall back to a long double product, exact to 2^-64 of it.
  static long double product_error(double a, double b, double p) {
    if (!(std::abs(a) < 1e300 && std::abs(b) < 1e300)) return static_cast<long double>(a) * b - p;
    double a_high, a_low, b_high, b_low;
    split(a, a_high, a_low);
    split(b, b_high, b_low);
    return ((a_high * b_high - p) + a_high * b_low + a_low * b_high) + a_low * b_low;
  }
  static void split(double x, double& high, double& low) {
    const double c = 134217729.0 * x;  // 2^27 + 1
    high = c - (c - x);
    low = x - high;
  }

  // A long double sum with Neumaier's compensation: the rounding error of each addition is
  // kept in `compensation` and added back at the end.
  struct Sum {
    long double sum = 0.0L, compensation = 0.0L;
    void add(long double x) {
      const long double t = sum + x;
      compensation += std::abs(sum) >= std::abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
    // a * b exactly: the double product and its rounding error (product_error).
    void add_product(double a, double b) {
      const double p = a * b;
      add(p);
      add(product_error(a, b, p));
    }
    long double value() const { return std::isfinite(sum) ? sum + compensation : sum; }
  };
  // One Sum per entry, as two vectors.
  struct Sums {
    std::vector<long double> sum, compensation;
    void resize(Eigen::Index size) {
      sum.assign(static_cast<std::size_t>(size), 0.0L);
      compensation.assign(static_cast<std::size_t>(size), 0.0L);
    }
    void clear() {
      std::fill(sum.begin(), sum.end(), 0.0L);
      std::fill(compensation.begin(), compensation.end(), 0.0L);
    }
    Sum at(Eigen::Index i) const {
      return {sum[static_cast<std::size_t>(i)], compensation[static_cast<std::size_t>(i)]};
    }
    void store(Eigen::Index i, const Sum& s) {
      sum[static_cast<std::size_t>(i)] = s.sum;
      compensation[static_cast<std::size_t>(i)] = s.compensation;
    }
    void add(Eigen::Index i, long double x) {
      Sum s = at(i);
      s.add(x);
      store(i, s);
    }
    void add_product(Eigen::Index i, double a, double b) {
      Sum s = at(i);
      s.add_product(a, b);
      store(i, s);
    }
    long double value(Eigen::Index i) const { return at(i).value(); }
  };

  // The larger of two measures, NaN winning: an overflowed sum (inf - inf) must not be hidden
  // by std::max, which keeps its first argument when the comparison is false.
  static long double larger(long double a, long double b) { return (std::isnan(b) || b > a) ? b : a; }

  static void dot(const Eigen::VectorXd& a, const Eigen::VectorXd& b, Sum& s) {
    for (Eigen::Index i = 0; i < a.size(); ++i) s.add_product(a(i), b(i));
  }
  // out += M x and out += M' x.
  static void multiply(const Eigen::MatrixXd& M, const Eigen::VectorXd& x, Sums& out) {
    for (Eigen::Index j = 0; j < M.cols(); ++j)
      for (Eigen::Index i = 0; i < M.rows(); ++i) out.add_product(i, M(i, j), x(j));
  }
  static void multiply_transpose(const Eigen::MatrixXd& M, const Eigen::VectorXd& x, Sums& out) {
    for (Eigen::Index j = 0; j < M.cols(); ++j)
      for (Eigen::Index i = 0; i < M.rows(); ++i) out.add_product(j, M(i, j), x(i));
  }
  static void multiply(const SparseMatrix& M, const Eigen::VectorXd& x, Sums& out) {
    for (Eigen::Index j = 0; j < M.outerSize(); ++j)
      for (SparseMatrix::InnerIterator it(M, j); it; ++it) out.add_product(it.row(), it.value(), x(j));
  }
  static void multiply_transpose(const SparseMatrix& M, const Eigen::VectorXd& x, Sums& out) {
    for (Eigen::Index j = 0; j < M.outerSize(); ++j)
      for (SparseMatrix::InnerIterator it(M, j); it; ++it) out.add_product(j, it.value(), x(it.row()));
  }

  Sums Pz_, dual_, Gz_, Az_;
};

}  // namespace optlayer
