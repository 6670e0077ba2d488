#pragma once
// The demo's two pictures, drawn with examples/svg_plot.hpp: the sigmoid layer over the analytic
// sigmoid, and the polytope before and after training with the targets and the unit circle.
// Shared by examples/optlayer_demo.cpp and tests/test_demo.cpp.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "examples/demo_chapter.hpp"
#include "examples/demo_geometry.hpp"
#include "examples/svg_plot.hpp"

namespace optlayer_demo {

inline std::vector<double> to_std(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

inline std::string scientific(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1e", value);
  return buffer;
}

/// A stroke of the given colour and width (markers take their fill from the stroke).
inline svgplot::Style stroke(const std::string& color, double width) {
  svgplot::Style s;
  s.stroke = color;
  s.stroke_width = width;
  return s;
}

/// The layer's values and gradients (small dark markers) over the analytic curves (wide pale
/// lines), so both stay visible where they coincide.
inline svgplot::Figure sigmoid_figure(const SigmoidReport& r) {
  svgplot::Figure figure(1, 1, 640.0, 440.0);
  const std::vector<double> x = to_std(r.x);
  figure.axes(0, 0)
      .title("Sigmoid layer vs analytic (max errors " + scientific(r.value_error) + ", " +
             scientific(r.gradient_error) + ")")
      .xlabel("x")
      .ylabel("sigma(x) and its derivative")
      .xlim(-5.0, 5.0)
      .ylim(0.0, 1.3)  // room for the legend above the curves
      .line(x, to_std(r.y_reference), stroke("#9ecae1", 6.0), "analytic sigma(x)")
      .markers(x, to_std(r.y), svgplot::Marker::circle, 1.8, stroke("#08306b", 1.0), "layer z*(x) (forward)")
      .line(x, to_std(r.gradient_reference), stroke("#fdd0a2", 6.0), "analytic sigma'(x)")
      .markers(x, to_std(r.gradient), svgplot::Marker::cross, 2.5, stroke("#a63603", 1.3), "layer dz*/dx (backward)");
  return figure;
}

/// Half-width of the polytope view: the initial polytope, within [1.6, 4] so the circle stays readable.
inline double polytope_view(const PolytopeReport& r) {
  double extent = 1.6;
  for (const Eigen::Vector2d& v : polytope_vertices(r.G0, r.h0, 100.0)) extent = std::max(extent, v.cwiseAbs().maxCoeff());
  return std::min(extent * 1.05, 4.0);
}

/// One panel: the polytope {z : Gz <= h} (vertices by clipping a large box), the unit circle, the targets.
inline void draw_polytope(svgplot::Axes& ax, const std::string& title, const Eigen::MatrixXd& G,
                          const Eigen::VectorXd& h, const Eigen::MatrixXd& Y, double view) {
  std::vector<double> px, py, cx, cy;
  for (const Eigen::Vector2d& v : polytope_vertices(G, h, 100.0)) {
    px.push_back(v(0));
    py.push_back(v(1));
  }
  const double pi = std::acos(-1.0);
  for (int i = 0; i <= 200; ++i) {
    cx.push_back(std::cos(2.0 * pi * i / 200.0));
    cy.push_back(std::sin(2.0 * pi * i / 200.0));
  }
  svgplot::Style fill = stroke("#c85a00", 1.5);
  fill.fill = "#ff7f0e";
  fill.fill_opacity = 0.45;
  // Room for the legend above the circle; equal_aspect keeps the circle round.
  ax.title(title).xlabel("z1").ylabel("z2").xlim(-view, view).ylim(-0.85 * view, 0.85 * view + 0.55).equal_aspect();
  ax.polygon(px, py, fill, "polytope {z : Gz <= h}");
  ax.line(cx, cy, svgplot::Style::dashed("#2ca02c", 2.0), "unit circle");
  ax.markers(to_std(Y.col(0)), to_std(Y.col(1)), svgplot::Marker::cross, 3.0, stroke("#1f4e9c", 1.3),
             "targets Y (points projected onto the ball)");
}

/// Before and after training, side by side on the same scale.
inline svgplot::Figure polytope_figure(const PolytopeReport& r) {
  svgplot::Figure figure(1, 2, 470.0, 490.0);
  figure.title("Learning a polytope: the projection onto {z : Gz <= h} fitted to the projection onto the unit ball");
  const double view = polytope_view(r);
  char before[64], after[64];
  std::snprintf(before, sizeof before, "Before training (loss %.4f)", r.initial_loss);
  std::snprintf(after, sizeof after, "After %zu Adam steps (loss %.5f)", r.losses.size(), r.final_loss);
  draw_polytope(figure.axes(0, 0), before, r.G0, r.h0, r.Y, view);
  draw_polytope(figure.axes(0, 1), after, r.G, r.h, r.Y, view);
  return figure;
}

}  // namespace optlayer_demo
