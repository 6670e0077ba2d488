// Tests for the QPS reader: every section and sign rule on hand-written files,
// one test per class of malformed input (exact message text), the full
// Maros-Meszaros set against optimal_objectives.tsv, and to_standard_form.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "optlayer/qps_reader.hpp"
#include "qps_text.hpp"

using optlayer::parse_qps;
using optlayer::QpsError;
using optlayer::QpsModel;
using optlayer::read_qps;
using optlayer::to_standard_form;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

std::string fixture(const std::string& name) { return std::string(OPTLAYER_TEST_DATA_DIR) + "/qps/" + name; }

using qps_text::error_of;
using qps_text::kHead;
using qps_text::parse_text;

}  // namespace

TEST_CASE("qps: every section and sign rule") {
  const QpsModel m = read_qps(fixture("sections.qps"));
  CHECK(m.name == "SECTIONS  (test)");
  CHECK_FALSE(m.maximize);
  REQUIRE(m.num_variables() == 10);
  REQUIRE(m.num_rows() == 7);  // COST and SPARE (N rows) are not constraints
  CHECK(m.column_names == std::vector<std::string>{"X$1", "Y&2", "Z(3)", "W1", "W2", "W3", "W4", "W5", "W6", "W7"});
  CHECK(m.row_names == std::vector<std::string>{"EQ$1", "LIM&2", "LOW.3", "RGE+", "RGE-", "RGL", "RGG"});

  SUBCASE("objective: q from the N row (not first), c0 = -RHS") {
    Eigen::VectorXd q(10);
    q << 1.5, -2, 0, 0, -1, 0, 0, 0, 0, 1;
    CHECK(m.q == q);
    CHECK(m.c0 == 3.25);
  }
  SUBCASE("constraint matrix with Fortran numbers; SPARE entries dropped") {
    Eigen::MatrixXd c = Eigen::MatrixXd::Zero(7, 10);
    c(0, 0) = 1;
    c(1, 0) = 0.02466;
    c(2, 1) = 10;
    c(3, 1) = 1;
    c(4, 1) = 1;
    c(5, 2) = 1;
    c(6, 2) = -1;
    c(0, 2) = 2;
    c(2, 3) = 1;
    c(5, 5) = 3;
    c(6, 7) = 4;
    c(1, 8) = -1;
    CHECK(Eigen::MatrixXd(m.C) == c);
    CHECK(m.C.nonZeros() == 12);
  }
  SUBCASE("row bounds: RHS and every RANGES case") {
    Eigen::VectorXd lo(7), up(7);
    lo << 10, -kInf, 1, 2, -1, 2, -1;  // E, L, G, E R>0, E R<0, L R<0, G R<0
    up << 10, 5, kInf, 5, 2, 4, 4;
    CHECK(m.row_lower == lo);
    CHECK(m.row_upper == up);
  }
  SUBCASE("variable bounds: UP LO FX FR MI PL, negative UP, UP 0, 1e30") {
    Eigen::VectorXd lo(10), up(10);
    lo << 0, -1, 2.5, -kInf, -kInf, 0, -kInf, -10, 0, 0;
    up << 4, 10, 2.5, kInf, kInf, kInf, -3, -3, 0, kInf;
    CHECK(m.var_lower == lo);
    CHECK(m.var_upper == up);
  }
  SUBCASE("QUADOBJ: off-diagonals mirrored, diagonal kept, zeros skipped") {
    Eigen::MatrixXd p = Eigen::MatrixXd::Zero(10, 10);
    p(0, 0) = 2;
    p(0, 1) = p(1, 0) = -1;
    p(1, 2) = p(2, 1) = 0.5;
    CHECK(Eigen::MatrixXd(m.P) == p);
    CHECK(m.P.nonZeros() == 5);
  }
}

TEST_CASE("qps: QMATRIX is not mirrored; OBJSENSE MAX negates q, P and c0") {
  const QpsModel m = read_qps(fixture("qmatrix_max.qps"));
  CHECK(m.maximize);
  Eigen::Matrix2d p;
  p << 2, -1, -1, 4;
  CHECK(Eigen::MatrixXd(m.P) == p);
  CHECK(m.q == Eigen::Vector2d(-1, -2));
  CHECK(m.c0 == -5.0);
  CHECK(m.var_upper[0] == 3.0);
}

