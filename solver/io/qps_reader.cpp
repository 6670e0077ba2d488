// QPS reader: streams MPS text with a QUADOBJ or QMATRIX section into a QpsModel,
// and maps that model onto optlayer's G/h, A/b form.
//
// Format handling (see ../shared/data/maros_meszaros/README.md beside the repository for the conventions):
// * Section headers start in column 1; data lines start with a blank; lines
//   starting with '*' and blank lines are skipped. Reading stops at ENDATA.
// * Each data line is first split on blanks (free MPS). If that split does not
//   make sense for the section (wrong field count, unknown name, non-numeric
//   value), the line is re-read by the fixed-MPS columns 2-3, 5-12, 15-22,
//   25-36, 40-47, 50-61, provided every character outside those fields is
//   blank. This reads fixed-format names that contain blanks and blank set
//   names. If both readings fail, the fixed-format error is reported when the
//   fixed fields had the right count (e.g. "unknown row 'NO ROW'"), else the
//   free-format one. A line whose free reading succeeds is never re-read, so
//   a fixed-format name with blanks is only seen when the free reading of its
//   line fails (wrong count, unknown name or non-numeric value); the fixed
//   originals of QFORPLAN, QGFRDXPN and VALUES all read correctly this way.
// * Free format may omit the RHS/RANGES/BOUNDS set name. Only the first set
//   seen in RHS, RANGES and BOUNDS is used; lines of other sets are ignored.
// * In RHS, RANGES and BOUNDS a value with magnitude >= 1e30 means infinity
//   (the CPLEX/CoinUtils convention).
// * The first N row is the objective; further N rows and their entries are
//   ignored. Exact zeros in COLUMNS, QUADOBJ and QMATRIX are not stored.

#include "optlayer/qps_reader.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <limits>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace optlayer {
namespace {

using Index = Eigen::Index;
using Triplet = Eigen::Triplet<double>;
using Fields = std::vector<std::string_view>;

// Longest accepted line. Lines are read into a buffer of this size, so a huge
// file without newlines is rejected after reading at most this many bytes.
constexpr std::size_t kMaxLineLength = 64 * 1024;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMpsInfinity = 1e30;

// Row index codes besides constraint indices (>= 0).
constexpr Index kObjectiveRow = -1;
constexpr Index kIgnoredRow = -2;  // an N row after the first one

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end && is_blank(s[begin])) ++begin;
  while (end > begin && is_blank(s[end - 1])) --end;
  return s.substr(begin, end - begin);
}

void split_blanks(std::string_view line, Fields& out) {
  out.clear();
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && is_blank(line[pos])) ++pos;
    const std::size_t begin = pos;
    while (pos < line.size() && !is_blank(line[pos])) ++pos;
    if (pos > begin) out.push_back(line.substr(begin, pos - begin));
  }
}

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string format_number(double v) {
  std::ostringstream out;
  out << std::setprecision(15) << v;
  return out.str();
}

// For a decimal number that std::from_chars found out of range: true when its
// magnitude overflows (>= 1e308 or so), false when it underflows (< 1e-323).
// Only the position of the first nonzero digit and the exponent matter, as
// out-of-range values are hundreds of decades away from 1.
bool decimal_overflows(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  long lead = 0;  // decimal exponent of the first nonzero digit, relative to the point
  long integer_digits = 0;
  bool found = false;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    if (found || s[i] != '0') {
      found = true;
      ++integer_digits;
    }
  }
  if (found) lead = integer_digits - 1;
  if (i < s.size() && s[i] == '.') {
    ++i;
    for (long k = 1; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++k)
      if (!found && s[i] != '0') {
        found = true;
        lead = -k;
      }
  }
  long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) exponent = std::min(exponent * 10 + (s[i] - '0'), 100000L);
    if (negative) exponent = -exponent;
  }
  return found && lead + exponent > 0;
}

// Reads a Fortran-style number (".02466", "10.", "-.1e+01", "1.5D3", "inf").
// std::from_chars is locale independent, unlike strtod; it rejects a leading
// '+' and the Fortran 'D' exponent, so both are normalised first ("+-1" stays
// rejected). NaN and hex forms are rejected. Values beyond the double range
// read as +-infinity (1e400) or +-0 (1e-400), as strtod gives them.
std::optional<double> parse_number(std::string_view token) {
  if (!token.empty() && token[0] == '+') {
    token.remove_prefix(1);
    if (!token.empty() && (token[0] == '-' || token[0] == '+')) return std::nullopt;
  }
  std::array<char, 128> buf{};
  if (token.empty() || token.size() > buf.size()) return std::nullopt;
  for (std::size_t i = 0; i < token.size(); ++i) {
    const char c = token[i];
    buf[i] = (c == 'd' || c == 'D') ? 'e' : c;
  }
  double value = 0.0;
  const char* end = buf.data() + token.size();
  const auto result = std::from_chars(buf.data(), end, value);
  if (result.ptr != end) return std::nullopt;
  if (result.ec == std::errc::result_out_of_range) {
    const std::string_view text(buf.data(), token.size());
    const double magnitude = decimal_overflows(text) ? kInf : 0.0;
    return text[0] == '-' ? 0.0 - magnitude : magnitude;
  }
  if (result.ec != std::errc() || std::isnan(value)) return std::nullopt;
  return value;
}

