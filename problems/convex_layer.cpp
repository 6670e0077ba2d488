// Batched layer over a smooth convex problem: one solver per row.

#include "optlayer/problems/convex_layer.hpp"

#include <string>

namespace optlayer {

Settings layer_settings() {
  Settings settings;
  settings.eps_abs = 1e-12;
  settings.eps_rel = 1e-13;
  return settings;
}

ConvexLayer::ConvexLayer(ConvexProblem problem, const Settings& settings)
    : problem_(std::move(problem)), settings_(settings) {
  settings_.validate();
}

Status ConvexLayer::forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Z) {
  all_solved_ = false;
  rows_ = 0;
  if (X.cols() != num_parameters()) return Status::invalid_input;
  while (static_cast<Eigen::Index>(solvers_.size()) < X.rows()) solvers_.emplace_back(problem_, settings_);
  Z.resize(X.rows(), num_variables());
  Status status = Status::solved;
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    row_in_ = X.row(i).transpose();
    ConvexSolver& solver = solvers_[static_cast<std::size_t>(i)];
    const Status row_status = solver.solve(row_in_);
    Z.row(i) = solver.result().z.transpose();
    if (row_status != Status::solved && status == Status::solved) status = row_status;
  }
  rows_ = X.rows();
  all_solved_ = status == Status::solved;
  return status;
}

bool ConvexLayer::backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX) {
  if (!all_solved_ || dZ.rows() != rows_ || dZ.cols() != num_variables()) return false;
  dX.resize(rows_, num_parameters());
  for (Eigen::Index i = 0; i < rows_; ++i) {
    row_in_ = dZ.row(i).transpose();
    if (!solvers_[static_cast<std::size_t>(i)].backward(row_in_, row_out_)) return false;
    dX.row(i) = row_out_.transpose();
  }
  return true;
}

long ConvexLayer::total_factorizations() const {
  long total = 0;
  for (const ConvexSolver& solver : solvers_) total += solver.total_factorizations();
  return total;
}

}  // namespace optlayer
