#pragma once
// Pairs of inequality rows that are exact negatives of each other, G_b = -G_a: the two sides of
// a range l <= g'z <= u (to_standard_form writes every ranged row and every boxed variable so).
//
// Why: only the difference lambda_a - lambda_b of such a pair enters the dual residual, so an
// interior-point method cannot see their common part, and on a narrow range it drifts: both
// slacks are below the width u - l, so even huge multipliers leave small products s lambda.
// On Maros-Meszaros QPILOTNO, whose boxes 0 <= z_j <= 1e-5 hold z_j at 5e-6, both multipliers
// of such boxes reach 6e7; their products leave a duality gap of 4e3 while mu is 1e-60, and the
// weights s / lambda of 1e-13, below the KKT regularization, corrupt the Newton directions
// (the dual residual of its best point was 0.25). Subtracting the common part changes no
// residual and only lowers s'lambda. On wide ranges the method keeps the multipliers apart by
// itself (one slack is at least half the width), and cancelling there only changed the
// rounding of the last iterations: it lost QSCFXM3 at 1e-9, a problem at the round-off edge.
//
// Detection allocates nothing after resize(): rows are sorted by a weighted sum of their absolute
// values (equal for a pair), and a candidate pair must also have negated signed sums and equal
// entry counts. The weights are distinct and irregular, so different rows meeting all three
// tests would have to agree in sums that no structure of real data produces; a false pair would
// only change the dual residual, which the solver measures, never the returned certificates.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace optlayer {

class OppositeRows {
 public:
  void resize(Eigen::Index n, Eigen::Index m) {
    column_weight_.resize(n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double golden = 0.6180339887498949 * static_cast<double>(j + 1);
      column_weight_(j) = 1.0 + (golden - std::floor(golden));  // in [1, 2), all distinct
    }
    abs_key_.setZero(m);
    signed_key_.setZero(m);
    entries_.setZero(m);
    order_.resize(static_cast<std::size_t>(m));
    pairs_.clear();
    pairs_.reserve(static_cast<std::size_t>(m / 2));
  }

  /// Finds the pairs of G (dense or sparse, any scaling that treats both rows of a pair alike).
  template <class Matrix>
  void detect(const Matrix& G) {
    pairs_.clear();
    const Eigen::Index m = G.rows();
    if (m < 2) return;
    abs_key_.setZero();
    signed_key_.setZero();
    entries_.setZero();
    row_keys(G);
    for (Eigen::Index i = 0; i < m; ++i) order_[static_cast<std::size_t>(i)] = i;
    std::sort(order_.begin(), order_.end(), [&](Eigen::Index a, Eigen::Index b) {
      return abs_key_(a) < abs_key_(b) || (abs_key_(a) == abs_key_(b) && a < b);
    });
    // Within each run of equal absolute keys, match each row with the first unmatched negation.
    for (std::size_t begin = 0; begin < order_.size();) {
      std::size_t end = begin + 1;
      while (end < order_.size() && abs_key_(order_[end]) == abs_key_(order_[begin])) ++end;
      if (abs_key_(order_[begin]) > 0.0) match_run(begin, end);
      begin = end;
    }
  }

  /// Width h_a + h_b (equilibrated units, where rows have unit size) below which a range is
  /// narrow. Measured on Maros-Meszaros: 1e-2 and 1e-4 both fix QPILOTNO's drift (whose boxes
  /// are 1e-5 wide) and change no other problem; with no limit QSCFXM3 is lost (see above).
  static constexpr double kNarrowWidth = 1e-2;

  /// Lowers both multipliers of each narrow pair (h_a + h_b < kNarrowWidth) by their common part
  /// above the centred values mu / s (never below them), which leaves G'lambda unchanged.
  void cancel_common_part(const Eigen::VectorXd& h, const Eigen::VectorXd& s, Eigen::VectorXd& lambda,
                          double mu) const {
    for (const auto& [a, b] : pairs_) {
      if (!(h(a) + h(b) < kNarrowWidth)) continue;
      const double common = std::min(lambda(a) - mu / s(a), lambda(b) - mu / s(b));
      if (common > 0.0) {
        lambda(a) -= common;
        lambda(b) -= common;
      }
    }
  }

  const std::vector<std::pair<Eigen::Index, Eigen::Index>>& pairs() const { return pairs_; }

 private:
  // The keys of row i accumulate column by column in the same order for every row, so the
  // keys of a row and of its negation are equal and negated to the last bit.
  void add_entry(Eigen::Index i, Eigen::Index j, double value) {
    if (value == 0.0) return;
    abs_key_(i) += std::abs(value) * column_weight_(j);
    signed_key_(i) += value * column_weight_(j);
    entries_(i) += 1.0;
  }
  // Accumulate the keys of every row of G (zeroed by detect()).
  void row_keys(const Eigen::MatrixXd& G) {
    for (Eigen::Index j = 0; j < G.cols(); ++j)
      for (Eigen::Index i = 0; i < G.rows(); ++i) add_entry(i, j, G(i, j));
  }
  void row_keys(const Eigen::SparseMatrix<double>& G) {
    for (Eigen::Index j = 0; j < G.outerSize(); ++j)
      for (Eigen::SparseMatrix<double>::InnerIterator it(G, j); it; ++it) add_entry(it.row(), j, it.value());
  }
  // Candidates searched per row: bounds the work on runs of many equal rows (duplicates).
  static constexpr std::size_t kMaxCandidates = 64;

  void match_run(std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const Eigen::Index a = order_[i];
      if (a < 0) continue;
      for (std::size_t k = i + 1; k < std::min(end, i + 1 + kMaxCandidates); ++k) {
        const Eigen::Index b = order_[k];
        if (b < 0 || signed_key_(b) != -signed_key_(a) || entries_(b) != entries_(a)) continue;
        pairs_.emplace_back(a, b);
        order_[k] = -1;  // matched; the run is not visited again
        break;
      }
    }
  }

  Eigen::VectorXd column_weight_, abs_key_, signed_key_, entries_;
  std::vector<Eigen::Index> order_;
  std::vector<std::pair<Eigen::Index, Eigen::Index>> pairs_;
};

}  // namespace optlayer
