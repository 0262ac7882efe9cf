#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ck::storage {

// The names of user tables and columns, as DESIGN.md's "Data rules" fix them:
// [A-Za-z][A-Za-z0-9_]{0,63}, never starting with `sqlite_` (in any case).
// A leading `_` is outside the grammar, which keeps the host's own tables
// (`_settings`, `_tables`, ...) and indexes out of reach.
//
// SQLite compares identifiers without regard to ASCII case, so two tables of
// one app, or two columns of one table, never differ only in case. Lookups are
// exact, though: `order` does not name the table `Order` (policy rules name
// resources by their exact spelling, so a case variant must never reach a
// table the rule was not written for).

inline constexpr size_t kMaxNameLength = 64;

// Why `name` is not a valid table or column name ("" when it is valid). The
// text names the rule broken, for an error message; it does not quote `name`.
// (schema.h's isValidName checks the grammar alone.)
std::string nameProblem(std::string_view name);

// The system columns every user table has, set only by the host: objectId,
// ownerId, created, updated (plus `___class`, computed on read, never stored).
inline constexpr std::string_view kSystemColumns[] = {"objectId", "ownerId", "created", "updated"};
inline constexpr std::string_view kClassProperty = "___class";

// True when `name` is one of kSystemColumns exactly.
bool isSystemColumn(std::string_view name);
// The system column that `name` equals ignoring case ("" when none).
std::string_view systemColumnIgnoringCase(std::string_view name);

// ASCII case-insensitive equality, as SQLite compares identifiers.
bool equalsIgnoringCase(std::string_view a, std::string_view b);

// `name` in single quotes for a message to a client, cut to a readable length
// (a client may send a name of any length), with every byte that is not
// printable ASCII shown as '?' (the message stays valid UTF-8).
std::string shownName(std::string_view name);

}  // namespace ck::storage
