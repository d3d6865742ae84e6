// PostgreSQL's type OIDs for the parameters we send (pg_type.oid; fixed for built-in types).
#pragma once

#include <cstdint>

namespace fpc::pg::oid {

inline constexpr std::uint32_t boolean = 16;
inline constexpr std::uint32_t bytea = 17;
inline constexpr std::uint32_t int8 = 20;
inline constexpr std::uint32_t text = 25;
inline constexpr std::uint32_t float8 = 701;
inline constexpr std::uint32_t bool_array = 1000;
inline constexpr std::uint32_t bytea_array = 1001;
inline constexpr std::uint32_t text_array = 1009;
inline constexpr std::uint32_t int8_array = 1016;

}  // namespace fpc::pg::oid
