// `make demo`: the chapter "Differentiable optimization" (../shared/seed/000_eb4458d475f655e6.txt)
// end to end in C++. Six sections, each running the layers of problems/ (numbers beside the
// chapter's own printed values where it printed any), two pictures, and a summary table.
//
// Usage: optlayer_demo [--summary FILE] [output-dir]
//   output-dir       where the pictures go (default build/demo, relative to the current directory)
//   --summary FILE   also write the summary table as Markdown to FILE (`make demo` records it in
//                    docs/results/demo.md through scripts/record_result.sh)
// Exit code 0 when every number is within its bound (see the summary), 1 otherwise, 2 when the
// pictures or the summary cannot be written or an argument is unknown.

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "examples/demo_chapter.hpp"
#include "examples/demo_pictures.hpp"

namespace {

using namespace optlayer_demo;
const char* const kChapter = "chapter (cvxpy/PyTorch)";

// One row of the summary: our number, the chapter's (empty when it printed none), and our bound.
struct SummaryRow {
  std::string quantity, ours, chapter, bound;
  bool passed;
};

std::string format(const char* fmt, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, fmt, value);
  return buffer;
}

// An error row: passes when error < bound (NaN fails).
SummaryRow error_row(const std::string& quantity, double error, double bound, const std::string& chapter = "") {
  return SummaryRow{quantity, format("%.2e", error), chapter, "< " + format("%.0e", bound), error < bound};
}

void heading(const char* title) { std::printf("\n== %s ==\n", title); }

// A vector the way the chapter prints np.round(v, digits); |v| below the last digit prints as 0.
void print_vector(const char* label, const Eigen::VectorXd& v, int digits) {
  std::printf("  %-34s [", label);
  const double zero = 0.5 * std::pow(10.0, -digits);
  for (Eigen::Index i = 0; i < v.size(); ++i) std::printf(" %.*f", digits, std::abs(v(i)) < zero ? 0.0 : v(i));
  std::printf(" ]\n");
}

void print_status(const char* what, Status status) {
  std::printf("  %s: %s\n", what, optlayer::to_string(status));
}

void section_nnls(std::vector<SummaryRow>& summary) {
  heading("1. Non-negative least squares with an l1 term (m = 50, n = 10, lambda = 0.1, seed 1)");
  std::printf("  minimize ||Az - b||^2 + lambda ||z||_1  s.t.  z >= 0   as the QP  P = 2A'A, q = -2A'b + lambda 1, G = -I, h = 0\n");
  const NnlsReport r = run_nnls();
  std::printf("  status %s after %d interior-point iterations, objective %.10f\n", optlayer::to_string(r.status),
              r.iterations, r.objective);
  print_vector("z (ours)", r.z, 5);
  print_vector("z, chapter (cvxpy/PyTorch)", chapter_nnls_solution(), 5);
  print_vector("duals of z >= 0 (ours)", r.duals, 5);
  print_vector("duals, chapter (cvxpy/PyTorch)", chapter_nnls_duals(), 5);
  std::printf("  (the chapter's A and b are unseeded np.random draws: same shape of answer, different numbers)\n");
  std::printf("  KKT residual: stationarity %.2e, complementarity %.2e, primal feasibility %.2e, dual feasibility %.2e\n",
              r.kkt.stationarity, r.kkt.complementarity, r.kkt.primal_feasibility, r.kkt.dual_feasibility);
  summary.push_back(error_row("NNLS + l1: KKT residual (max)", r.status == Status::solved ? r.kkt.max() : kInf, 1e-9,
                              "not printed (eps 1e-8 solve)"));
}

void section_qp_layer(std::vector<SummaryRow>& summary) {
  heading("2. The OptNet QP layer (n = 10, m = 4, p = 5, batch of 2, P = Psqrt'Psqrt, seed 2)");
  std::printf("  loss sum(z) over the batch; backward() against central differences of the layer, every entry\n");
  const QpLayerReport r = run_qp_layer();
  print_status("forward", r.status);
  for (const ParameterCheck& p : r.parameters)
    std::printf("  d/d%-6s %4d entries checked, largest relative error %.2e%s\n", p.name, p.checks, p.max_error,
                p.failed > 0 ? "  (perturbed solves failed)" : "");
  std::printf("  strict-complementarity margin min_i max(s_i, lambda_i) per problem:");
  for (double margin : r.margins) std::printf(" %.1e", margin);
  std::printf("\n  (the smaller it is, the closer a constraint is to a kink and the less accurate the differences)\n");
  std::printf("  %s: autograd.gradcheck(eps=1e-4, atol=1e-3) passes; it prints no error values\n", kChapter);
  summary.push_back(error_row("QP layer: gradcheck, largest rel. error", r.max_error(), 1e-6, "passes at atol 1e-3"));
}