TEST_CASE("qps: OBJSENSE on the header line, MIN, and absent sense") {
  const std::string body = "ROWS\n N  OBJ\nCOLUMNS\n    X  OBJ  2.\nRHS\n    RHS  OBJ  1.\nENDATA\n";
  QpsModel max = parse_text("OBJSENSE    MAX\n" + body);
  CHECK(max.maximize);
  CHECK(max.q[0] == -2.0);
  CHECK(max.c0 == 1.0);
  QpsModel min = parse_text("OBJSENSE\n    MIN\n" + body);
  CHECK_FALSE(min.maximize);
  CHECK(min.q[0] == 2.0);
  CHECK(min.c0 == -1.0);
  CHECK(parse_text(body).c0 == -1.0);
}

TEST_CASE("qps: a zero objective RHS gives c0 = +0.0") {
  const QpsModel m = parse_text(kHead + "RHS\n    RHS  COST  0.\nENDATA\n");
  CHECK(m.c0 == 0.0);
  CHECK_FALSE(std::signbit(m.c0));
}

TEST_CASE("qps: fixed-format names with blanks and blank set names") {
  const QpsModel m = read_qps(fixture("fixed_format.qps"));
  CHECK(m.column_names == std::vector<std::string>{"X 1", "Y 2"});
  CHECK(m.row_names == std::vector<std::string>{"LIM 1", "BAL 2"});
  CHECK(m.q == Eigen::Vector2d(1, -1));
  Eigen::Matrix2d c;
  c << 1, 0, 1, -1;
  CHECK(Eigen::MatrixXd(m.C) == c);
  CHECK(m.row_upper == Eigen::Vector2d(4, 1));
  CHECK(m.row_lower == Eigen::Vector2d(-kInf, 1));
  CHECK(m.var_upper == Eigen::Vector2d(kInf, 3));
  Eigen::Matrix2d p;
  p << 0, 1, 1, 2;
  CHECK(Eigen::MatrixXd(m.P) == p);
}

TEST_CASE("qps: errors on a fixed-format line name the fixed fields") {
  // The free split has too many fields; the fixed reading finds the unknown name.
  const std::string text =
      "ROWS\n N  OBJ ROW\nCOLUMNS\n"
      "    X 1       NO ROW              1.\n";
  CHECK(error_of(text) == "t.qps:4: unknown row 'NO ROW' in COLUMNS");
}

TEST_CASE("qps: free-format details") {
  SUBCASE("set names may be omitted; first set only; CRLF, tabs, trailing blanks, no final newline") {
    const QpsModel m = parse_text(
        "NAME\r\nROWS\r\n N\tCOST   \r\n L  R1\r\n G  R2\r\nCOLUMNS\r\n    X1  COST  1.5D0  R1  1.\r\n"
        "    X1  R2  1.\r\nRHS\r\n    R1  4.  R2  +1.\r\n    OTHER  R1  99.\r\nRANGES\r\n    R2  2\r\n"
        "BOUNDS\r\n UP  X1  7.\r\n UP OTHER X1 8.\r\n FR X1\r\nENDATA");
    CHECK(m.name.empty());
    CHECK(m.q[0] == 1.5);
    CHECK(m.row_upper == Eigen::Vector2d(4, 3));
    CHECK(m.row_lower == Eigen::Vector2d(-kInf, 1));
    CHECK(m.var_lower[0] == -kInf);
    CHECK(m.var_upper[0] == kInf);
  }
  SUBCASE("text after ENDATA is not read") {
    CHECK(parse_text(kHead + "ENDATA\nthis is not QPS\n").num_variables() == 2);
  }
  SUBCASE("a line of exactly 64 KiB is accepted") {
    CHECK(parse_text("*" + std::string(65535, 'x') + "\n" + kHead + "ENDATA\n").num_rows() == 1);
  }
  SUBCASE("an empty RHS/RANGES/BOUNDS/QUADOBJ section is fine") {
    const QpsModel m = parse_text(kHead + "RHS\nRANGES\nBOUNDS\nQUADOBJ\nENDATA\n");
    CHECK(m.P.nonZeros() == 0);
    CHECK(m.row_upper[0] == 0.0);
  }
}

