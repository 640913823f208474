// A plain text table: a header row and rows of cells, columns left-aligned and two spaces
// apart, no trailing blanks. On a terminal the last column is cut to the terminal's width.
#pragma once

#include <string>
#include <vector>

namespace hexa::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  // REQUIRES: as many cells as the header has columns.
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::size_t size() const { return rows_.size(); }
  // Every line ends with '\n'. `width` > 0: cut the last column so that lines fit in `width`
  // columns (ending it with "..."), keeping at least its first few characters.
  std::string render(int width = 0) const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace hexa::cli
