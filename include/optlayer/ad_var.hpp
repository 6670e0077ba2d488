#pragma once
// ad::Var, the scalar with which optlayer evaluates user functions to differentiate them.
//
// A Var is a value plus the index of the tape node that produced it; a Var without a
// tape is a constant (parameters during a solve, literals). Arithmetic and the usual
// math functions record a node holding their first and second partial derivatives;
// see ad_tape.hpp for the sweeps. Var works as an Eigen scalar (NumTraits below), so
// user code written for a generic scalar T (z.dot(x), z.array().log(), squaredNorm())
// runs unchanged with T = double (fast function values) and T = ad::Var (derivatives).

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "optlayer/ad_tape.hpp"

namespace optlayer {
namespace ad {

/// A double recorded on a Tape: the scalar with which user functions are differentiated.
class Var {
 public:
  Var() = default;
  /// A constant (no tape); implicit, so that literals mix with Var.
  Var(double value) : value_(value) {}  // NOLINT: implicit, so literals mix with Var
  /// The value of node `index` of `tape`.
  Var(double value, Tape* tape, int index) : value_(value), tape_(tape), index_(index) {}

  /// The value.
  double value() const { return value_; }
  /// True when no tape records it (a parameter during a solve, a literal).
  bool is_constant() const { return tape_ == nullptr; }
  /// The tape that records it (null for a constant).
  Tape* tape() const { return tape_; }
  /// Its node on the tape (-1 for a constant).
  int index() const { return index_; }

  /// Compound assignment: the binary operation, recorded like it.
  ///@{
  Var& operator+=(const Var& other);
  Var& operator-=(const Var& other);
  Var& operator*=(const Var& other);
  Var& operator/=(const Var& other);
  ///@}