TEST_CASE("qps: malformed input gives '<source>:<line>: <what>'") {
  SUBCASE("file not found names the path") {
    CHECK_THROWS_WITH_AS(read_qps("/no/such/dir/x.qps"), "/no/such/dir/x.qps: cannot open file", QpsError);
  }
  SUBCASE("empty file") {
    CHECK(error_of("") == "t.qps:1: empty file (no QPS sections found)");
    CHECK(error_of("* only a comment\n\n") == "t.qps:2: empty file (no QPS sections found)");
  }
  SUBCASE("unknown row, read from a file") {
    const std::string path = fixture("bad_unknown_row.qps");
    CHECK_THROWS_WITH_AS(read_qps(path), (path + ":7: unknown row 'R9' in COLUMNS").c_str(), QpsError);
  }
  SUBCASE("missing ENDATA, read from a file") {
    const std::string path = fixture("bad_missing_endata.qps");
    CHECK_THROWS_WITH_AS(read_qps(path), (path + ":8: missing ENDATA (input ended inside the RHS section)").c_str(),
                         QpsError);
  }
  SUBCASE("unknown section header") {
    CHECK(error_of("NAME x\nROWS\n N  COST\nFOO\n") == "t.qps:4: unknown section header 'FOO'");
  }
  SUBCASE("unknown row in RHS and RANGES") {
    CHECK(error_of(kHead + "RHS\n    RHS  R2  1.\n") == "t.qps:9: unknown row 'R2' in RHS");
    CHECK(error_of(kHead + "RANGES\n    RNG  R2  1.\n") == "t.qps:9: unknown row 'R2' in RANGES");
  }
  SUBCASE("unknown column in BOUNDS and QUADOBJ") {
    CHECK(error_of(kHead + "BOUNDS\n UP BND X3 1.\n") == "t.qps:9: unknown column 'X3' in BOUNDS");
    CHECK(error_of(kHead + "QUADOBJ\n    X1  X9  1.\n") == "t.qps:9: unknown column 'X9' in QUADOBJ");
  }
  SUBCASE("duplicate row name") {
    CHECK(error_of("ROWS\n N  COST\n L  R1\n G  R1\n") == "t.qps:4: duplicate row name 'R1' in ROWS");
    CHECK(error_of("ROWS\n N  COST\n N  COST\n") == "t.qps:3: duplicate row name 'COST' in ROWS");
  }
  SUBCASE("duplicate (non-contiguous) column") {
    CHECK(error_of(kHead + "    X1  R1  3.\n") ==
          "t.qps:8: duplicate column 'X1' in COLUMNS (the entries of a column must be contiguous)");
  }
  SUBCASE("duplicate (row, column) entry") {
    CHECK(error_of(kHead + "    X2  R1  3.\n") == "t.qps:8: duplicate entry for row 'R1' in column 'X2'");
    CHECK(error_of(kHead + "    X2  COST  3.  COST  4.\n") ==
          "t.qps:8: duplicate entry for row 'COST' in column 'X2'");
  }
  SUBCASE("non-numeric values") {
    CHECK(error_of(kHead + "    X3  R1  1.0.\n") == "t.qps:8: non-numeric value '1.0.' for row 'R1' in COLUMNS");
    CHECK(error_of(kHead + "RHS\n    RHS  R1  nan\n") == "t.qps:9: non-numeric value 'nan' for row 'R1' in RHS");
    CHECK(error_of(kHead + "BOUNDS\n UP BND X1 abc\n") ==
          "t.qps:9: non-numeric value 'abc' for column 'X1' in BOUNDS");
    CHECK(error_of(kHead + "QUADOBJ\n    X1  X1  0x10\n") == "t.qps:9: non-numeric value '0x10' in QUADOBJ");
  }
  SUBCASE("missing and extra fields") {
    CHECK(error_of("ROWS\n L\n") == "t.qps:2: missing field in ROWS (expected 'type name', got 1 fields)");
    CHECK(error_of(kHead + "    X3  R1\n") ==
          "t.qps:8: missing field in COLUMNS (expected 'column row value [row value]', got 2 fields)");
    CHECK(error_of(kHead + "    X3  R1  1.  COST\n") ==
          "t.qps:8: missing field in COLUMNS (expected 'column row value [row value]', got 4 fields)");
    CHECK(error_of(kHead + "    X3  R1  1.  COST  1.  R1\n") ==
          "t.qps:8: too many fields in COLUMNS (expected 'column row value [row value]', got 6 fields)");
    CHECK(error_of(kHead + "RHS\n    RHS  R1\n") ==
          "t.qps:9: missing field in RHS (expected 'set row value [row value]', got 2 fields)");
    CHECK(error_of(kHead + "BOUNDS\n UP BND X1\n") == "t.qps:9: missing value for bound 'UP' on column 'X1'");
    CHECK(error_of(kHead + "QUADOBJ\n    X1  X1\n") ==
          "t.qps:9: missing field in QUADOBJ (expected 'column column value', got 2 fields)");
  }
  SUBCASE("no N row") {
    CHECK(error_of("NAME\nROWS\n L  R1\nCOLUMNS\n") == "t.qps:2: no N (objective) row in ROWS");
  }
  SUBCASE("unknown row type and bound types") {
    CHECK(error_of("ROWS\n X  R1\n") == "t.qps:2: unknown row type 'X' for row 'R1' (expected N, L, G or E)");
    CHECK(error_of(kHead + "BOUNDS\n BV BND X1\n") ==
          "t.qps:9: bound type 'BV' is not supported (integer and semi-continuous variables cannot be read)");
    CHECK(error_of(kHead + "BOUNDS\n SC BND X1 4.\n") ==
          "t.qps:9: bound type 'SC' is not supported (integer and semi-continuous variables cannot be read)");
    CHECK(error_of(kHead + "BOUNDS\n XX BND X1 4.\n") == "t.qps:9: unknown bound type 'XX'");
  }
  SUBCASE("integer MARKER lines") {
    CHECK(error_of(kHead + "    MARKER  'MARKER'  'INTORG'\n") ==
          "t.qps:8: integer MARKER lines are not supported (integer variables cannot be read)");
  }
  SUBCASE("section structure") {
    CHECK(error_of("    X1  R1  1.\n") == "t.qps:1: data line before any section header");
    CHECK(error_of("NAME x\n    X1  R1  1.\n") == "t.qps:2: unexpected data line in the NAME section");
    CHECK(error_of("ROWS\n N  COST\nROWS\n") == "t.qps:3: section 'ROWS' given twice");
    CHECK(error_of("NAME\nCOLUMNS\n") == "t.qps:2: COLUMNS section before ROWS");
    CHECK(error_of("ROWS\n N  COST\nBOUNDS\n") == "t.qps:3: BOUNDS section before COLUMNS");
    CHECK(error_of("ROWS\n N  COST\nENDATA\n") == "t.qps:3: missing COLUMNS section");
    CHECK(error_of("ROWS extra\n") == "t.qps:1: unexpected text after section header 'ROWS'");
    CHECK(error_of("OBJSENSE\n    UP\n") == "t.qps:2: unknown objective sense 'UP' (expected MAX or MIN)");
  }
  SUBCASE("quadratic sections") {
    CHECK(error_of(kHead + "QUADOBJ\n    X1  X2  1.\n    X2  X1  1.\n") ==
          "t.qps:10: duplicate QUADOBJ entry for (X2, X1), first given on line 9");
    CHECK(error_of(kHead + "QMATRIX\n    X1  X2  1.\n    X2  X1  2.\nENDATA\n") ==
          "t.qps:9: QMATRIX is not symmetric: (X1, X2) = 1 but (X2, X1) = 2");
    CHECK(error_of(kHead + "QMATRIX\n    X1  X2  1.\nENDATA\n") ==
          "t.qps:9: QMATRIX is not symmetric: (X1, X2) = 1 but (X2, X1) = 0");
    CHECK(error_of(kHead + "QUADOBJ\nQMATRIX\n") == "t.qps:9: both QUADOBJ and QMATRIX given");
  }
  SUBCASE("RANGES on the objective row") {
    CHECK(error_of(kHead + "RANGES\n    RNG  COST  1.\n") == "t.qps:9: RANGES entry on the objective row 'COST'");
  }
}

