// The demo's pieces: the half-plane clipping behind the polytope picture, the two pictures, and
// the numbers of the six chapter sections (the same functions examples/optlayer_demo.cpp prints).
// tests/register_demo.cmake runs the demo program itself and checks its output and pictures.

#include <doctest/doctest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "examples/demo_chapter.hpp"
#include "examples/demo_geometry.hpp"
#include "examples/demo_pictures.hpp"

using namespace optlayer_demo;

namespace {

// Shoelace area (positive for counter-clockwise vertices).
double area(const Polygon2& p) {
  double twice = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const Eigen::Vector2d& a = p[i];
    const Eigen::Vector2d& b = p[(i + 1) % p.size()];
    twice += a(0) * b(1) - a(1) * b(0);
  }
  return twice / 2.0;
}

bool contains(const std::string& text, const std::string& piece) { return text.find(piece) != std::string::npos; }

std::size_t count(const std::string& text, const std::string& piece) {
  std::size_t n = 0;
  for (std::size_t at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("clipping: one half-plane cuts a square, keeps it whole, or removes it") {
  const Polygon2 square{{0, 0}, {2, 0}, {2, 2}, {0, 2}};
  const Polygon2 half = clip_halfplane(square, Eigen::Vector2d(1, 0), 1.0);  // x <= 1
  CHECK(half.size() == 4);
  CHECK(area(half) == doctest::Approx(2.0));
  for (const Eigen::Vector2d& v : half) CHECK(v(0) <= 1.0 + 1e-15);
  CHECK(area(clip_halfplane(square, Eigen::Vector2d(1, 1), 1.0)) == doctest::Approx(0.5));  // a corner triangle
  CHECK(clip_halfplane(square, Eigen::Vector2d(1, 0), 5.0).size() == 4);
  CHECK(clip_halfplane(square, Eigen::Vector2d(1, 0), -1.0).empty());
}

TEST_CASE("clipping: polytope vertices of a box, a triangle, an empty and an unbounded set") {
  const Eigen::MatrixXd box = (Eigen::MatrixXd(4, 2) << 1, 0, -1, 0, 0, 1, 0, -1).finished();
  const Polygon2 square = polytope_vertices(box, Eigen::VectorXd::Ones(4), 100.0);
  CHECK(square.size() == 4);
  CHECK(area(square) == doctest::Approx(4.0));
  for (const Eigen::Vector2d& v : square) CHECK(v.cwiseAbs().maxCoeff() == doctest::Approx(1.0));

  // x >= 0, y >= 0, x + y <= 1.
  const Eigen::MatrixXd G = (Eigen::MatrixXd(3, 2) << -1, 0, 0, -1, 1, 1).finished();
  const Polygon2 triangle = polytope_vertices(G, Eigen::Vector3d(0, 0, 1), 100.0);
  CHECK(area(triangle) == doctest::Approx(0.5));

  CHECK(polytope_vertices(box.topRows(2), Eigen::Vector2d(-1, -1), 100.0).empty());  // x <= -1 and x >= 1
  CHECK(area(polytope_vertices(box.topRows(1), Eigen::VectorXd::Zero(1), 10.0)) == doctest::Approx(200.0));  // x <= 0
}

TEST_CASE("demo sections: every number is within the bound the demo reports") {
  const NnlsReport nnls = run_nnls();
  CHECK(nnls.status == Status::solved);
  CHECK(nnls.kkt.max() < 1e-9);
  CHECK((nnls.z.array() > 1e-6).count() > 0);
  CHECK((nnls.duals.array() > 1e-6).count() > 0);

  const SigmoidReport sigmoid = run_sigmoid();
  CHECK(sigmoid.status == Status::solved);
  CHECK(sigmoid.value_error < 1e-9);
  CHECK(sigmoid.gradient_error < 1e-9);

  const SoftmaxReport softmax = run_softmax();
  CHECK(softmax.status == Status::solved);
  CHECK(softmax.forward.max < 1e-9);
  CHECK(softmax.backward.max < 1e-9);
  CHECK(softmax.forward.mean < kChapterSoftmaxForward);

  const SparsemaxReport sparsemax = run_sparsemax();
  CHECK(sparsemax.status == Status::solved);
  CHECK(sparsemax.forward.max < 1e-9);
  CHECK(sparsemax.backward.max < 1e-9);
  CHECK(sparsemax.row_sum_error < 1e-12);
  CHECK((sparsemax.y.array() < 1e-9).count() > 10);  // sparse

  const QpLayerReport qp = run_qp_layer();
  CHECK(qp.status == Status::solved);
  CHECK(qp.parameters.size() == 6);
  CHECK(qp.max_error() < 1e-6);
}

TEST_CASE("demo sections: the polytope's loss falls at least threefold and the polytope hugs the circle") {
  const PolytopeReport r = run_polytope();
  REQUIRE(r.status == Status::solved);
  CHECK(r.losses.size() == 40);
  CHECK(r.initial_loss / r.final_loss >= 3.0);
  // The learned polytope: every vertex within 0.35 of the unit circle.
  const Polygon2 learned = polytope_vertices(r.G, r.h, 100.0);
  REQUIRE(learned.size() >= 3);
  for (const Eigen::Vector2d& v : learned) CHECK(std::abs(v.norm() - 1.0) < 0.35);

  // Its picture: two panels, each with the polytope, the circle, the 100 targets and a legend.
  const std::string svg = polytope_figure(r).to_string();
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(count(svg, "<polygon") == 2);
  CHECK(count(svg, "class=\"marker\"") == 2 * (100 + 1));  // targets plus the legend sample
  for (const char* piece : {"Before training", "After 40 Adam steps", "polytope {z : Gz &lt;= h}", "unit circle",
                            "targets Y", "z1", "z2"})
    CHECK_MESSAGE(contains(svg, piece), piece);
}

TEST_CASE("demo pictures: the sigmoid figure overlays 100 layer points on each analytic curve") {
  const SigmoidReport r = run_sigmoid();
  const std::string svg = sigmoid_figure(r).to_string();
  CHECK(count(svg, "<circle class=\"marker\"") == 100 + 1);
  CHECK(count(svg, "<path class=\"marker\"") == 100 + 1);
  CHECK(count(svg, "<polyline") == 2);
  for (const char* piece : {"Sigmoid layer vs analytic", "analytic sigma(x)", "layer z*(x) (forward)",
                            "analytic sigma'(x)", "layer dz*/dx (backward)", "sigma(x) and its derivative"})
    CHECK_MESSAGE(contains(svg, piece), piece);
}

TEST_CASE("demo pictures: an equal aspect ratio keeps the unit circle round") {
  PolytopeReport r;
  r.G0 = r.G = (Eigen::MatrixXd(4, 2) << 1, 0, -1, 0, 0, 1, 0, -1).finished();
  r.h0 = r.h = Eigen::VectorXd::Ones(4);
  r.Y = Eigen::MatrixXd::Zero(1, 2);
  // The square [-1, 1]^2 is drawn as a polygon: its width and height in pixels must agree.
  const std::string svg = polytope_figure(r).to_string();
  const std::size_t at = svg.find("<polygon points=\"");
  REQUIRE(at != std::string::npos);
  double x[4], y[4];
  REQUIRE(std::sscanf(svg.c_str() + at, "<polygon points=\"%lf,%lf %lf,%lf %lf,%lf %lf,%lf", &x[0], &y[0], &x[1], &y[1],
                      &x[2], &y[2], &x[3], &y[3]) == 8);
  const double width = *std::max_element(x, x + 4) - *std::min_element(x, x + 4);
  const double height = *std::max_element(y, y + 4) - *std::min_element(y, y + 4);
  CHECK(width > 50.0);
  CHECK(width == doctest::Approx(height).epsilon(1e-3));
}
