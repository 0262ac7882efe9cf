#pragma once

// Resources as requests name them (ResourceRef, always one concrete
// resource) and as rules name them (ResourcePattern, which may cover many).
//
// Written forms:
//   *                        every resource (a pattern only)
//   data:*  files:*  service:*  users:*     every resource of a kind (patterns only)
//   data:<Table>             a table (see checkTableName)
//   files:<path>             a file or folder; as a pattern it also covers
//                            everything below it ("files:/menus" covers
//                            "files:/menus/today.txt"; "files:/" covers all)
//   service:<Name>           a service; as a pattern it also covers its methods
//   service:<Name>.<method>  one method of a service
//   users                    the app's user directory, the one resource of
//                            the users operations (register, login, impersonate)
// Names are checked, never normalised (access_types.h); anything else is
// refused with a message that says why.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "services/access_types.h"

namespace ck::services {

// One concrete resource. Immutable value; cheap to copy (one string).
class ResourceRef {
 public:
  // Parses a written resource. Patterns ("*", "data:*") are refused: a
  // request names one resource. kInvalidArgument with the reason.
  static Result<ResourceRef> parse(std::string_view text);
  static Result<ResourceRef> data(std::string_view table);
  static Result<ResourceRef> file(std::string_view path);
  // `method` empty: the service itself.
  static Result<ResourceRef> service(std::string_view name, std::string_view method = {});
  static ResourceRef users();

  ResourceKind kind() const { return kind_; }
  // What follows "<kind>:": the table, the path, "Name" or "Name.method";
  // empty for the users resource.
  std::string_view name() const { return std::string_view(text_).substr(nameStart_); }
  // kService only: the service's name, and the method (empty for none).
  std::string_view serviceName() const;
  std::string_view method() const;
  // The written form, e.g. "data:Restaurant".
  const std::string& text() const { return text_; }

  friend bool operator==(const ResourceRef& a, const ResourceRef& b) { return a.text_ == b.text_; }

 private:
  ResourceRef(ResourceKind kind, std::string text, size_t nameStart)
      : kind_(kind), nameStart_(static_cast<uint32_t>(nameStart)), text_(std::move(text)) {}

  ResourceKind kind_;
  uint32_t nameStart_;
  std::string text_;
};

// How a pattern covers a resource, most specific first. kCovering is a
// proper prefix: a folder above a path, a service above its methods.
enum class PatternMatch : uint8_t { kExact, kCovering, kKindWildcard, kGlobal, kNone };

// A resource pattern of a rule or a service grant. Immutable value.
class ResourcePattern {
 public:
  enum class Shape : uint8_t {
    kGlobal,        // "*"
    kKindWildcard,  // "data:*", "files:*", "service:*", "users:*"
    kName,          // "data:T", "files:/p", "service:N", "service:N.m", "users"
  };

  // "*", the global pattern.
  ResourcePattern() : ResourcePattern(Shape::kGlobal, ResourceKind::kData, "*", 1) {}

  // Parses a written pattern; kInvalidArgument with the reason, e.g.
  // `unknown resource kind "date:"`.
  static Result<ResourcePattern> parse(std::string_view text);

  Shape shape() const { return shape_; }
  // Meaningless for kGlobal (which covers every kind).
  ResourceKind kind() const { return kind_; }
  // What follows "<kind>:" for kName patterns, as in ResourceRef::name().
  std::string_view name() const { return std::string_view(text_).substr(nameStart_); }
  const std::string& text() const { return text_; }

  PatternMatch match(const ResourceRef& resource) const;
  bool covers(const ResourceRef& resource) const { return match(resource) != PatternMatch::kNone; }
  // The operations a rule on this pattern may name: those of its kind, or
  // every operation for "*".
  OpMask applicableOps() const;

 private:
  ResourcePattern(Shape shape, ResourceKind kind, std::string text, size_t nameStart)
      : shape_(shape), kind_(kind), nameStart_(static_cast<uint32_t>(nameStart)), text_(std::move(text)) {}

  Shape shape_;
  ResourceKind kind_;
  uint32_t nameStart_;
  std::string text_;
};

}  // namespace ck::services
