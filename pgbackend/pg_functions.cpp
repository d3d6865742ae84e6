// The function family as statements: FUNCTION libraries per tenant.
#include "pgbackend/pg_keyspace.hpp"

#include <cstdlib>

#include "pgbackend/pg_results.hpp"

namespace fpc::pg {

void pg_keyspace::list_function_libraries(const storage::caller& c, kv_callback cb) {
  auto req = make_request(statement::functions_list, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    for (int row = 0; row < PQntuples(o.result); ++row) {
      for (int column = 0; column < 3; ++column) {
        r.values.emplace_back(std::string_view(
            PQgetvalue(o.result, row, column),
            static_cast<std::size_t>(PQgetlength(o.result, row, column))));
      }
    }
    return r;
  });
  req.params.add_bytes(c.tenant);
  submit_for(c, std::move(req));
}

void pg_keyspace::save_function_library(const storage::caller& c, std::string_view name,
                                        std::string_view code, std::string_view function_names,
                                        bool replace, kv_callback cb) {
  auto req = make_request(statement::functions_save, std::move(cb), [](const pg_outcome& o) {
    if (!o.error.empty()) return failed(o);
    kv_result r;
    r.integer = PQntuples(o.result) > 0 ? 1 : 0;
    return r;
  });
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(name);
  req.params.add_bytes(code);
  req.params.add_bytes(function_names);
  req.params.add_bool(replace);
  submit_for(c, std::move(req));
}

void pg_keyspace::delete_function_library(const storage::caller& c, std::string_view name,
                                          kv_callback cb) {
  auto req = make_request(statement::functions_delete, std::move(cb), rows_affected);
  req.params.add_bytes(c.tenant);
  req.params.add_bytes(name);
  submit_for(c, std::move(req));
}

void pg_keyspace::flush_function_libraries(const storage::caller& c, kv_callback cb) {
  auto req = make_request(statement::functions_flush, std::move(cb), rows_affected);
  req.params.add_bytes(c.tenant);
  submit_for(c, std::move(req));
}

}  // namespace fpc::pg
