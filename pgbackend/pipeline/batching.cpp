// Request merging: builds the array parameters of get_batch / set_batch / set_each and fans results
// out.
#include "pgbackend/pipeline/batching.hpp"
#include "pgbackend/sql/oids.hpp"

#include <algorithm>
#include <memory>
#include <numeric>

namespace fpc::pg {
namespace {

constexpr auto bool_oid = static_cast<std::int32_t>(oid::boolean);
constexpr auto bytea_oid = static_cast<std::int32_t>(oid::bytea);
constexpr auto int8_oid = static_cast<std::int32_t>(oid::int8);
constexpr auto text_oid = static_cast<std::int32_t>(oid::text);

// Parameter positions in the single-request statements (see statements.hpp).
constexpr std::size_t p_tenant = 0, p_key = 1, p_value = 2, p_rel = 3, p_abs = 4;

using members_ptr = std::shared_ptr<std::vector<pg_request>>;

void fail_all(std::vector<pg_request>& members, std::string_view error) {
  for (auto& m : members) m.on_done(pg_outcome{nullptr, error});
}

// The batch statement of a mergeable read, and how many bytea parameters follow the tenant.
struct read_batch {
  statement batch;
  std::size_t bytea_params;
};
read_batch read_batch_of(statement s) {
  switch (s) {
    case statement::hget: return {statement::hget_batch, 2};
    case statement::sismember: return {statement::sismember_batch, 2};
    default: return {statement::get_batch, 1};
  }
}

// GET, HGET, SISMEMBER: one array per parameter; each member reads its row (found by its
// ordinal, -1 when its key has none) from column 1 on.
pg_request merge_reads(members_ptr members) {
  const read_batch kind = read_batch_of(members->front().stmt);
  pg_request batch{kind.batch, {}, {}, members->front().queued_at};
  const auto& ms = *members;
  batch.params.begin_array(text_oid, ms.size(), false);
  for (const auto& m : ms) batch.params.array_item(m.params.bytes(p_tenant));
  batch.params.end_array();
  for (std::size_t p = p_key; p < p_key + kind.bytea_params; ++p) {
    batch.params.begin_array(bytea_oid, ms.size(), false);
    for (const auto& m : ms) batch.params.array_item(m.params.bytes(p));
    batch.params.end_array();
  }
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

pg_request merge_sets(members_ptr members, member_failure failure) {
  const auto& ms = *members;
  // Sort by (tenant, key), later writes after earlier ones, so concurrent batches lock rows in
  // the same order; the last write of each key is the one the one-upsert path applies.
  std::vector<std::size_t> order(ms.size());
  std::iota(order.begin(), order.end(), 0);
  auto key_of = [&](std::size_t i) {
    return std::pair(ms[i].params.bytes(p_tenant), ms[i].params.bytes(p_key));
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key_of(a) < key_of(b); });
  auto is_last = [&](std::size_t at) {
    return at + 1 == order.size() || key_of(order[at]) != key_of(order[at + 1]);
  };
  // All or nothing: only the last write of each key is sent. Failing alone: every write is sent
  // (a key's earlier write must still land when its last one fails), marked last or not.
  std::vector<std::size_t> sent;
  sent.reserve(order.size());
  for (std::size_t at = 0; at < order.size(); ++at) {
    if (failure == member_failure::fails_alone || is_last(at)) sent.push_back(at);
  }

  pg_request batch{
      failure == member_failure::fails_alone ? statement::set_each : statement::set_batch,
      {},
      {},
      ms.front().queued_at};
  auto column = [&](std::int32_t oid, std::size_t param) {
    const bool nullable = param == p_rel || param == p_abs;
    batch.params.begin_array(oid, sent.size(), nullable);
    for (auto at : sent) {
      if (ms[order[at]].params.is_null(param))
        batch.params.array_null();
      else
        batch.params.array_item(ms[order[at]].params.bytes(param));
    }
    batch.params.end_array();
  };
  column(text_oid, p_tenant);
  column(bytea_oid, p_key);
  column(bytea_oid, p_value);
  column(int8_oid, p_rel);
  column(int8_oid, p_abs);
  if (failure == member_failure::fails_alone) {
    batch.params.begin_array(bool_oid, sent.size(), false);
    for (auto at : sent)
      batch.params.array_item(is_last(at) ? std::string_view("\1", 1) : std::string_view("\0", 1));
    batch.params.end_array();
  }
  // Failing alone sends every member, so position p in the arrays is member order[p - 1].
  batch.on_done = [members, order = std::move(order)](const pg_outcome& o) {
    if (!o.error.empty()) return fail_all(*members, o.error);
    // set_each answers a row (1-based position in the arrays, message) per write that failed;
    // usually none, and then nothing is allocated here.
    const int failed_rows =
        o.result != nullptr && PQnfields(o.result) == 2 ? PQntuples(o.result) : 0;
    std::vector<std::string> errors(failed_rows > 0 ? members->size() : 0);
    for (int r = 0; r < failed_rows; ++r) {
      const auto position = decode_int8(PQgetvalue(o.result, r, 0));
      if (position >= 1 && static_cast<std::size_t>(position) <= order.size()) {
        errors[order[static_cast<std::size_t>(position - 1)]] =
            "ERR PostgreSQL: " + std::string(PQgetvalue(o.result, r, 1),
                                             static_cast<std::size_t>(PQgetlength(o.result, r, 1)));
      }
    }
    for (std::size_t i = 0; i < members->size(); ++i) {
      const bool failed = !errors.empty() && !errors[i].empty();
      (*members)[i].on_done(failed ? pg_outcome{nullptr, errors[i]}
                                   : pg_outcome{o.result, {}, -1, 0});
    }
  };
  return batch;
}

// SADD (tenant, key, members[]), HSET (tenant, key, fields[], values[], nx) and LPUSH/RPUSH
// (tenant, key, elements[], left, only existing): the members' arrays flattened into one, each
// member's share starting at its entry of a starts array; flags as one array each.
pg_request merge_member_writes(members_ptr members) {
  const statement kind = members->front().stmt;
  const bool hash = kind == statement::hset;
  const bool push = kind == statement::lpush;
  pg_request batch{hash ? statement::hset_batch
                   : push ? statement::lpush_batch
                          : statement::sadd_batch,
                   {}, {}, members->front().queued_at};
  const auto& ms = *members;
  batch.params.begin_array(text_oid, ms.size(), false);
  for (const auto& m : ms) batch.params.array_item(m.params.bytes(p_tenant));
  batch.params.end_array();
  batch.params.begin_array(bytea_oid, ms.size(), false);
  for (const auto& m : ms) batch.params.array_item(m.params.bytes(p_key));
  batch.params.end_array();
  std::vector<std::vector<std::string_view>> items, values;
  std::size_t total = 0;
  for (const auto& m : ms) {
    items.push_back(decode_array_items(m.params.bytes(2)));
    if (hash) values.push_back(decode_array_items(m.params.bytes(3)));
    total += items.back().size();
  }
  batch.params.begin_array(int8_oid, ms.size() + 1, false);
  std::int64_t start = 1;
  for (const auto& list : items) {
    batch.params.array_int8(start);
    start += static_cast<std::int64_t>(list.size());
  }
  batch.params.array_int8(start);
  batch.params.end_array();
  auto flat = [&](const std::vector<std::vector<std::string_view>>& lists) {
    batch.params.begin_array(bytea_oid, total, false);
    for (const auto& list : lists) {
      for (auto item : list) batch.params.array_item(item);
    }
    batch.params.end_array();
  };
  flat(items);
  auto flags = [&](std::size_t param) {
    batch.params.begin_array(bool_oid, ms.size(), false);
    for (const auto& m : ms) batch.params.array_item(m.params.bytes(param));
    batch.params.end_array();
  };
  if (hash) {
    flat(values);
    flags(4);  // nx
  } else if (push) {
    flags(3);  // left
    flags(4);  // only existing
  }
  batch.on_done = [members](const pg_outcome& o) {
    if (!o.error.empty()) return fail_all(*members, o.error);
    // One row per member: (ordinal, result, error message or NULL).
    std::vector<int> row_of(members->size(), -1);
    for (int r = 0; r < PQntuples(o.result); ++r) {
      const auto ordinal = decode_int8(PQgetvalue(o.result, r, 0));
      if (ordinal >= 1 && static_cast<std::size_t>(ordinal) <= row_of.size()) {
        row_of[static_cast<std::size_t>(ordinal - 1)] = r;
      }
    }
    for (std::size_t i = 0; i < members->size(); ++i) {
      const int r = row_of[i];
      if (r >= 0 && !PQgetisnull(o.result, r, 2)) {
        const std::string error =
            "ERR PostgreSQL: " + std::string(PQgetvalue(o.result, r, 2),
                                             static_cast<std::size_t>(PQgetlength(o.result, r, 2)));
        (*members)[i].on_done(pg_outcome{nullptr, error});
      } else {
        (*members)[i].on_done(pg_outcome{o.result, {}, r, 1});
      }
    }
  };
  return batch;
}

}  // namespace

bool mergeable(statement s) {
  return s == statement::get || s == statement::set_plain || s == statement::hget ||
         s == statement::sismember || s == statement::sadd || s == statement::hset ||
         s == statement::lpush;
}

pg_request merge_requests(std::vector<pg_request>&& run, member_failure failure) {
  auto members = std::make_shared<std::vector<pg_request>>(std::move(run));
  // Adjacent requests share a transaction or none (BEGIN and COMMIT are never merged).
  const bool in_transaction = members->front().in_transaction;
  const std::uint64_t owner = members->front().owner;
  const statement kind = members->front().stmt;
  pg_request batch = kind == statement::set_plain ? merge_sets(std::move(members), failure)
                     : kind == statement::sadd || kind == statement::hset ||
                               kind == statement::lpush
                         ? merge_member_writes(std::move(members))
                         : merge_reads(std::move(members));
  batch.in_transaction = in_transaction;
  batch.owner = owner;
  return batch;
}

}  // namespace fpc::pg