 private:
  double value_ = 0.0;
  Tape* tape_ = nullptr;
  int index_ = -1;
};

/// The value of a double or a Var (lets generic user code branch on values).
///@{
inline double value_of(double x) { return x; }
inline double value_of(const Var& x) { return x.value(); }
///@}

namespace detail {

// y = phi(a) with phi'(a) = d, phi''(a) = h.
inline Var unary(const Var& a, double y, double d, double h) {
  if (a.is_constant()) return Var(y);
  return Var(y, a.tape(), a.tape()->push_unary(a.index(), d, h));
}

// y = phi(a, b) with gradient (da, db) and Hessian [haa hab; hab hbb].
inline Var binary(const Var& a, const Var& b, double y, double da, double db, double haa, double hab,
                  double hbb) {
  if (b.is_constant()) return unary(a, y, da, haa);
  if (a.is_constant()) return unary(b, y, db, hbb);
  return Var(y, a.tape(), a.tape()->push_binary(a.index(), b.index(), da, db, haa, hab, hbb));
}

}  // namespace detail

/// Arithmetic: each operation records one node with its first and second partial derivatives
/// (an operation on constants records nothing; overloads with double avoid a constant Var per literal).
///@{
inline Var operator+(const Var& a) { return a; }
inline Var operator-(const Var& a) { return detail::unary(a, -a.value(), -1.0, 0.0); }

inline Var operator+(const Var& a, const Var& b) {
  return detail::binary(a, b, a.value() + b.value(), 1.0, 1.0, 0.0, 0.0, 0.0);
}
inline Var operator-(const Var& a, const Var& b) {
  return detail::binary(a, b, a.value() - b.value(), 1.0, -1.0, 0.0, 0.0, 0.0);
}
inline Var operator*(const Var& a, const Var& b) {
  return detail::binary(a, b, a.value() * b.value(), b.value(), a.value(), 0.0, 1.0, 0.0);
}
inline Var operator/(const Var& a, const Var& b) {
  const double inv = 1.0 / b.value();
  const double y = a.value() * inv;
  return detail::binary(a, b, y, inv, -y * inv, 0.0, -inv * inv, 2.0 * y * inv * inv);
}
// Overloads with double avoid building a constant Var for every literal.
inline Var operator+(const Var& a, double b) { return detail::unary(a, a.value() + b, 1.0, 0.0); }
inline Var operator+(double a, const Var& b) { return detail::unary(b, a + b.value(), 1.0, 0.0); }
inline Var operator-(const Var& a, double b) { return detail::unary(a, a.value() - b, 1.0, 0.0); }
inline Var operator-(double a, const Var& b) { return detail::unary(b, a - b.value(), -1.0, 0.0); }
inline Var operator*(const Var& a, double b) { return detail::unary(a, a.value() * b, b, 0.0); }
inline Var operator*(double a, const Var& b) { return detail::unary(b, a * b.value(), a, 0.0); }
inline Var operator/(const Var& a, double b) { return detail::unary(a, a.value() / b, 1.0 / b, 0.0); }
inline Var operator/(double a, const Var& b) {
  const double inv = 1.0 / b.value();
  const double y = a * inv;
  return detail::unary(b, y, -y * inv, 2.0 * y * inv * inv);
}
///@}

inline Var& Var::operator+=(const Var& other) { return *this = *this + other; }
inline Var& Var::operator-=(const Var& other) { return *this = *this - other; }
inline Var& Var::operator*=(const Var& other) { return *this = *this * other; }
inline Var& Var::operator/=(const Var& other) { return *this = *this / other; }

/// Comparisons look at values only (branches are piecewise definitions).
///@{
inline bool operator<(const Var& a, const Var& b) { return a.value() < b.value(); }
inline bool operator>(const Var& a, const Var& b) { return a.value() > b.value(); }
inline bool operator<=(const Var& a, const Var& b) { return a.value() <= b.value(); }
inline bool operator>=(const Var& a, const Var& b) { return a.value() >= b.value(); }
inline bool operator==(const Var& a, const Var& b) { return a.value() == b.value(); }
inline bool operator!=(const Var& a, const Var& b) { return a.value() != b.value(); }
///@}

/// Math functions of the standard library (and Eigen's abs2, square), recorded with their first and
/// second derivatives; abs has derivative 0 at 0 (the subgradient of least norm), max and min
/// pass the larger or smaller argument through, and the predicates look at the value.
///@{
inline Var log(const Var& a) {
  const double inv = 1.0 / a.value();
  return detail::unary(a, std::log(a.value()), inv, -inv * inv);
}
inline Var log1p(const Var& a) {
  const double inv = 1.0 / (1.0 + a.value());
  return detail::unary(a, std::log1p(a.value()), inv, -inv * inv);
}
inline Var exp(const Var& a) {
  const double e = std::exp(a.value());
  return detail::unary(a, e, e, e);
}
inline Var expm1(const Var& a) {
  const double e = std::exp(a.value());
  return detail::unary(a, std::expm1(a.value()), e, e);
}
inline Var sqrt(const Var& a) {
  const double r = std::sqrt(a.value());
  return detail::unary(a, r, 0.5 / r, -0.25 / (r * a.value()));
}
inline Var pow(const Var& a, double p) {
  const double x = a.value();
  if (p == 2.0) return detail::unary(a, x * x, 2.0 * x, 2.0);
  const double y = std::pow(x, p);
  return detail::unary(a, y, p * std::pow(x, p - 1.0), p * (p - 1.0) * std::pow(x, p - 2.0));
}
inline Var pow(const Var& a, const Var& b) {
  if (b.is_constant()) return pow(a, b.value());
  const double x = a.value(), p = b.value();
  const double y = std::pow(x, p), lx = std::log(x), xp1 = std::pow(x, p - 1.0);
  return detail::binary(a, b, y, p * xp1, y * lx, p * (p - 1.0) * std::pow(x, p - 2.0), xp1 * (1.0 + p * lx),
                        y * lx * lx);
}
inline Var pow(double a, const Var& b) { return pow(Var(a), b); }
inline Var sin(const Var& a) {
  const double s = std::sin(a.value()), c = std::cos(a.value());
  return detail::unary(a, s, c, -s);
}
inline Var cos(const Var& a) {
  const double s = std::sin(a.value()), c = std::cos(a.value());
  return detail::unary(a, c, -s, -c);
}
inline Var tanh(const Var& a) {
  const double t = std::tanh(a.value());
  const double d = 1.0 - t * t;
  return detail::unary(a, t, d, -2.0 * t * d);
}
inline Var atan(const Var& a) {
  const double x = a.value();
  const double inv = 1.0 / (1.0 + x * x);
  return detail::unary(a, std::atan(x), inv, -2.0 * x * inv * inv);
}
inline Var abs(const Var& a) {
  // Derivative 0 at 0: the subgradient of least norm.
  const double x = a.value();
  return detail::unary(a, std::abs(x), x > 0.0 ? 1.0 : (x < 0.0 ? -1.0 : 0.0), 0.0);
}
inline Var abs2(const Var& a) { return detail::unary(a, a.value() * a.value(), 2.0 * a.value(), 2.0); }
inline Var square(const Var& a) { return abs2(a); }
inline Var max(const Var& a, const Var& b) { return a.value() >= b.value() ? a : b; }
inline Var min(const Var& a, const Var& b) { return a.value() <= b.value() ? a : b; }
inline bool isfinite(const Var& a) { return std::isfinite(a.value()); }
inline bool isnan(const Var& a) { return std::isnan(a.value()); }
inline bool isinf(const Var& a) { return std::isinf(a.value()); }
///@}

}  // namespace ad
}  // namespace optlayer

namespace Eigen {

template <>
struct NumTraits<optlayer::ad::Var> : NumTraits<double> {
  using Real = optlayer::ad::Var;
  using NonInteger = optlayer::ad::Var;
  using Nested = optlayer::ad::Var;
  using Literal = optlayer::ad::Var;
  enum { IsComplex = 0, IsInteger = 0, IsSigned = 1, RequireInitialization = 1, ReadCost = 1, AddCost = 4, MulCost = 4 };
};

// Mixed expressions such as P * z with a double matrix P and a Var vector z.
template <typename BinaryOp>
struct ScalarBinaryOpTraits<optlayer::ad::Var, double, BinaryOp> {
  using ReturnType = optlayer::ad::Var;
};
template <typename BinaryOp>
struct ScalarBinaryOpTraits<double, optlayer::ad::Var, BinaryOp> {
  using ReturnType = optlayer::ad::Var;
};

}  // namespace Eigen