// MPS writers use +-1e30 for "no bound" in RHS, RANGES and BOUNDS.
double to_bound_value(double v) {
  if (v >= kMpsInfinity) return kInf;
  if (v <= -kMpsInfinity) return -kInf;
  return v;
}

// Reads lines with a fixed-size buffer: memory stays bounded whatever the input.
class LineReader {
 public:
  LineReader(std::istream& in, const std::string& source)
      : in_(in), source_(source), buffer_(kMaxLineLength + 1) {}

  // Stores the next line (without '\n' or a trailing '\r'); false at end of input.
  bool next(std::string& line) {
    if (!in_.good()) return false;
    in_.getline(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (in_.bad()) throw QpsError(source_ + ":" + std::to_string(line_ + 1) + ": read error");
    if (in_.fail()) {
      if (in_.eof() && got == 0) return false;
      // getline stopped with a full buffer before any newline.
      throw QpsError(source_ + ":" + std::to_string(line_ + 1) + ": line longer than " +
                     std::to_string(kMaxLineLength) + " characters");
    }
    ++line_;
    // Without eof the newline was extracted and counted by gcount.
    std::size_t length = in_.eof() ? got : got - 1;
    if (length > 0 && buffer_[length - 1] == '\r') --length;
    line.assign(buffer_.data(), length);
    return true;
  }

  std::size_t line_number() const { return line_; }

 private:
  std::istream& in_;
  const std::string& source_;
  std::vector<char> buffer_;
  std::size_t line_ = 0;
};

enum class Section { none, name, objsense, rows, columns, rhs, ranges, bounds, quadobj, qmatrix, count };

struct SectionName {
  std::string_view text;
  Section section;
};
constexpr std::array<SectionName, 9> kSections{{{"NAME", Section::name},
                                                {"OBJSENSE", Section::objsense},
                                                {"ROWS", Section::rows},
                                                {"COLUMNS", Section::columns},
                                                {"RHS", Section::rhs},
                                                {"RANGES", Section::ranges},
                                                {"BOUNDS", Section::bounds},
                                                {"QUADOBJ", Section::quadobj},
                                                {"QMATRIX", Section::qmatrix}}};

std::string section_text(Section s) {
  for (const auto& entry : kSections)
    if (entry.section == s) return std::string(entry.text);
  return "?";
}

// Fixed MPS fields as 0-based [begin, end) character ranges.
constexpr std::array<std::pair<std::size_t, std::size_t>, 6> kFixedFields{
    {{1, 3}, {4, 12}, {14, 22}, {24, 36}, {39, 47}, {49, 61}}};

// Splits by the fixed columns; false when text lies outside the fields.
bool split_fixed(std::string_view line, std::array<std::string_view, 6>& fields) {
  std::size_t pos = 0;
  for (std::size_t k = 0; k < kFixedFields.size(); ++k) {
    const auto [begin, end] = kFixedFields[k];
    for (; pos < begin && pos < line.size(); ++pos)
      if (!is_blank(line[pos])) return false;
    fields[k] = begin < line.size() ? trim(line.substr(begin, end - begin)) : std::string_view();
    pos = end;
  }
  for (; pos < line.size(); ++pos)
    if (!is_blank(line[pos])) return false;
  return true;
}

// Orders the fixed fields the way the free-format interpreters expect them.
// Empty set names stay in place (as empty fields) so positions are kept.
bool fixed_fields_for(Section section, std::string_view line, Fields& out) {
  std::array<std::string_view, 6> f;
  if (!split_fixed(line, f)) return false;
  out.clear();
  switch (section) {
    case Section::rows:
      if (!f[2].empty() || !f[3].empty() || !f[4].empty() || !f[5].empty()) return false;
      out = {f[0], f[1]};
      return true;
    case Section::columns:
    case Section::rhs:
    case Section::ranges:
      if (!f[0].empty()) return false;
      out = {f[1], f[2], f[3]};
      if (!f[4].empty() || !f[5].empty()) out.insert(out.end(), {f[4], f[5]});
      return true;
    case Section::bounds:
      if (!f[4].empty() || !f[5].empty()) return false;
      out = {f[0], f[1], f[2]};
      if (!f[3].empty()) out.push_back(f[3]);
      return true;
    case Section::quadobj:
    case Section::qmatrix:
      if (!f[0].empty() || !f[4].empty() || !f[5].empty()) return false;
      out = {f[1], f[2], f[3]};
      return true;
    default:
      return false;
  }
}

// Why a data line could not be interpreted. `shape` marks a wrong field count,
// which a fixed-format reading of the line may resolve.
struct Issue {
  std::string text;
  bool shape = false;
};
using Check = std::optional<Issue>;

Issue shape_issue(std::size_t got, bool missing, Section s, const char* layout) {
  const char* what = missing ? "missing field" : "too many fields";
  return Issue{std::string(what) + " in " + section_text(s) + " (expected '" + layout + "', got " +
                   std::to_string(got) + " fields)",
               true};
}

struct RowRecord {
  char type = 'N';
  std::string_view name;
};

// A COLUMNS, RHS or RANGES line: a head (column or set name) and 1-2 (row, value) pairs.
struct EntryRecord {
  std::string_view head;
  int count = 0;
  std::array<Index, 2> row{};
  std::array<std::string_view, 2> row_name{};
  std::array<double, 2> value{};
};

enum class BoundType { up, lo, fx, fr, mi, pl };

struct BoundRecord {
  BoundType type = BoundType::up;
  std::string_view set;
  Index col = 0;
  double value = 0.0;
};

struct QuadRecord {
  Index i = 0, j = 0;
  double value = 0.0;
};

struct QuadEntry {
  Index i, j;
  double value;
  std::size_t line;
};

std::optional<BoundType> bound_type(std::string_view t) {
  if (t == "UP") return BoundType::up;
  if (t == "LO") return BoundType::lo;
  if (t == "FX") return BoundType::fx;
  if (t == "FR") return BoundType::fr;
  if (t == "MI") return BoundType::mi;
  if (t == "PL") return BoundType::pl;
  return std::nullopt;
}

bool bound_needs_value(BoundType t) { return t == BoundType::up || t == BoundType::lo || t == BoundType::fx; }

class Parser {
 public:
  Parser(std::istream& in, const std::string& source) : reader_(in, source), source_(source) {}