SigmoidReport section_sigmoid(std::vector<SummaryRow>& summary) {
  heading("3. Sigmoid as a layer: argmin -zx + z log z + (1 - z) log(1 - z), 100 points in [-5, 5]");
  const SigmoidReport r = run_sigmoid();
  print_status("forward", r.status);
  std::printf("  largest error of the values    %.2e\n", r.value_error);
  std::printf("  largest error of the gradients %.2e   (d sum(y)/dx from backward() vs sigma(1 - sigma))\n",
              r.gradient_error);
  std::printf("  %s: plots only\n", kChapter);
  summary.push_back(error_row("sigmoid: values, max abs error", r.value_error, 1e-9, "plot only"));
  summary.push_back(error_row("sigmoid: gradients, max abs error", r.gradient_error, 1e-9, "plot only"));
  return r;
}

void section_softmax(std::vector<SummaryRow>& summary) {
  heading("4. Softmax as a layer: argmin_{1'z = 1} -z'x + sum z log z, a 20 x 10 batch (seed 4)");
  const SoftmaxReport r = run_softmax();
  print_status("forward", r.status);
  std::printf("  %-32s %-12s %-12s %s\n", "", "mean", "max", kChapter);
  std::printf("  %-32s %-12.2e %-12.2e %.2e (mean)\n", "abs. error of the forward pass", r.forward.mean, r.forward.max,
              kChapterSoftmaxForward);
  std::printf("  %-32s %-12.2e %-12.2e %.2e (mean)\n", "abs. error of the backward pass", r.backward.mean,
              r.backward.max, kChapterSoftmaxBackward);
  summary.push_back(error_row("softmax: forward, mean abs error", r.forward.mean, 1e-9,
                              format("%.2e", kChapterSoftmaxForward)));
  summary.push_back(error_row("softmax: forward, max abs error", r.forward.max, 1e-9, "not printed"));
  summary.push_back(error_row("softmax: backward, mean abs error", r.backward.mean, 1e-9,
                              format("%.2e", kChapterSoftmaxBackward)));
  summary.push_back(error_row("softmax: backward, max abs error", r.backward.max, 1e-9, "not printed"));
}

void print_matrix(const Eigen::MatrixXd& M, int digits) {
  for (Eigen::Index i = 0; i < M.rows(); ++i) print_vector("", M.row(i).transpose(), digits);
}

void section_sparsemax(std::vector<SummaryRow>& summary) {
  heading("5. Sparsemax as a layer: argmin ||z - x||^2 s.t. z >= 0, 1'z = 1, 3 vectors of size 10 (seed 5)");
  const SparsemaxReport r = run_sparsemax();
  print_status("forward", r.status);
  std::printf("  outputs (ours):\n");
  print_matrix(r.y, 4);
  std::printf("  %s, for its own torch.randn(3, 10):\n", kChapter);
  print_matrix(chapter_sparsemax_output(), 4);
  std::printf("  rows sum to 1 within %.1e; non-zeros per row:", r.row_sum_error);
  for (Eigen::Index i = 0; i < r.y.rows(); ++i) std::printf(" %ld", static_cast<long>((r.y.row(i).array() > 1e-9).count()));
  std::printf("\n  against the sort-based sparsemax: forward max error %.2e, backward (closed-form Jacobian) %.2e\n",
              r.forward.max, r.backward.max);
  summary.push_back(error_row("sparsemax: forward, max abs error", r.forward.max, 1e-9, "not printed"));
  summary.push_back(error_row("sparsemax: backward, max abs error", r.backward.max, 1e-9, "not printed"));
}

