// A plain libpq connection for tests that work the cache from SQL next to RESP clients.
#include "pg_session.hpp"

#include <stdexcept>

#include "fixture.hpp"

namespace fpc::test {
namespace {

sql_result collect(PGresult* res) {
  sql_result out;
  const ExecStatusType status = PQresultStatus(res);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    out.error = primary != nullptr ? primary : PQresultErrorMessage(res);
    if (out.error.empty()) out.error = "unknown error";
  } else {
    for (int r = 0; r < PQntuples(res); ++r) {
      sql_row row;
      for (int c = 0; c < PQnfields(res); ++c) {
        if (PQgetisnull(res, r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(res, r, c),
                                       static_cast<std::size_t>(PQgetlength(res, r, c))));
        }
      }
      out.rows.push_back(std::move(row));
    }
  }
  PQclear(res);
  return out;
}

}  // namespace

std::string sql_result::value() const {
  if (rows.empty() || rows[0].empty() || !rows[0][0]) return "";
  return *rows[0][0];
}

bool sql_result::is_null() const { return rows.empty() || rows[0].empty() || !rows[0][0]; }

pg_session::pg_session(const std::string& role) {
  std::string uri = pg_uri();
  if (!role.empty()) {
    // The test cluster's URI is postgresql://user@host:port/db: swap the user.
    const auto at = uri.find('@');
    const auto scheme = uri.find("://");
    if (at == std::string::npos || scheme == std::string::npos) {
      throw std::runtime_error("unexpected test PostgreSQL URI: " + uri);
    }
    uri = uri.substr(0, scheme + 3) + role + uri.substr(at);
  }
  conn_ = PQconnectdb(uri.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("cannot connect to PostgreSQL: " + why);
  }
}

pg_session::~pg_session() { PQfinish(conn_); }

sql_result pg_session::exec(const std::string& sql) {
  // With several statements the last result is the one asked for; an error stops the batch.
  if (PQsendQuery(conn_, sql.c_str()) == 0) return {{}, PQerrorMessage(conn_)};
  sql_result last;
  while (PGresult* res = PQgetResult(conn_)) {
    sql_result current = collect(res);
    if (!last.ok()) continue;  // keep the first error
    last = std::move(current);
  }
  return last;
}

sql_result pg_session::exec(const std::string& sql, const std::vector<std::string>& params,
                            bool binary_result) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const auto& p : params) {
    values.push_back(p.data());
    lengths.push_back(static_cast<int>(p.size()));
    formats.push_back(0);
  }
  return collect(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                              values.data(), lengths.data(), formats.data(),
                              binary_result ? 1 : 0));
}

std::string sql_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace fpc::test
