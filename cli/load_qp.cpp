#include "cli/cli_commands.hpp"
#include "cli/cli_args.hpp"
#include "optlayer/qps_reader.hpp"

namespace optlayer::cli {

LoadedQp load_qp(const std::string& path) {
  const QpsModel model = read_qps(path);
  const SparseQp qp = to_standard_form(model);
  LoadedQp out;
  out.P = qp.P;
  out.G = qp.G;
  out.A = qp.A;
  out.q = qp.q;
  out.h = qp.h;
  out.b = qp.b;
  out.c0 = qp.c0;
  out.maximize = model.maximize;
  return out;
}

Backend parse_backend(const std::string& text) {
  if (text == "dense") return Backend::dense;
  if (text == "sparse") return Backend::sparse;
  throw UsageError("--kkt must be dense or sparse, not '" + text + "'");
}

}  // namespace optlayer::cli
