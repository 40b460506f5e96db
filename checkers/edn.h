// A small EDN reader for Jepsen/Knossos histories: nil, booleans, integers (with an optional N
// suffix), floats, strings, characters, keywords, symbols, lists, vectors, maps and sets, plus
// `;` comments, commas as whitespace, `#_` discard and tagged literals (`#inst "..."` reads as
// its value). Lists, vectors and sets all become Datum lists; symbols become strings; a
// character becomes a one-character string. Errors name the line and column; nesting deeper
// than kMaxEdnDepth is an error, never a stack overflow.
#pragma once

#include <string_view>
#include <vector>

#include "checkers/datum.h"

namespace redsim::checkers {

inline constexpr int kMaxEdnDepth = 200;

// One form and where it starts in the source.
struct EdnForm {
  Datum value;
  int line = 0;
  int column = 0;
};

// Parses every top-level form in `text`. Line numbers count from `first_line`.
bool ParseEdnForms(std::string_view text, std::vector<EdnForm>* out, SourceError* error,
                   int first_line = 1);

// Parses exactly one form (whitespace and comments around it allowed).
bool ParseEdn(std::string_view text, Datum* out, SourceError* error, int first_line = 1);

// For files that hold one top-level vector or list of items: returns the items with their
// positions. A file whose top level is a sequence of forms (no enclosing collection) returns
// those forms instead.
bool ParseEdnItems(std::string_view text, std::vector<EdnForm>* out, SourceError* error);

// Streams the maps of a file laid out like ParseEdnItems expects (one top-level vector or list of
// maps, or a sequence of maps) without building them: BeginMap returns the sink for the map's
// entries (keys must be keywords, strings or symbols) and EndMap is called after its last entry.
// Any item that is not a map is an error.
class EdnMapVisitor {
 public:
  virtual ~EdnMapVisitor() = default;
  virtual MapFieldSink* BeginMap(int line, int column) = 0;
  // False with *message set: an error located at the map's start.
  virtual bool EndMap(std::string* message) = 0;
};
bool ParseEdnMaps(std::string_view text, EdnMapVisitor* visitor, SourceError* error,
                  int first_line = 1);

}  // namespace redsim::checkers
