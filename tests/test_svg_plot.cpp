// The examples' SVG plot helper: ticks, coordinate mapping, escaping, legends, element counts.

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>

#include "examples/svg_plot.hpp"

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("nice ticks are round numbers covering the range") {
  const std::vector<double> unit = svgplot::nice_ticks(0.0, 1.0);
  REQUIRE(unit.size() == 6);
  CHECK(unit.front() == 0.0);
  CHECK(unit[1] == doctest::Approx(0.2));
  CHECK(unit.back() == doctest::Approx(1.0));
  const std::vector<double> wide = svgplot::nice_ticks(-3.3, 7.1);
  REQUIRE(wide.size() == 5);
  CHECK(wide.front() == doctest::Approx(-2.0));
  CHECK(wide.back() == doctest::Approx(6.0));
  CHECK(svgplot::nice_ticks(1.0, 1.0).empty());
  CHECK(svgplot::nice_ticks(0.0, std::numeric_limits<double>::infinity()).empty());
  CHECK(svgplot::format_number(1e-17) == "0");
  CHECK(svgplot::format_number(0.25) == "0.25");
}

TEST_CASE("text is escaped") {
  CHECK(svgplot::escape("a<b & \"c\">") == "a&lt;b &amp; &quot;c&quot;&gt;");
}

TEST_CASE("data coordinates map onto the plot area") {
  svgplot::Figure figure(1, 1, 440.0, 260.0);
  figure.axes(0, 0).xlim(0.0, 10.0).ylim(0.0, 1.0).line({0.0, 10.0}, {0.0, 1.0});
  const std::string svg = figure.to_string();
  // Plot area: left 58, top 26, 370 x 192 pixels; y grows downwards.
  CHECK(svg.find("<polyline points=\"58.00,218.00 428.00,26.00\"") != std::string::npos);
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"440\" height=\"260\"", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(count(svg, "<g") == count(svg, "</g>"));
}

TEST_CASE("non-finite points break a line") {
  svgplot::Figure figure(1, 1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  figure.axes(0, 0).line({0, 1, 2, 3, 4}, {0, nan, 1, 1, 2});
  CHECK(count(figure.to_string(), "<polyline") == 2);
}

TEST_CASE("labels, legend, polygons, markers and horizontal lines") {
  svgplot::Figure figure(2, 1);
  figure.title("two & more");
  auto& top = figure.axes(0, 0).title("top").xlabel("t [s]").ylabel("z [m]");
  top.line({0, 1, 2}, {1, 2, 3}, svgplot::Style::color(1), "a < b");
  top.hline(2.5, svgplot::Style::dashed("#888888"), "limit");
  top.markers({0, 1, 2}, {1, 2, std::numeric_limits<double>::infinity()}, svgplot::Marker::square, 3.0,
              svgplot::Style::color(2), "samples");
  auto& bottom = figure.axes(1, 0).legend(false);
  bottom.polygon({0, 1, 1}, {0, 0, 1}, svgplot::Style::filled("#00ff00", 0.5), "area");
  bottom.markers({0.5}, {0.5}, svgplot::Marker::cross);
  const std::string svg = figure.to_string();
  CHECK(svg.find(">two &amp; more</text>") != std::string::npos);
  CHECK(svg.find(">top</text>") != std::string::npos);
  CHECK(svg.find(">t [s]</text>") != std::string::npos);
  CHECK(svg.find("rotate(-90") != std::string::npos);  // the y label
  CHECK(svg.find(">a &lt; b</text>") != std::string::npos);
  CHECK(svg.find(">limit</text>") != std::string::npos);
  CHECK(svg.find(">area</text>") == std::string::npos);  // legend switched off in the bottom panel
  CHECK(count(svg, "class=\"legend\"") == 1);
  CHECK(count(svg, "<polygon") == 1);
  CHECK(svg.find("fill=\"#00ff00\" fill-opacity=\"0.5\"") != std::string::npos);
  CHECK(count(svg, "class=\"hline\"") == 1);
  CHECK(svg.find("stroke-dasharray=\"5 3\"") != std::string::npos);
  // Two finite squares plus one in the legend, and one cross.
  CHECK(count(svg, "<rect class=\"marker\"") == 3);
  CHECK(count(svg, "<path class=\"marker\"") == 1);
  CHECK(svg.find("id=\"clip0\"") != std::string::npos);
  CHECK(svg.find("id=\"clip1\"") != std::string::npos);
  CHECK(count(svg, "<g") == count(svg, "</g>"));
}

TEST_CASE("save writes the same text") {
  svgplot::Figure figure(1, 2);
  figure.axes(0, 1).line({0, 1}, {1, 0}, svgplot::Style(), "x");
  const std::string path = "test_svg_plot_output.svg";
  REQUIRE(figure.save(path));
  std::ifstream file(path);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CHECK(text == figure.to_string());
  std::remove(path.c_str());
  CHECK_FALSE(figure.save("/nonexistent-directory/plot.svg"));
}