  QpsModel run() {
    bool any_content = false;
    while (reader_.next(line_)) {
      line_no_ = reader_.line_number();
      if (line_.empty() || line_[0] == '*' || trim(line_).empty()) continue;
      any_content = true;
      if (is_blank(line_[0])) {
        handle_data();
      } else if (handle_header()) {
        return finish();
      }
    }
    line_no_ = std::max<std::size_t>(reader_.line_number(), 1);
    if (!any_content) fail("empty file (no QPS sections found)");
    fail("missing ENDATA (input ended inside the " + section_text(section_) + " section)");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { fail_at(line_no_, what); }
  [[noreturn]] void fail_at(std::size_t line, const std::string& what) const {
    throw QpsError(source_ + ":" + std::to_string(line) + ": " + what);
  }

  bool seen(Section s) const { return seen_[static_cast<std::size_t>(s)]; }

  // ---- section headers -------------------------------------------------------

  // Returns true at ENDATA.
  bool handle_header() {
    split_blanks(line_, fields_);
    const std::string_view key = fields_[0];
    leave_section();
    if (key == "ENDATA") return true;
    Section next = Section::none;
    for (const auto& entry : kSections)
      if (entry.text == key) next = entry.section;
    if (next == Section::none) fail("unknown section header " + in_quotes(key));
    if (seen(next)) fail("section " + in_quotes(key) + " given twice");
    check_section_order(next);
    seen_[static_cast<std::size_t>(next)] = true;
    section_ = next;
    read_header_arguments(next);
    return false;
  }

  // Names must be defined before they are used: ROWS, then COLUMNS, then the rest.
  void check_section_order(Section next) const {
    if (next == Section::rows && seen(Section::columns)) fail("ROWS section after COLUMNS");
    if (next == Section::columns && !seen(Section::rows)) fail("COLUMNS section before ROWS");
    const bool needs_columns = next == Section::rhs || next == Section::ranges ||
                               next == Section::bounds || next == Section::quadobj ||
                               next == Section::qmatrix;
    if (needs_columns && !seen(Section::columns)) fail(section_text(next) + " section before COLUMNS");
    if ((next == Section::quadobj && seen(Section::qmatrix)) ||
        (next == Section::qmatrix && seen(Section::quadobj)))
      fail("both QUADOBJ and QMATRIX given");
  }

  void read_header_arguments(Section s) {
    if (s == Section::rows) rows_header_line_ = line_no_;
    if (s == Section::name) {
      name_ = std::string(trim(std::string_view(line_).substr(4)));
    } else if (s == Section::objsense) {
      if (fields_.size() > 2) fail("too many fields after OBJSENSE");
      if (fields_.size() == 2) set_sense(fields_[1]);
    } else if (fields_.size() > 1) {
      fail("unexpected text after section header " + in_quotes(fields_[0]));
    }
  }

  // Checks that need the whole section: ROWS must define an objective.
  void leave_section() {
    if (section_ == Section::rows && !have_objective_)
      fail_at(rows_header_line_, "no N (objective) row in ROWS");
  }

  void set_sense(std::string_view s) {
    if (s == "MAX" || s == "MAXIMIZE") {
      maximize_ = true;
    } else if (s == "MIN" || s == "MINIMIZE") {
      maximize_ = false;
    } else {
      fail("unknown objective sense " + in_quotes(s) + " (expected MAX or MIN)");
    }
  }

  // ---- data lines --------------------------------------------------------------

  void handle_data() {
    switch (section_) {
      case Section::rows: dispatch<RowRecord>(&Parser::interpret_row, &Parser::apply_row); break;
      case Section::columns:
        reject_marker();
        dispatch<EntryRecord>(&Parser::interpret_column, &Parser::apply_column);
        break;
      case Section::rhs: dispatch<EntryRecord>(&Parser::interpret_rhs, &Parser::apply_rhs); break;
      case Section::ranges: dispatch<EntryRecord>(&Parser::interpret_range, &Parser::apply_range); break;
      case Section::bounds: dispatch<BoundRecord>(&Parser::interpret_bound, &Parser::apply_bound); break;
      case Section::quadobj:
      case Section::qmatrix: dispatch<QuadRecord>(&Parser::interpret_quad, &Parser::apply_quad); break;
      case Section::objsense:
        split_blanks(line_, fields_);
        if (fields_.size() != 1) fail("expected MAX or MIN in OBJSENSE");
        set_sense(fields_[0]);
        break;
      case Section::none: fail("data line before any section header");
      default: fail("unexpected data line in the " + section_text(section_) + " section");
    }
  }

  // Interprets the line as free MPS, falling back to fixed MPS (see the file comment).
  template <class Record>
  void dispatch(Check (Parser::*interpret)(const Fields&, Record&) const, void (Parser::*apply)(const Record&)) {
    split_blanks(line_, fields_);
    Record record;
    Check issue = (this->*interpret)(fields_, record);
    if (!issue) return (this->*apply)(record);
    if (fixed_fields_for(section_, line_, fixed_)) {
      Record fixed_record;
      Check fixed_issue = (this->*interpret)(fixed_, fixed_record);
      if (!fixed_issue) return (this->*apply)(fixed_record);
      // The line fits the fixed layout and has the right fixed fields, so its
      // names are most likely fixed-format names (blanks inside them).
      if (!fixed_issue->shape) issue = fixed_issue;
    }
    fail(issue->text);
  }

  void reject_marker() {
    if (line_.find("'MARKER'") == std::string::npos) return;
    split_blanks(line_, fields_);
    for (std::string_view f : fields_)
      if (f == "'MARKER'") fail("integer MARKER lines are not supported (integer variables cannot be read)");
  }

  Check interpret_row(const Fields& f, RowRecord& r) const {
    if (f.size() != 2 || f[0].empty() || f[1].empty())
      return shape_issue(f.size(), f.size() <= 2, Section::rows, "type name");
    if (f[0].size() != 1 || std::string_view("NLGE").find(f[0][0]) == std::string_view::npos)
      return Issue{"unknown row type " + in_quotes(f[0]) + " for row " + in_quotes(f[1]) + " (expected N, L, G or E)"};
    r.type = f[0][0];
    r.name = f[1];
    return std::nullopt;
  }

  // Reads the (row, value) pairs starting at f[first]. Matrix entries must be finite.
  Check interpret_pairs(const Fields& f, std::size_t first, const char* layout, EntryRecord& r) const {
    const std::size_t rest = f.size() - first;
    if (rest < 2 || rest == 3 || rest > 4) return shape_issue(f.size(), rest <= 3, section_, layout);
    r.count = static_cast<int>(rest / 2);
    for (int k = 0; k < r.count; ++k) {
      const std::string_view row = f[first + 2 * static_cast<std::size_t>(k)];
      const std::string_view text = f[first + 2 * static_cast<std::size_t>(k) + 1];
      if (row.empty() || text.empty()) return shape_issue(f.size(), true, section_, layout);
      const auto it = row_index_.find(std::string(row));
      if (it == row_index_.end()) return Issue{"unknown row " + in_quotes(row) + " in " + section_text(section_)};
      const std::optional<double> value = parse_number(text);
      if (!value)
        return Issue{"non-numeric value " + in_quotes(text) + " for row " + in_quotes(row) + " in " +
                     section_text(section_)};
      if (section_ == Section::columns && !std::isfinite(*value))
        return Issue{"infinite coefficient for row " + in_quotes(row) + " in COLUMNS"};
      r.row[static_cast<std::size_t>(k)] = it->second;
      r.row_name[static_cast<std::size_t>(k)] = row;
      r.value[static_cast<std::size_t>(k)] = section_ == Section::columns ? *value : to_bound_value(*value);
    }
    return std::nullopt;
  }

  Check interpret_column(const Fields& f, EntryRecord& r) const {
    constexpr const char* layout = "column row value [row value]";
    if (f.empty() || f[0].empty()) return shape_issue(f.size(), true, Section::columns, layout);
    r.head = f[0];
    return interpret_pairs(f, 1, layout, r);
  }

  // RHS and RANGES: "set row value [row value]"; free MPS may omit the set name,
  // which shows as an even field count with a number in the second field.
  Check interpret_set_line(const Fields& f, EntryRecord& r) const {
    const bool no_set = (f.size() == 2 || f.size() == 4) && parse_number(f[1]).has_value();
    r.head = no_set ? std::string_view() : f[0];
    return interpret_pairs(f, no_set ? 0 : 1, "set row value [row value]", r);
  }
  Check interpret_rhs(const Fields& f, EntryRecord& r) const { return interpret_set_line(f, r); }
  Check interpret_range(const Fields& f, EntryRecord& r) const { return interpret_set_line(f, r); }

  Check interpret_bound(const Fields& f, BoundRecord& r) const {
    constexpr const char* layout = "type set column [value]";
    if (f.size() < 2) return shape_issue(f.size(), true, Section::bounds, layout);
    const std::optional<BoundType> type = bound_type(f[0]);
    if (!type) {
      if (f[0] == "BV" || f[0] == "LI" || f[0] == "UI" || f[0] == "SC")
        return Issue{"bound type " + in_quotes(f[0]) +
                     " is not supported (integer and semi-continuous variables cannot be read)"};
      return Issue{"unknown bound type " + in_quotes(f[0])};
    }
    r.type = *type;
    const bool needs_value = bound_needs_value(*type);
    // Without a set name the line is one field shorter: "UP col value" or "FR col".
    const bool no_set = needs_value ? (f.size() == 3 && col_index_.count(std::string(f[1])) != 0 &&
                                       parse_number(f[2]).has_value())
                                    : f.size() == 2;
    const std::size_t col_pos = no_set ? 1 : 2;
    if (f.size() > col_pos + 2) return shape_issue(f.size(), false, Section::bounds, layout);
    if (f.size() <= col_pos || f[col_pos].empty()) return shape_issue(f.size(), true, Section::bounds, layout);
    r.set = no_set ? std::string_view() : f[1];
    const std::string_view col = f[col_pos];
    const auto it = col_index_.find(std::string(col));
    if (it == col_index_.end()) return Issue{"unknown column " + in_quotes(col) + " in BOUNDS"};
    r.col = it->second;
    if (f.size() == col_pos + 1) {
      if (needs_value)
        return Issue{"missing value for bound " + in_quotes(f[0]) + " on column " + in_quotes(col), true};
      return std::nullopt;
    }
    const std::optional<double> value = parse_number(f[col_pos + 1]);
    if (!value)
      return Issue{"non-numeric value " + in_quotes(f[col_pos + 1]) + " for column " + in_quotes(col) +
                   " in BOUNDS"};
    r.value = to_bound_value(*value);
    return std::nullopt;
  }

  Check interpret_quad(const Fields& f, QuadRecord& r) const {
    if (f.size() != 3 || f[0].empty() || f[1].empty() || f[2].empty())
      return shape_issue(f.size(), f.size() <= 3, section_, "column column value");
    std::array<Index, 2> cols{};
    for (std::size_t k = 0; k < 2; ++k) {
      const auto it = col_index_.find(std::string(f[k]));
      if (it == col_index_.end()) return Issue{"unknown column " + in_quotes(f[k]) + " in " + section_text(section_)};
      cols[k] = it->second;
    }
    const std::optional<double> value = parse_number(f[2]);
    if (!value) return Issue{"non-numeric value " + in_quotes(f[2]) + " in " + section_text(section_)};
    if (!std::isfinite(*value)) return Issue{"infinite value in " + section_text(section_)};
    r.i = cols[0];
    r.j = cols[1];
    r.value = *value;
    return std::nullopt;
  }

  void apply_row(const RowRecord& r) {
    std::string name(r.name);
    if (row_index_.count(name) != 0) fail("duplicate row name " + in_quotes(name) + " in ROWS");
    if (r.type == 'N') {
      row_index_.emplace(std::move(name), have_objective_ ? kIgnoredRow : kObjectiveRow);
      have_objective_ = true;
      return;
    }
    row_index_.emplace(name, static_cast<Index>(row_names_.size()));
    row_names_.push_back(std::move(name));
    row_type_.push_back(r.type);
    row_last_col_.push_back(-1);
    rhs_.push_back(0.0);
    rhs_given_.push_back(0);
    range_.push_back(0.0);
    range_given_.push_back(0);
  }

  // A new name starts a new column; a name seen before means its entries are split.
  Index current_column(std::string_view name) {
    if (current_col_ >= 0 && col_names_[static_cast<std::size_t>(current_col_)] == name) return current_col_;
    std::string key(name);
    if (col_index_.count(key) != 0)
      fail("duplicate column " + in_quotes(name) + " in COLUMNS (the entries of a column must be contiguous)");
    current_col_ = static_cast<Index>(col_names_.size());
    col_index_.emplace(key, current_col_);
    col_names_.push_back(std::move(key));
    q_.push_back(0.0);
    lower_.push_back(0.0);
    upper_.push_back(kInf);
    lower_set_.push_back(0);
    return current_col_;
  }

  void apply_column(const EntryRecord& r) {
    const Index j = current_column(r.head);
    for (std::size_t k = 0; k < static_cast<std::size_t>(r.count); ++k) {
      const Index row = r.row[k];
      if (row == kIgnoredRow) continue;
      // Each (row, column) pair is stamped with the column that last used it.
      Index& last = row == kObjectiveRow ? objective_last_col_ : row_last_col_[static_cast<std::size_t>(row)];
      if (last == j) fail("duplicate entry for row " + in_quotes(r.row_name[k]) + " in column " + in_quotes(r.head));
      last = j;
      if (row == kObjectiveRow) {
        q_[static_cast<std::size_t>(j)] = r.value[k];
      } else if (r.value[k] != 0.0) {
        c_triplets_.emplace_back(row, j, r.value[k]);
      }
    }
  }

  // Only the first set named in a section is used (standard MPS).
  static bool in_first_set(std::optional<std::string>& chosen, std::string_view set) {
    if (!chosen) chosen = std::string(set);
    return *chosen == set;
  }

  void apply_rhs(const EntryRecord& r) {
    if (!in_first_set(rhs_set_, r.head)) return;
    for (std::size_t k = 0; k < static_cast<std::size_t>(r.count); ++k) {
      const Index row = r.row[k];
      if (row == kIgnoredRow) continue;
      if (row == kObjectiveRow) {
        if (c0_given_) fail("duplicate RHS entry for objective row " + in_quotes(r.row_name[k]));
        if (!std::isfinite(r.value[k])) fail("infinite RHS on objective row " + in_quotes(r.row_name[k]));
        c0_given_ = true;
        c0_ = 0.0 - r.value[k];  // the file stores -c0; "0.0 -" avoids a -0.0 constant
        continue;
      }
      const auto i = static_cast<std::size_t>(row);
      if (rhs_given_[i]) fail("duplicate RHS entry for row " + in_quotes(r.row_name[k]));
      rhs_given_[i] = 1;
      rhs_[i] = r.value[k];
    }
  }

  void apply_range(const EntryRecord& r) {
    if (!in_first_set(range_set_, r.head)) return;
    for (std::size_t k = 0; k < static_cast<std::size_t>(r.count); ++k) {
      const Index row = r.row[k];
      if (row == kIgnoredRow) continue;
      if (row == kObjectiveRow) fail("RANGES entry on the objective row " + in_quotes(r.row_name[k]));
      const auto i = static_cast<std::size_t>(row);
      if (range_given_[i]) fail("duplicate RANGES entry for row " + in_quotes(r.row_name[k]));
      range_given_[i] = 1;
      range_[i] = r.value[k];
    }
  }

  void apply_bound(const BoundRecord& r) {
    if (!in_first_set(bound_set_, r.set)) return;
    const auto j = static_cast<std::size_t>(r.col);
    switch (r.type) {
      case BoundType::up:
        upper_[j] = r.value;
        // Old MPS rule: a negative upper bound on a default lower bound makes the
        // lower bound -inf. UP 0 is not negative, so it gives 0 <= x <= 0.
        if (r.value < 0.0 && !lower_set_[j]) lower_[j] = -kInf;
        break;
      case BoundType::lo: set_lower(j, r.value); break;
      case BoundType::fx:
        set_lower(j, r.value);
        upper_[j] = r.value;
        break;
      case BoundType::fr:
        set_lower(j, -kInf);
        upper_[j] = kInf;
        break;
      case BoundType::mi: set_lower(j, -kInf); break;  // upper kept (some old readers set it to 0)
      case BoundType::pl: upper_[j] = kInf; break;
    }
  }

  void set_lower(std::size_t j, double value) {
    lower_[j] = value;
    lower_set_[j] = 1;
  }

  // QUADOBJ lists one triangle, so (i,j) and (j,i) are the same entry; QMATRIX lists both.
  void apply_quad(const QuadRecord& r) {
    const bool one_triangle = section_ == Section::quadobj;
    const Index a = one_triangle ? std::min(r.i, r.j) : r.i;
    const Index b = one_triangle ? std::max(r.i, r.j) : r.j;
    const std::uint64_t key = (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint64_t>(b);
    const auto [it, inserted] = quad_pos_.emplace(key, quad_.size());
    if (!inserted) {
      fail("duplicate " + section_text(section_) + " entry for (" + col_names_[static_cast<std::size_t>(r.i)] + ", " +
           col_names_[static_cast<std::size_t>(r.j)] + "), first given on line " +
           std::to_string(quad_[it->second].line));
    }
    quad_.push_back(QuadEntry{r.i, r.j, r.value, line_no_});
  }

  // ---- building the model --------------------------------------------------------

  Eigen::SparseMatrix<double> build_p() const {
    const bool mirror = seen(Section::quadobj);
    std::vector<Triplet> triplets;
    triplets.reserve(2 * quad_.size());
    for (const QuadEntry& e : quad_) {
      if (e.value == 0.0) continue;
      if (!mirror) check_qmatrix_symmetry(e);
      triplets.emplace_back(e.i, e.j, e.value);
      if (mirror && e.i != e.j) triplets.emplace_back(e.j, e.i, e.value);
    }
    const auto n = static_cast<Index>(col_names_.size());
    Eigen::SparseMatrix<double> p(n, n);
    p.setFromTriplets(triplets.begin(), triplets.end());
    p.makeCompressed();
    return p;
  }

  void check_qmatrix_symmetry(const QuadEntry& e) const {
    if (e.i == e.j) return;
    const std::uint64_t key = (static_cast<std::uint64_t>(e.j) << 32) | static_cast<std::uint64_t>(e.i);
    const auto it = quad_pos_.find(key);
    const double mirror = it == quad_pos_.end() ? 0.0 : quad_[it->second].value;
    if (mirror != e.value) {
      const std::string& a = col_names_[static_cast<std::size_t>(e.i)];
      const std::string& b = col_names_[static_cast<std::size_t>(e.j)];
      fail_at(e.line, "QMATRIX is not symmetric: (" + a + ", " + b + ") = " + format_number(e.value) + " but (" +
                          b + ", " + a + ") = " + format_number(mirror));
    }
  }

  std::pair<double, double> row_bounds(std::size_t i) const {
    const double b = rhs_[i];
    const char type = row_type_[i];
    if (!range_given_[i]) {
      if (type == 'E') return {b, b};
      if (type == 'L') return {-kInf, b};
      return {b, kInf};
    }
    const double r = range_[i];
    if (type == 'E') return r >= 0.0 ? std::make_pair(b, b + r) : std::make_pair(b + r, b);
    if (type == 'L') return {b - std::abs(r), b};
    return {b, b + std::abs(r)};
  }

  QpsModel finish() {
    const auto n = static_cast<Index>(col_names_.size());
    const auto m = static_cast<Index>(row_names_.size());
    if (!seen(Section::rows)) fail("missing ROWS section");
    if (!seen(Section::columns)) fail("missing COLUMNS section");
    QpsModel model;
    model.name = name_;
    model.P = build_p();
    model.q = Eigen::Map<const Eigen::VectorXd>(q_.data(), n);
    model.c0 = c0_;
    model.C.resize(m, n);
    model.C.setFromTriplets(c_triplets_.begin(), c_triplets_.end());
    model.C.makeCompressed();
    model.row_lower.resize(m);
    model.row_upper.resize(m);
    for (Index i = 0; i < m; ++i)
      std::tie(model.row_lower[i], model.row_upper[i]) = row_bounds(static_cast<std::size_t>(i));
    model.var_lower = Eigen::Map<const Eigen::VectorXd>(lower_.data(), n);
    model.var_upper = Eigen::Map<const Eigen::VectorXd>(upper_.data(), n);
    model.maximize = maximize_;
    if (maximize_) {
      // max f == -min(-f); "0.0 -" keeps zeros positive.
      model.q = Eigen::VectorXd::Zero(n) - model.q;
      model.P = -model.P;
      model.c0 = 0.0 - model.c0;
    }
    model.column_names = std::move(col_names_);
    model.row_names = std::move(row_names_);
    return model;
  }

  LineReader reader_;
  const std::string& source_;
  std::string line_;
  std::size_t line_no_ = 0;
  Fields fields_;
  Fields fixed_;

  Section section_ = Section::none;
  std::array<bool, static_cast<std::size_t>(Section::count)> seen_{};
  std::size_t rows_header_line_ = 0;
  std::string name_;
  bool maximize_ = false;

  bool have_objective_ = false;
  std::unordered_map<std::string, Index> row_index_;
  std::vector<std::string> row_names_;
  std::vector<char> row_type_;
  std::vector<Index> row_last_col_;  // last column with an entry in each row (duplicate check)
  Index objective_last_col_ = -1;

  std::unordered_map<std::string, Index> col_index_;
  std::vector<std::string> col_names_;
  Index current_col_ = -1;
  std::vector<double> q_, lower_, upper_;
  std::vector<char> lower_set_;  // LO/FX/FR/MI given: the negative-UP rule no longer applies
  std::vector<Triplet> c_triplets_;

  std::optional<std::string> rhs_set_, range_set_, bound_set_;
  std::vector<double> rhs_, range_;
  std::vector<char> rhs_given_, range_given_;
  double c0_ = 0.0;
  bool c0_given_ = false;

  std::vector<QuadEntry> quad_;
  std::unordered_map<std::uint64_t, std::size_t> quad_pos_;  // (i, j) key -> index in quad_
};

// ---- to_standard_form helpers ------------------------------------------------------

// Rejects empty or inverted intervals, naming the row or column.
void check_interval(double lower, double upper, const char* kind, const std::string& name) {
  if (lower <= upper && lower != kInf && upper != -kInf) return;
  throw QpsError(std::string(kind) + " " + in_quotes(name) + ": lower bound " + format_number(lower) +
                 " exceeds upper bound " + format_number(upper) + " (infeasible bounds)");
}

void check_model_shape(const QpsModel& m) {
  const Index n = m.num_variables();
  const Index rows = m.num_rows();
  const bool ok = m.P.rows() == n && m.P.cols() == n && m.q.size() == n && m.C.rows() == rows &&
                  m.C.cols() == n && m.row_lower.size() == rows && m.row_upper.size() == rows &&
                  m.var_lower.size() == n && m.var_upper.size() == n;
  if (!ok) throw QpsError("to_standard_form: model '" + m.name + "' has inconsistent dimensions");
}

bool is_equality(double lower, double upper) { return lower == upper && std::isfinite(lower); }

// Accumulates rows of G or A as triplets plus their right-hand sides.
struct RowBuilder {
  std::vector<Triplet> triplets;
  std::vector<double> rhs;

  template <class RowIterator>
  void add_row(RowIterator it, double sign, double value) {
    const auto r = static_cast<Index>(rhs.size());
    for (; it; ++it) triplets.emplace_back(r, it.col(), sign * it.value());
    rhs.push_back(signed_value(sign, value));
  }
  void add_unit_row(Index col, double sign, double value) {
    triplets.emplace_back(static_cast<Index>(rhs.size()), col, sign);
    rhs.push_back(signed_value(sign, value));
  }
  // "0.0 -" keeps a zero bound +0.0 rather than -0.0.
  static double signed_value(double sign, double value) { return sign > 0.0 ? value : 0.0 - value; }
  void build(Index n, Eigen::SparseMatrix<double>& matrix, Eigen::VectorXd& vector) const {
    matrix.resize(static_cast<Index>(rhs.size()), n);
    matrix.setFromTriplets(triplets.begin(), triplets.end());
    matrix.makeCompressed();
    vector = Eigen::Map<const Eigen::VectorXd>(rhs.data(), static_cast<Index>(rhs.size()));
  }
};

}  // namespace

QpsModel parse_qps(std::istream& in, const std::string& source) { return Parser(in, source).run(); }

QpsModel read_qps(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw QpsError(path + ": cannot open file");
  return parse_qps(file, path);
}

// Row order (deterministic):
//   A: equality rows in file order, then fixed variables in column order.
//   G: for each non-equality row in file order, its finite upper side (C_i, u_i)
//      then its finite lower side (-C_i, -l_i); then for each non-fixed
//      variable in column order, its finite upper bound (e_j', u_j) then its
//      finite lower bound (-e_j', -l_j). Rows with both sides infinite vanish.
SparseQp to_standard_form(const QpsModel& model) {
  check_model_shape(model);
  const Index n = model.num_variables();
  const Index m = model.num_rows();
  for (Index i = 0; i < m; ++i)
    check_interval(model.row_lower[i], model.row_upper[i], "row", model.row_names[static_cast<std::size_t>(i)]);
  for (Index j = 0; j < n; ++j)
    check_interval(model.var_lower[j], model.var_upper[j], "column", model.column_names[static_cast<std::size_t>(j)]);

  using RowMajor = Eigen::SparseMatrix<double, Eigen::RowMajor>;
  const RowMajor c = model.C;  // row access to C
  RowBuilder g, a;
  for (Index i = 0; i < m; ++i) {
    const double lo = model.row_lower[i];
    const double up = model.row_upper[i];
    if (is_equality(lo, up)) {
      a.add_row(RowMajor::InnerIterator(c, i), 1.0, up);
      continue;
    }
    if (std::isfinite(up)) g.add_row(RowMajor::InnerIterator(c, i), 1.0, up);
    if (std::isfinite(lo)) g.add_row(RowMajor::InnerIterator(c, i), -1.0, lo);
  }
  for (Index j = 0; j < n; ++j) {
    const double lo = model.var_lower[j];
    const double up = model.var_upper[j];
    if (is_equality(lo, up)) {
      a.add_unit_row(j, 1.0, up);
      continue;
    }
    if (std::isfinite(up)) g.add_unit_row(j, 1.0, up);
    if (std::isfinite(lo)) g.add_unit_row(j, -1.0, lo);
  }

  SparseQp qp;
  qp.P = model.P;
  qp.q = model.q;
  qp.c0 = model.c0;
  g.build(n, qp.G, qp.h);
  a.build(n, qp.A, qp.b);
  return qp;
}

}  // namespace optlayer
