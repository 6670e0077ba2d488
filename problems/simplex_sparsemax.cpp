// Sparsemax rows on SimplexQpSolver, batched on the worker pool.

#include "optlayer/problems/simplex_sparsemax.hpp"

#include <functional>
#include <limits>
#include <stdexcept>

#include "diff/worker_pool.hpp"

namespace optlayer {

SimplexSparsemaxLayer::SimplexSparsemaxLayer(Eigen::Index n, const QpLayerOptions& options)
    : options_(options) {
  if (n < 1) throw std::invalid_argument("optlayer::SimplexSparsemaxLayer: n must be at least 1");
  options_.settings.validate();
  d_ = Eigen::VectorXd::Constant(n, 2.0);
  const unsigned threads = detail::resolve_threads(options_.threads, std::numeric_limits<std::size_t>::max());
  pool_ = std::make_unique<detail::WorkerPool>(threads - 1);
}

SimplexSparsemaxLayer::~SimplexSparsemaxLayer() = default;
SimplexSparsemaxLayer::SimplexSparsemaxLayer(SimplexSparsemaxLayer&&) noexcept = default;
SimplexSparsemaxLayer& SimplexSparsemaxLayer::operator=(SimplexSparsemaxLayer&&) noexcept = default;

namespace {

// A backward row is O(n): below this many entries in the batch, handing rows to the pool
// costs more than it saves.
constexpr Eigen::Index kParallelBackwardEntries = Eigen::Index(1) << 16;

}  // namespace

template <typename Task>
void SimplexSparsemaxLayer::for_each_row(Eigen::Index rows, bool parallel, const Task& task) {
  detail::for_each_index(pool_.get(), static_cast<std::size_t>(rows), parallel,
                         [&](std::size_t k) { task(static_cast<Eigen::Index>(k)); });
}

Status SimplexSparsemaxLayer::forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) {
  all_solved_ = false;
  rows_ = 0;
  if (X.cols() != dimension()) return Status::invalid_input;
  while (static_cast<Eigen::Index>(solvers_.size()) < X.rows()) solvers_.emplace_back(dimension(), options_.settings);
  columns_in_.resize(dimension(), X.rows());
  Y.resize(X.rows(), dimension());
  for_each_row(X.rows(), true, [&](Eigen::Index k) {
    columns_in_.col(k) = -2.0 * X.row(k).transpose();  // q = -2x
    SimplexQpSolver& solver = solvers_[static_cast<std::size_t>(k)];
    if (solver.solve(d_, columns_in_.col(k)) == Status::solved) Y.row(k) = solver.result().z.transpose();
    else Y.row(k).setConstant(std::numeric_limits<double>::quiet_NaN());  // never a stale point
  });
  Status status = Status::solved;
  for (Eigen::Index k = 0; k < X.rows() && status == Status::solved; ++k) status = solver(k).result().status;
  rows_ = X.rows();
  all_solved_ = status == Status::solved;
  return status;
}

bool SimplexSparsemaxLayer::backward(const Eigen::MatrixXd& dY, Eigen::MatrixXd& dX) {
  if (!all_solved_ || dY.rows() != rows_ || dY.cols() != dimension()) return false;
  columns_in_.resize(dimension(), rows_);
  columns_out_.resize(dimension(), rows_);
  dX.resize(rows_, dimension());
  for_each_row(rows_, rows_ * dimension() >= kParallelBackwardEntries, [&](Eigen::Index k) {
    columns_in_.col(k) = dY.row(k).transpose();
    solvers_[static_cast<std::size_t>(k)].backward(columns_in_.col(k), columns_out_.col(k));
    dX.row(k) = -2.0 * columns_out_.col(k).transpose();  // q = -2x, so dL/dx = -2 dL/dq
  });
  return true;
}

}  // namespace optlayer