TEST_CASE("qps: a 1 MB line without newline is rejected without reading it all") {
  std::istringstream in(kHead + std::string(1 << 20, 'x'));
  CHECK_THROWS_WITH_AS(parse_qps(in, "big.qps"), "big.qps:8: line longer than 65536 characters", QpsError);
  // Only the first 64 KiB of the long line were consumed.
  CHECK(static_cast<std::size_t>(in.rdbuf()->in_avail()) > (1u << 20) - 70000u);
}

TEST_CASE("qps: to_standard_form gives the documented G, h, A, b") {
  const QpsModel m = parse_text(
      "NAME SF\nROWS\n N  OBJ\n E  E1\n L  L1\n G  G1\n G  R1\n L  FREE\nCOLUMNS\n"
      "    x  OBJ  1.  E1  1.\n    x  L1  2.  R1  1.\n"
      "    y  OBJ  -1.  E1  1.\n    y  G1  1.  FREE  1.\n"
      "    z  L1  1.  G1  -1.\n"
      "RHS\n    RHS  E1  3.  L1  4.\n    RHS  G1  -2.  R1  1.\n    RHS  FREE  1e30  OBJ  2.\n"
      "RANGES\n    RNG  R1  5.\n"
      "BOUNDS\n UP BND x 2.\n FR BND y\n FX BND z 1.\n"
      "QUADOBJ\n    x  x  1.\n    x  y  .5\nENDATA\n");
  const optlayer::SparseQp qp = to_standard_form(m);

  Eigen::MatrixXd a(2, 3), g(6, 3);
  a << 1, 1, 0,   // E1
      0, 0, 1;    // z fixed
  g << 2, 0, 1,   // L1 upper
      0, -1, 1,   // G1 lower
      1, 0, 0,    // R1 upper
      -1, 0, 0,   // R1 lower
      1, 0, 0,    // x upper
      -1, 0, 0;   // x lower
  Eigen::VectorXd b(2), h(6);
  b << 3, 1;
  h << 4, 2, 6, -1, 2, 0;
  CHECK(Eigen::MatrixXd(qp.A) == a);
  CHECK(qp.b == b);
  CHECK(Eigen::MatrixXd(qp.G) == g);
  CHECK(qp.h == h);
  CHECK_FALSE(std::signbit(qp.h[5]));
  Eigen::Matrix3d p;
  p << 1, 0.5, 0, 0.5, 0, 0, 0, 0, 0;
  CHECK(Eigen::MatrixXd(qp.P) == p);
  CHECK(qp.q == Eigen::Vector3d(1, -1, 0));
  CHECK(qp.c0 == -2.0);
}

