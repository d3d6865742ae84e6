// Request merging: builds the array parameters of get_batch / set_batch and fans results out.
#include "pgbackend/batching.hpp"

#include <algorithm>
#include <memory>
#include <numeric>

namespace fpc::pg {
namespace {

constexpr std::int32_t bytea_oid = 17, int8_oid = 20, text_oid = 25;

// Parameter positions in the single-request statements (see statements.hpp).
constexpr std::size_t p_tenant = 0, p_key = 1, p_value = 2, p_rel = 3, p_abs = 4;

using members_ptr = std::shared_ptr<std::vector<pg_request>>;

void fail_all(std::vector<pg_request>& members, std::string_view error) {
  for (auto& m : members) m.on_done(pg_outcome{nullptr, error});
}

pg_request merge_gets(members_ptr members) {
  pg_request batch{statement::get_batch, {}, {}, members->front().queued_at};
  const auto& ms = *members;
  batch.params.begin_array(text_oid, ms.size(), false);
  for (const auto& m : ms) batch.params.array_item(m.params.bytes(p_tenant));
  batch.params.end_array();
  batch.params.begin_array(bytea_oid, ms.size(), false);
  for (const auto& m : ms) batch.params.array_item(m.params.bytes(p_key));
  batch.params.end_array();
  batch.on_done = [members](const pg_outcome& o) {
    if (!o.error.empty()) return fail_all(*members, o.error);
    // Rows come back in any order; each carries its member's 1-based ordinal.
    std::vector<int> row_of(members->size(), -1);
    const int rows = PQntuples(o.result);
    for (int r = 0; r < rows; ++r) {
      const auto ordinal = decode_int8(PQgetvalue(o.result, r, 0));
      if (ordinal >= 1 && static_cast<std::size_t>(ordinal) <= row_of.size()) {
        row_of[static_cast<std::size_t>(ordinal - 1)] = r;
      }
    }
    for (std::size_t i = 0; i < members->size(); ++i) {
      (*members)[i].on_done(pg_outcome{o.result, {}, row_of[i], 1});
    }
  };
  return batch;
}

pg_request merge_sets(members_ptr members) {
  const auto& ms = *members;
  // Sort by (tenant, key), later writes after earlier ones; then keep the last of each key.
  std::vector<std::size_t> order(ms.size());
  std::iota(order.begin(), order.end(), 0);
  auto key_of = [&](std::size_t i) {
    return std::pair(ms[i].params.bytes(p_tenant), ms[i].params.bytes(p_key));
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key_of(a) < key_of(b); });
  std::vector<std::size_t> last;
  last.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && key_of(order[i]) == key_of(order[i + 1])) continue;
    last.push_back(order[i]);
  }

  pg_request batch{statement::set_batch, {}, {}, ms.front().queued_at};
  auto column = [&](std::int32_t oid, std::size_t param) {
    batch.params.begin_array(oid, last.size(), false);
    for (auto i : last) batch.params.array_item(ms[i].params.bytes(param));
    batch.params.end_array();
  };
  column(text_oid, p_tenant);
  column(bytea_oid, p_key);
  column(bytea_oid, p_value);
  for (std::size_t param : {p_rel, p_abs}) {
    batch.params.begin_array(int8_oid, last.size(), true);
    for (auto i : last) {
      if (ms[i].params.is_null(param)) batch.params.array_null();
      else batch.params.array_item(ms[i].params.bytes(param));
    }
    batch.params.end_array();
  }
  batch.on_done = [members](const pg_outcome& o) {
    for (auto& m : *members) m.on_done(pg_outcome{o.result, o.error, -1, 0});
  };
  return batch;
}

}  // namespace

bool mergeable(statement s) { return s == statement::get || s == statement::set_plain; }

pg_request merge_requests(std::vector<pg_request>&& run) {
  auto members = std::make_shared<std::vector<pg_request>>(std::move(run));
  return members->front().stmt == statement::get ? merge_gets(std::move(members))
                                                 : merge_sets(std::move(members));
}

}  // namespace fpc::pg
