// The function family of the storage seam: FUNCTION libraries, kept per tenant in PostgreSQL so
// every server on the database sees the same ones, and they outlive restarts.
#pragma once

#include <string_view>

#include "storage/types.hpp"

namespace fpc::storage {

class function_store {
 public:
  virtual ~function_store() = default;
  /// values: name, code and the function names (joined by ' ') of each of the tenant's
  /// libraries, in name order (three values per library).
  virtual void list_function_libraries(const caller& c, kv_callback cb) = 0;
  /// integer: 1 saved; 0 when the library exists and `replace` is false (nothing changed).
  virtual void save_function_library(const caller& c, std::string_view name,
                                     std::string_view code, std::string_view function_names,
                                     bool replace, kv_callback cb) = 0;
  /// integer: 1 deleted, 0 no such library.
  virtual void delete_function_library(const caller& c, std::string_view name,
                                       kv_callback cb) = 0;
  /// FUNCTION FLUSH, and FUNCTION RESTORE FLUSH before it saves. integer: libraries deleted.
  virtual void flush_function_libraries(const caller& c, kv_callback cb) = 0;
};

}  // namespace fpc::storage
