// What SORT and SORT_RO need from the collection types they sort: each type registers a function
// that visits its elements in the collection's natural order (a list from head to tail, a sorted
// set by ascending score, a set in any order). SORT stays independent of how each type is stored;
// a type with no registered source answers WRONGTYPE, as strings and hashes do.
//
// Registration is idempotent (every Server's command table registration repeats it) and happens
// before any command runs; the table is only read afterwards.
#pragma once

#include <functional>
#include <string_view>

#include "engine/db/value.h"

namespace redsim {

using SortElementVisitor = std::function<void(std::string_view element)>;
using SortElementSource = void (*)(const Object& collection, const SortElementVisitor& visit);

// Sets the element source for `type` (kList, kSet or kZSet).
void RegisterSortSource(ObjType type, SortElementSource source);

}  // namespace redsim
