// Detection of the rows pairs G_b = -G_a (the two sides of a range) and the cancellation of the
// common part of their multipliers (solver/qp/opposite_rows.hpp).
#include <doctest/doctest.h>

#include <Eigen/SparseCore>
#include <algorithm>
#include <set>
#include <utility>

#include "solver/qp/opposite_rows.hpp"

using optlayer::OppositeRows;

namespace {

// Rows: 0 and 2 are a pair; 1 and 3 are equal (not a pair), 4 negates both (pairs with one);
// 5 has the absolute values of 0 in other columns (no pair with 0 or 2), 6 negates 5;
// 7 is zero; 8 is 0 scaled by 2 (not a negation).
Eigen::MatrixXd example_rows() {
  Eigen::MatrixXd G(9, 3);
  G << 1, 2, 0,
       0, 0, 3,
      -1, -2, 0,
       0, 0, 3,
       0, 0, -3,
       2, 1, 0,
      -2, -1, 0,
       0, 0, 0,
       2, 4, 0;
  return G;
}

std::set<std::pair<Eigen::Index, Eigen::Index>> sorted_pairs(const OppositeRows& rows) {
  std::set<std::pair<Eigen::Index, Eigen::Index>> out;
  for (auto [a, b] : rows.pairs()) out.insert({std::min(a, b), std::max(a, b)});
  return out;
}

void check_example_pairs(const OppositeRows& rows) {
  const auto pairs = sorted_pairs(rows);
  CHECK(pairs.size() == 3);
  CHECK(pairs.count({0, 2}) == 1);
  CHECK(pairs.count({5, 6}) == 1);
  CHECK((pairs.count({1, 4}) + pairs.count({3, 4})) == 1);
}

}  // namespace

TEST_CASE("opposite rows are found in dense and sparse G, and nothing else is") {
  const Eigen::MatrixXd G = example_rows();
  OppositeRows dense;
  dense.resize(G.cols(), G.rows());
  dense.detect(G);
  check_example_pairs(dense);

  const Eigen::SparseMatrix<double> sparse = G.sparseView();
  OppositeRows from_sparse;
  from_sparse.resize(G.cols(), G.rows());
  from_sparse.detect(sparse);
  check_example_pairs(from_sparse);
  CHECK(sorted_pairs(dense) == sorted_pairs(from_sparse));
}

TEST_CASE("a matrix without opposite rows gives no pairs") {
  const Eigen::MatrixXd G = Eigen::MatrixXd::Identity(4, 4);
  OppositeRows rows;
  rows.resize(4, 4);
  rows.detect(G);
  CHECK(rows.pairs().empty());
  rows.detect(Eigen::MatrixXd(0, 4));
  CHECK(rows.pairs().empty());
}

TEST_CASE("cancelling the common part of a narrow range keeps G'lambda and lowers s'lambda, to the centred values") {
  const Eigen::MatrixXd G = example_rows();
  OppositeRows rows;
  rows.resize(G.cols(), G.rows());
  rows.detect(G);
  // Widths h_a + h_b: pair (0, 2) 1e-3 and pair (5, 6) 2e-3 (narrow); the pair of row 4 with
  // row 1 or 3 is 2 (wide).
  Eigen::VectorXd h(9), s(9), lambda(9);
  h << 1e-3, 1, 0, 1, 1, 1e-3, 1e-3, 1, 1;
  s << 5e-4, 1, 5e-4, 1, 1, 1e-3, 1e-3, 1, 1;
  lambda << 1e6, 3e5, 1e6 + 5, 4e5, 1e5, 1e-3, 7e4, 1, 1;
  const double mu = 1e-2;
  const Eigen::VectorXd before = lambda;
  rows.cancel_common_part(h, s, lambda, mu);

  CHECK((G.transpose() * lambda - G.transpose() * before).cwiseAbs().maxCoeff() <= 1e-9);
  CHECK(s.dot(lambda) < s.dot(before));
  // Pair (0, 2): both far above mu / s = 20, lowered until the smaller reaches it.
  CHECK(std::min(lambda(0), lambda(2)) == doctest::Approx(mu / s(0)));
  CHECK(lambda(2) - lambda(0) == doctest::Approx(5.0));
  // Pair (5, 6): lambda_5 = 1e-3 is already below mu / s_5 = 10, so nothing moves.
  CHECK(lambda(5) == before(5));
  CHECK(lambda(6) == before(6));
  // The wide pair keeps its large multipliers; rows without a partner are untouched.
  for (int i : {1, 3, 4, 7, 8}) CHECK(lambda(i) == before(i));
  CHECK((lambda.array() > 0.0).all());
}