TEST_CASE("qps: to_standard_form rejects lower > upper") {
  SUBCASE("variable") {
    const QpsModel m = parse_text(kHead + "BOUNDS\n LO BND X2 5.\n UP BND X2 3.\nENDATA\n");
    CHECK_THROWS_WITH_AS(to_standard_form(m), "column 'X2': lower bound 5 exceeds upper bound 3 (infeasible bounds)",
                         QpsError);
  }
  SUBCASE("row") {
    QpsModel m = parse_text(kHead + "ENDATA\n");
    m.row_lower[0] = 1.0;
    m.row_upper[0] = -1.0;
    CHECK_THROWS_WITH_AS(to_standard_form(m), "row 'R1': lower bound 1 exceeds upper bound -1 (infeasible bounds)",
                         QpsError);
  }
}

// README: QFORPLAN, QGFRDXPN and VALUES were edited for free-format readers
// (blanks in names became '_', blank set names became RHS/BND). Undoing the
// edits gives the fixed-format originals, which must read to the same data.
namespace {

std::string undo_free_format_edits(const std::string& file, const std::string& problem) {
  std::ifstream in(file);
  REQUIRE(in.good());
  std::ostringstream out;
  std::string section;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != ' ') section = line.substr(0, line.find(' '));
    const bool data = !line.empty() && line[0] == ' ';
    if (data && problem == "QFORPLAN") {
      for (char& c : line)
        if (c == '_') c = ' ';
    }
    const bool blank_set = (problem == "QGFRDXPN" && (section == "RHS" || section == "BOUNDS")) ||
                           (problem == "VALUES" && section == "BOUNDS");
    if (data && blank_set && line.size() > 12) line.replace(4, 8, 8, ' ');  // columns 5-12
    out << line << '\n';
  }
  return out.str();
}

std::vector<std::string> blanks_for_underscores(std::vector<std::string> names) {
  for (std::string& name : names)
    for (char& c : name)
      if (c == '_') c = ' ';
  return names;
}

}  // namespace

