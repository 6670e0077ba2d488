#include "cli/cli_commands.hpp"
#include "optlayer/qps_reader.hpp"

namespace optlayer::cli {

LoadedQp load_qp(const std::string& path) {
  const QpsModel model = read_qps(path);
  const SparseQp qp = to_standard_form(model);
  LoadedQp out;
  out.P = Eigen::MatrixXd(qp.P);
  out.G = Eigen::MatrixXd(qp.G);
  out.A = Eigen::MatrixXd(qp.A);
  out.q = qp.q;
  out.h = qp.h;
  out.b = qp.b;
  out.c0 = qp.c0;
  out.maximize = model.maximize;
  return out;
}

}  // namespace optlayer::cli
