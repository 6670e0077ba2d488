// The row-batch engine of the QP layers and an independent KKT residual.

#include "optlayer/problems/qp_layer.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace optlayer {
namespace {

// Infinity norm that is 0 for an empty vector (Eigen's maxCoeff is undefined there).
double inf_norm(const Eigen::VectorXd& v) { return v.size() > 0 ? v.cwiseAbs().maxCoeff() : 0.0; }

// Row k of M into out[k]: layer cotangents (rows) to the vectors QpBatch takes.
void rows_to_vectors(const Eigen::MatrixXd& M, std::vector<Eigen::VectorXd>& out) {
  out.resize(static_cast<std::size_t>(M.rows()));
  for (Eigen::Index k = 0; k < M.rows(); ++k) out[static_cast<std::size_t>(k)] = M.row(k).transpose();
}

}  // namespace

double QpKktResidual::max() const {
  return std::max({stationarity, complementarity, primal_feasibility, dual_feasibility});
}

QpKktResidual kkt_residual(const QpData& d, const QpResult& r) {
  QpKktResidual out;
  const Eigen::VectorXd slack = d.h - d.G * r.z;
  out.stationarity = inf_norm(d.P * r.z + d.q + d.G.transpose() * r.lambda + d.A.transpose() * r.nu);
  out.complementarity = inf_norm(r.lambda.cwiseProduct(slack));
  out.primal_feasibility = std::max(inf_norm((-slack).cwiseMax(0.0)), inf_norm(d.A * r.z - d.b));
  out.dual_feasibility = inf_norm((-r.lambda).cwiseMax(0.0));
  return out;
}

QpRowBatch::QpRowBatch(Eigen::Index n, Eigen::Index m, Eigen::Index p, const QpLayerOptions& options)
    : n_(n), m_(m), p_(p), options_(options) {
  options_.settings.validate();
}

Status QpRowBatch::solve(std::vector<QpData> problems, Eigen::MatrixXd& Z) {
  all_solved_ = false;
  if (!batch_ || batch_->size() != problems.size())
    batch_ = std::make_unique<QpBatch>(problems.size(), n_, m_, p_, options_.settings, options_.threads);
  problems_ = std::move(problems);
  const std::size_t solved = batch_->solve(problems_);
  Z.resize(rows(), n_);
  Status status = Status::solved;
  for (Eigen::Index k = 0; k < rows(); ++k) {
    const QpResult& r = result(k);
    if (r.status == Status::solved) {
      Z.row(k) = r.z.transpose();
      continue;
    }
    Z.row(k).setConstant(std::numeric_limits<double>::quiet_NaN());  // never a stale or partial point
    if (status == Status::solved) status = r.status;
  }
  all_solved_ = solved == problems_.size();
  return status;
}

bool QpRowBatch::backward(const Eigen::MatrixXd& dZ, const Eigen::MatrixXd& dLambda, std::vector<QpGradient>& out) {
  if (!all_solved_ || dZ.rows() != rows() || dZ.cols() != n_) return false;
  const bool with_duals = dLambda.size() > 0;
  if (with_duals && (dLambda.rows() != rows() || dLambda.cols() != m_)) return false;
  rows_to_vectors(dZ, dl_dz_);
  if (with_duals) rows_to_vectors(dLambda, dl_dlambda_);
  static const std::vector<Eigen::VectorXd> none;
  return batch_->backward(dl_dz_, with_duals ? dl_dlambda_ : none, none, out);
}

Eigen::MatrixXd QpRowBatch::inequality_duals() const {
  Eigen::MatrixXd L(rows(), m_);
  for (Eigen::Index k = 0; k < rows(); ++k) {
    const QpResult& r = result(k);
    if (r.status == Status::solved) L.row(k) = r.lambda.transpose();
    else L.row(k).setConstant(std::numeric_limits<double>::quiet_NaN());
  }
  return L;
}

const QpResult& QpRowBatch::result(Eigen::Index row) const {
  if (!batch_) throw std::out_of_range("optlayer::QpRowBatch::result: no solve yet");
  return batch_->result(static_cast<std::size_t>(row));
}

QpKktResidual QpRowBatch::kkt_residual(Eigen::Index row) const { return optlayer::kkt_residual(problem(row), result(row)); }

}  // namespace optlayer