TEST_CASE("qps: fixed-format originals of the edited MM files read the same") {
  const std::string dir = OPTLAYER_MM_DIR;
  for (const std::string problem : {"QFORPLAN", "QGFRDXPN", "VALUES"}) {
    CAPTURE(problem);
    const std::string path = dir + "/" + problem + ".QPS";
    const QpsModel edited = read_qps(path);
    std::istringstream original_text(undo_free_format_edits(path, problem));
    const QpsModel original = parse_qps(original_text, problem);
    const bool renamed = problem == "QFORPLAN";
    CHECK(original.column_names == (renamed ? blanks_for_underscores(edited.column_names) : edited.column_names));
    CHECK(original.row_names == (renamed ? blanks_for_underscores(edited.row_names) : edited.row_names));
    CHECK(original.q == edited.q);
    CHECK(original.c0 == edited.c0);
    CHECK(Eigen::MatrixXd(original.C) == Eigen::MatrixXd(edited.C));
    CHECK(Eigen::MatrixXd(original.P) == Eigen::MatrixXd(edited.P));
    CHECK(original.row_lower == edited.row_lower);
    CHECK(original.row_upper == edited.row_upper);
    CHECK(original.var_lower == edited.var_lower);
    CHECK(original.var_upper == edited.var_upper);
  }
}

// Every file of the Maros-Meszaros set must match the sizes in optimal_objectives.tsv.
TEST_CASE("qps: Maros-Meszaros files match optimal_objectives.tsv") {
  const std::string dir = OPTLAYER_MM_DIR;
  std::ifstream tsv(dir + "/optimal_objectives.tsv");
  REQUIRE_MESSAGE(tsv.good(), "cannot open " << dir << "/optimal_objectives.tsv");

  std::string line;
  REQUIRE(std::getline(tsv, line));
  REQUIRE(line.rfind('#', 0) == 0);
  std::istringstream header(line.substr(1));
  std::map<std::string, std::size_t> col;
  for (std::string name; header >> name;) col[name] = col.size();
  for (const char* needed : {"name", "n", "m_eq", "m_ineq_rows", "nnz_P", "nnz_A"})
    REQUIRE_MESSAGE(col.count(needed) == 1, "tsv column " << needed);

  int files = 0;
  while (std::getline(tsv, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string s; std::getline(fields, s, '\t');) f.push_back(s);
    REQUIRE(f.size() == col.size());
    const std::string& name = f[col["name"]];
    CAPTURE(name);
    const QpsModel m = read_qps(dir + "/" + name + ".QPS");
    long m_eq = 0;
    for (Eigen::Index i = 0; i < m.num_rows(); ++i) m_eq += m.row_lower[i] == m.row_upper[i] ? 1 : 0;
    CHECK(m.num_variables() == std::stol(f[col["n"]]));
    CHECK(m_eq == std::stol(f[col["m_eq"]]));
    CHECK(m.num_rows() - m_eq == std::stol(f[col["m_ineq_rows"]]));
    CHECK(m.P.nonZeros() == std::stol(f[col["nnz_P"]]));
    CHECK(m.C.nonZeros() == std::stol(f[col["nnz_A"]]));
    const Eigen::SparseMatrix<double> pt = m.P.transpose();
    CHECK((m.P - pt).norm() == 0.0);

    // One A row per equality row or fixed variable, one G row per other finite side.
    long fixed = 0, sides = 0;
    for (Eigen::Index j = 0; j < m.num_variables(); ++j) {
      if (m.var_lower[j] == m.var_upper[j]) ++fixed;
      else sides += (std::isfinite(m.var_lower[j]) ? 1 : 0) + (std::isfinite(m.var_upper[j]) ? 1 : 0);
    }
    for (Eigen::Index i = 0; i < m.num_rows(); ++i)
      if (m.row_lower[i] != m.row_upper[i])
        sides += (std::isfinite(m.row_lower[i]) ? 1 : 0) + (std::isfinite(m.row_upper[i]) ? 1 : 0);
    const optlayer::SparseQp qp = to_standard_form(m);
    CHECK(qp.A.rows() == m_eq + fixed);
    CHECK(qp.G.rows() == sides);
    ++files;
  }
  CHECK(files == 119);
  // README: HS21 has c0 = -100; QGROW7 has an explicit objective RHS of 0.
  CHECK(read_qps(dir + "/HS21.QPS").c0 == -100.0);
  CHECK(read_qps(dir + "/QGROW7.QPS").c0 == 0.0);
}
