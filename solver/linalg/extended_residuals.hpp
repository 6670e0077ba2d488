#pragma once
// Residuals of a candidate solution evaluated in extended precision on the user's data: every
// product of two doubles split exactly into two doubles (Dekker), every sum in double-double
// (TwoSum), so the measures are those of the exact point to about 1e-32 of the terms summed
// (plain long double sums of QSEBA's gap, terms near 3e8, erred by up to 1e-9).
//
// Why: on problems whose objective terms are large (Maros-Meszaros QSEBA: 8e7) the duality
// gap z'Pz + q'z + h'lambda + b'nu is a sum of terms whose double-precision round-off alone is
// 1e-7, so a gap of 1e-9 cannot even be *measured* in double, let alone certified. Summing in
// extended precision measures the gap and residuals of the very point returned to the user.
// The engine calls this only when the double measures are close to tolerances they cannot
// decide (QpEngine::double_measures_suffice), so it costs nothing in ordinary iterations.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "solver/linalg/matrix_ops.hpp"

namespace optlayer {

class ExtendedResiduals {
 public:
  /// Infinity norms of the residuals, and the absolute gap, of one point.
  struct Measures {
    double primal = 0.0, dual = 0.0, gap = 0.0;
  };

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
    Pz_.assign(static_cast<std::size_t>(n), Sum());
    dual_.assign(static_cast<std::size_t>(n), Sum());
    Gz_.assign(static_cast<std::size_t>(m), Sum());
    Az_.assign(static_cast<std::size_t>(p), Sum());
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
    clear(Pz_);
    clear(dual_);
    multiply(P, z, Pz_);
    multiply_transpose(P, z, dual_);
    // z'Pz = sum z_i (Pz)_i, both parts of (Pz)_i times z_i exactly.
    Sum gap;
    for (Eigen::Index i = 0; i < z.size(); ++i) {
      gap.add_product(z(i), at(Pz_, i).high);
      gap.add_product(z(i), at(Pz_, i).low);
    }
    // Halving is exact: dual = Pz / 2 + P'z / 2 + q, every part kept.
    for (Eigen::Index i = 0; i < z.size(); ++i) {
      const Sum Pz = at(Pz_, i), Ptz = at(dual_, i);
      Sum half;
      for (double part : {Pz.high, Pz.low, Ptz.high, Ptz.low}) half.add(0.5 * part);
      half.add(q(i));
      at(dual_, i) = half;
    }
    multiply_transpose(G, lambda, dual_);
    multiply_transpose(A, nu, dual_);
    long double dual = 0.0L;
    for (Eigen::Index i = 0; i < z.size(); ++i) dual = larger(dual, std::abs(at(dual_, i).value()));
    out.dual = static_cast<double>(dual);

    clear(Gz_);
    clear(Az_);
    multiply(G, z, Gz_);
    multiply(A, z, Az_);
    long double primal = 0.0L;
    for (Eigen::Index i = 0; i < h.size(); ++i) {
      at(Gz_, i).add(-h(i));
      primal = larger(primal, at(Gz_, i).value());
    }
    for (Eigen::Index i = 0; i < b.size(); ++i) {
      at(Az_, i).add(-b(i));
      primal = larger(primal, std::abs(at(Az_, i).value()));
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
  // two halves of 26 bits (Veltkamp), whose partial products are exact in double. (This needs
  // every operation rounded to double as written: the build is ISO C++, where GCC does not fuse
  // a * b + c.) std::fma does it in one instruction where the CPU has FMA, but the x86-64
  // baseline has not, and its software fallback made a control-loop solve 3.7x slower; it is
  // kept for factors beyond 1e300, where the split overflows.
  static double product_error(double a, double b, double p) {
    if (!(std::abs(a) < 1e300 && std::abs(b) < 1e300)) return std::fma(a, b, -p);
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

  // A sum in double-double: `high` is the double sum, and `low` collects the exact rounding
  // error of each addition (Knuth's TwoSum, no branch) and of each product, so the value is as
  // if summed with twice double's precision (Ogita, Rump and Oishi's Sum2 / Dot2).
  struct Sum {
    double high = 0.0, low = 0.0;
    void add(double x) {
      const double t = high + x, x_part = t - high;
      low += (high - (t - x_part)) + (x - x_part);
      high = t;
    }
    // a * b exactly: the double product and its rounding error.
    void add_product(double a, double b) {
      const double p = a * b;
      add(p);
      low += product_error(a, b, p);
    }
    long double value() const { return std::isfinite(high) ? static_cast<long double>(high) + low : high; }
  };
  // One Sum per entry of a vector.
  using Sums = std::vector<Sum>;

  // The larger of two measures, NaN winning: an overflowed sum (inf - inf) must not be hidden
  // by std::max, which keeps its first argument when the comparison is false.
  static long double larger(long double a, long double b) { return (std::isnan(b) || b > a) ? b : a; }

  static Sum& at(Sums& sums, Eigen::Index i) { return sums[static_cast<std::size_t>(i)]; }
  static void clear(Sums& sums) { std::fill(sums.begin(), sums.end(), Sum()); }

  static void dot(const Eigen::VectorXd& a, const Eigen::VectorXd& b, Sum& s) {
    for (Eigen::Index i = 0; i < a.size(); ++i) s.add_product(a(i), b(i));
  }
  // out += M x and out += M' x.
  static void multiply(const Eigen::MatrixXd& M, const Eigen::VectorXd& x, Sums& out) {
    for (Eigen::Index j = 0; j < M.cols(); ++j)
      for (Eigen::Index i = 0; i < M.rows(); ++i) at(out, i).add_product(M(i, j), x(j));
  }
  static void multiply_transpose(const Eigen::MatrixXd& M, const Eigen::VectorXd& x, Sums& out) {
    for (Eigen::Index j = 0; j < M.cols(); ++j)
      for (Eigen::Index i = 0; i < M.rows(); ++i) at(out, j).add_product(M(i, j), x(i));
  }
  static void multiply(const SparseMatrix& M, const Eigen::VectorXd& x, Sums& out) {
    for (Eigen::Index j = 0; j < M.outerSize(); ++j)
      for (SparseMatrix::InnerIterator it(M, j); it; ++it) at(out, it.row()).add_product(it.value(), x(j));
  }
  static void multiply_transpose(const SparseMatrix& M, const Eigen::VectorXd& x, Sums& out) {
    for (Eigen::Index j = 0; j < M.outerSize(); ++j)
      for (SparseMatrix::InnerIterator it(M, j); it; ++it) at(out, j).add_product(it.value(), x(it.row()));
  }

  Sums Pz_, dual_, Gz_, Az_;
};

}  // namespace optlayer
