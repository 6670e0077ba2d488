// Batched layer over a smooth convex problem: one solver per row.

#include "optlayer/problems/convex_layer.hpp"

#include <limits>
#include <string>

#include "diff/worker_pool.hpp"

namespace optlayer {

Settings layer_settings() {
  Settings settings;
  settings.eps_abs = 1e-12;
  settings.eps_rel = 1e-13;
  return settings;
}

namespace {

// A backward row is one solve on a kept factorization: below this many entries in the batch,
// handing rows to the pool costs more than it saves.
constexpr Eigen::Index kParallelBackwardEntries = Eigen::Index(1) << 16;

}  // namespace

ConvexLayer::ConvexLayer(ConvexProblem problem, const Settings& settings, unsigned threads)
    : problem_(std::move(problem)), settings_(settings) {
  settings_.validate();
  pool_ = std::make_unique<detail::WorkerPool>(
      detail::resolve_threads(threads, std::numeric_limits<std::size_t>::max()) - 1);
}

ConvexLayer::~ConvexLayer() = default;
ConvexLayer::ConvexLayer(ConvexLayer&&) noexcept = default;
ConvexLayer& ConvexLayer::operator=(ConvexLayer&&) noexcept = default;

Status ConvexLayer::forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Z) {
  all_solved_ = false;
  rows_ = 0;
  if (X.cols() != num_parameters()) return Status::invalid_input;
  while (static_cast<Eigen::Index>(solvers_.size()) < X.rows()) solvers_.emplace_back(problem_, settings_);
  Z.resize(X.rows(), num_variables());
  columns_.resize(num_parameters(), X.rows());
  detail::for_each_index(pool_.get(), static_cast<std::size_t>(X.rows()), true, [&](std::size_t k) {
    const Eigen::Index i = static_cast<Eigen::Index>(k);
    columns_.col(i) = X.row(i).transpose();
    ConvexSolver& solver = solvers_[k];
    if (initial_point_.size() > 0) solver.solve(columns_.col(i), initial_point_);
    else solver.solve(columns_.col(i));
    Z.row(i) = solver.result().z.transpose();
  });
  Status status = Status::solved;
  for (Eigen::Index i = 0; i < X.rows() && status == Status::solved; ++i) status = solver(i).result().status;
  rows_ = X.rows();
  all_solved_ = status == Status::solved;
  return status;
}

bool ConvexLayer::backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX) {
  if (!all_solved_ || dZ.rows() != rows_ || dZ.cols() != num_variables()) return false;
  dX.resize(rows_, num_parameters());
  columns_.resize(num_variables(), rows_);
  if (static_cast<Eigen::Index>(row_out_.size()) < rows_) row_out_.resize(static_cast<std::size_t>(rows_));
  row_ok_.assign(static_cast<std::size_t>(rows_), 0);
  const bool parallel = rows_ * num_variables() >= kParallelBackwardEntries;
  detail::for_each_index(pool_.get(), static_cast<std::size_t>(rows_), parallel, [&](std::size_t k) {
    const Eigen::Index i = static_cast<Eigen::Index>(k);
    columns_.col(i) = dZ.row(i).transpose();
    row_ok_[k] = solvers_[k].backward(columns_.col(i), row_out_[k]);
    if (row_ok_[k]) dX.row(i) = row_out_[k].transpose();
  });
  for (unsigned char ok : row_ok_)
    if (!ok) return false;
  return true;
}

bool ConvexLayer::set_initial_point(const Eigen::VectorXd& z0) {
  if (z0.size() != 0 && z0.size() != num_variables()) return false;
  initial_point_ = z0;
  return true;
}

long ConvexLayer::total_factorizations() const {
  long total = 0;
  for (const ConvexSolver& solver : solvers_) total += solver.total_factorizations();
  return total;
}

}  // namespace optlayer