PolytopeReport section_polytope(std::vector<SummaryRow>& summary) {
  heading("6. Learning a polytope: 20 facets, 100 points, Adam lr 0.1 -> 0.01 after 20 iterations (seed 6)");
  const PolytopeReport r = run_polytope();
  print_status("every forward", r.status);
  std::printf("  full-batch MSE loss (mean over all 200 coordinates) at each iteration:\n");
  for (std::size_t i = 0; i < r.losses.size(); ++i) {
    std::printf("%s  %2zu: %.5f", i % 5 == 0 ? "  " : "", i, r.losses[i]);
    if (i % 5 == 4 || i + 1 == r.losses.size()) std::printf("\n");
  }
  const double ratio = r.initial_loss / r.final_loss;
  std::printf("  initial loss %.5f, final loss %.5f (after %zu Adam steps): %.1f times lower\n", r.initial_loss,
              r.final_loss, r.losses.size(), ratio);
  std::printf("  %s: plots of the polytope before and after, no losses printed\n", kChapter);
  const bool passed = r.status == Status::solved && ratio >= 3.0;
  summary.push_back(SummaryRow{"polytope: MSE loss initial -> final",
                               format("%.4f", r.initial_loss) + " -> " + format("%.5f", r.final_loss) + format(" (%.1fx)", ratio),
                               "plots only", "falls >= 3x", passed});
  return r;
}

// ---- Pictures ----------------------------------------------------------------------------------------

bool write_picture(const std::filesystem::path& path, const svgplot::Figure& figure) {
  if (!figure.save(path.string())) {
    std::fprintf(stderr, "optlayer_demo: cannot write %s\n", path.string().c_str());
    return false;
  }
  std::printf("  wrote %s\n", path.string().c_str());
  return true;
}

bool write_pictures(const std::filesystem::path& dir, const SigmoidReport& sigmoid, const PolytopeReport& polytope) {
  heading("Pictures");
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    std::fprintf(stderr, "optlayer_demo: cannot create %s: %s\n", dir.string().c_str(), error.message().c_str());
    return false;
  }
  const bool ok_sigmoid = write_picture(dir / "sigmoid.svg", sigmoid_figure(sigmoid));
  const bool ok_polytope = write_picture(dir / "polytope.svg", polytope_figure(polytope));
  return ok_sigmoid && ok_polytope;
}

// ---- Summary ----------------------------------------------------------------------------------------

bool print_summary(const std::vector<SummaryRow>& rows) {
  heading("Summary: our numbers beside the chapter's");
  std::printf("  %-42s %-32s %-30s %s\n", "quantity", "ours (optlayer, C++)", kChapter, "bound");
  bool all = true;
  for (const SummaryRow& r : rows) {
    std::printf("  %-42s %-32s %-30s %-12s %s\n", r.quantity.c_str(), r.ours.c_str(),
                r.chapter.empty() ? "-" : r.chapter.c_str(), r.bound.c_str(), r.passed ? "ok" : "FAIL");
    all = all && r.passed;
  }
  std::printf("\n%s\n", all ? "All numbers within their bounds." : "SOME NUMBERS ARE OUT OF BOUNDS.");
  return all;
}

// The summary as a Markdown table, the form docs/results/demo.md keeps and the README quotes.
bool write_summary(const std::string& path, const std::vector<SummaryRow>& rows) {
  std::ofstream out(path);
  out << "| quantity | optlayer (C++) | " << kChapter << " | bound | within bound |\n";
  out << "| --- | --- | --- | --- | --- |\n";
  for (const SummaryRow& r : rows)
    out << "| " << r.quantity << " | " << r.ours << " | " << (r.chapter.empty() ? "-" : r.chapter) << " | " << r.bound
        << " | " << (r.passed ? "yes" : "NO") << " |\n";
  out.close();
  if (!out) std::fprintf(stderr, "optlayer_demo: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = "build/demo";
  std::string summary_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--summary") == 0 && i + 1 < argc) {
      summary_path = argv[++i];
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: optlayer_demo [--summary FILE] [output-dir]\n");
      return 2;
    } else {
      dir = argv[i];
    }
  }
  std::printf("optlayer demo: the chapter \"Differentiable optimization\" reproduced in C++\n");
  std::printf("Every number below comes from running the layers in problems/; values labelled \"%s\"\n"
              "are the chapter's own printed output (on its own, unseeded random data).\n", kChapter);
  std::vector<SummaryRow> summary;
  section_nnls(summary);
  section_qp_layer(summary);
  const SigmoidReport sigmoid = section_sigmoid(summary);
  section_softmax(summary);
  section_sparsemax(summary);
  const PolytopeReport polytope = section_polytope(summary);
  const bool pictures = write_pictures(dir, sigmoid, polytope);
  const bool passed = print_summary(summary);
  const bool summary_written = summary_path.empty() || write_summary(summary_path, summary);
  if (!pictures || !summary_written) return 2;
  return passed ? 0 : 1;
}
