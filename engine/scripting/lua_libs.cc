// struct and cmsgpack for scripts: small versions of the two libraries Redis bundles that Debian
// does not package. They cover what scripts in the wild use:
//  * struct.pack(fmt, ...), struct.unpack(fmt, s [, pos]), struct.size(fmt) with the formats
//    < > = ! x b B h H i[n] I[n] l L T f d s c[n] (no alignment padding);
//  * cmsgpack.pack(...) and cmsgpack.unpack(s) for nil, booleans, numbers, strings and tables
//    (arrays when the keys are 1..n, maps otherwise), nesting bounded by kLuaMaxNesting.
#include <cmath>
#include <cstring>
#include <string>

#include "engine/scripting/lua_sandbox.h"

namespace redsim {
namespace {

// ---- struct --------------------------------------------------------------------------------

struct FormatReader {
  const char* p;
  bool little = true;

  // Reads an optional size suffix.
  size_t Size(size_t dflt) {
    if (*p < '0' || *p > '9') return dflt;
    size_t n = 0;
    while (*p >= '0' && *p <= '9' && n < 1000000) n = n * 10 + static_cast<size_t>(*p++ - '0');
    return n;
  }
};

size_t IntegerSize(char op, FormatReader& f) {
  switch (op) {
    case 'b':
    case 'B':
      return 1;
    case 'h':
    case 'H':
      return 2;
    case 'l':
    case 'L':
    case 'T':
      return 8;
    case 'i':
    case 'I':
      return f.Size(4);
    default:
      return 0;
  }
}

void PutInteger(std::string* out, uint64_t v, size_t size, bool little) {
  for (size_t i = 0; i < size; i++) {
    size_t shift = little ? i : size - 1 - i;
    out->push_back(shift < 8 ? static_cast<char>((v >> (8 * shift)) & 0xff) : 0);
  }
}

uint64_t GetInteger(const unsigned char* s, size_t size, bool little) {
  uint64_t v = 0;
  for (size_t i = 0; i < size && i < 8; i++) {
    size_t shift = little ? i : size - 1 - i;
    if (shift < 8) v |= static_cast<uint64_t>(s[i]) << (8 * shift);
  }
  return v;
}

int StructPack(lua_State* L) {
  FormatReader f{luaL_checkstring(L, 1)};
  std::string out;
  int arg = 2;
  while (*f.p != '\0') {
    char op = *f.p++;
    switch (op) {
      case '<':
      case '!':
      case '=':
        f.little = true;
        break;
      case '>':
        f.little = false;
        break;
      case ' ':
        break;
      case 'x':
        out.push_back('\0');
        break;
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        size_t size = IntegerSize(op, f);
        double d = luaL_checknumber(L, arg++);
        uint64_t v =
            d < 0 ? static_cast<uint64_t>(static_cast<int64_t>(d)) : static_cast<uint64_t>(d);
        PutInteger(&out, v, size, f.little);
        break;
      }
      case 'f': {
        float v = static_cast<float>(luaL_checknumber(L, arg++));
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        PutInteger(&out, bits, 4, f.little);
        break;
      }
      case 'd': {
        double v = luaL_checknumber(L, arg++);
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        PutInteger(&out, bits, 8, f.little);
        break;
      }
      case 's':
      case 'c': {
        size_t len;
        const char* s = luaL_checklstring(L, arg++, &len);
        size_t n = op == 'c' ? f.Size(len) : len;
        luaL_argcheck(L, n <= len, arg - 1, "string too short");
        out.append(s, n);
        if (op == 's') out.push_back('\0');
        break;
      }
      default:
        return luaL_error(L, "invalid format option '%c'", op);
    }
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

int StructUnpack(lua_State* L) {
  FormatReader f{luaL_checkstring(L, 1)};
  size_t len;
  const auto* s = reinterpret_cast<const unsigned char*>(luaL_checklstring(L, 2, &len));
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1)) - 1;
  int results = 0;
  auto need = [&](size_t n) {
    if (pos + n > len) luaL_argerror(L, 2, "data string too short");
  };
  while (*f.p != '\0') {
    char op = *f.p++;
    luaL_checkstack(L, 2, "too many results");
    switch (op) {
      case '<':
      case '!':
      case '=':
        f.little = true;
        break;
      case '>':
        f.little = false;
        break;
      case ' ':
        break;
      case 'x':
        need(1);
        pos++;
        break;
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        size_t size = IntegerSize(op, f);
        need(size);
        uint64_t v = GetInteger(s + pos, size, f.little);
        pos += size;
        bool is_signed = op == 'b' || op == 'h' || op == 'l' || op == 'i';
        if (is_signed && size < 8 && (v >> (8 * size - 1)) & 1) v |= ~0ULL << (8 * size);
        lua_pushnumber(
            L, is_signed ? static_cast<double>(static_cast<int64_t>(v)) : static_cast<double>(v));
        results++;
        break;
      }
      case 'f': {
        need(4);
        uint32_t bits = static_cast<uint32_t>(GetInteger(s + pos, 4, f.little));
        float v;
        std::memcpy(&v, &bits, 4);
        pos += 4;
        lua_pushnumber(L, v);
        results++;
        break;
      }
      case 'd': {
        need(8);
        uint64_t bits = GetInteger(s + pos, 8, f.little);
        double v;
        std::memcpy(&v, &bits, 8);
        pos += 8;
        lua_pushnumber(L, v);
        results++;
        break;
      }
      case 's': {
        const void* end = std::memchr(s + pos, 0, len - std::min(pos, len));
        if (end == nullptr) luaL_argerror(L, 2, "unfinished string in data");
        size_t n = static_cast<const unsigned char*>(end) - (s + pos);
        lua_pushlstring(L, reinterpret_cast<const char*>(s + pos), n);
        pos += n + 1;
        results++;
        break;
      }
      case 'c': {
        size_t n = f.Size(1);
        need(n);
        lua_pushlstring(L, reinterpret_cast<const char*>(s + pos), n);
        pos += n;
        results++;
        break;
      }
      default:
        return luaL_error(L, "invalid format option '%c'", op);
    }
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return results + 1;
}

int StructSize(lua_State* L) {
  FormatReader f{luaL_checkstring(L, 1)};
  size_t total = 0;
  while (*f.p != '\0') {
    char op = *f.p++;
    switch (op) {
      case '<':
      case '>':
      case '!':
      case '=':
      case ' ':
        break;
      case 'x':
        total += 1;
        break;
      case 'f':
        total += 4;
        break;
      case 'd':
        total += 8;
        break;
      case 'c':
        total += f.Size(1);
        break;
      case 's':
        return luaL_error(L, "options 's' has no fixed size");
      default: {
        size_t size = IntegerSize(op, f);
        if (size == 0) return luaL_error(L, "invalid format option '%c'", op);
        total += size;
      }
    }
  }
  lua_pushinteger(L, static_cast<lua_Integer>(total));
  return 1;
}

// ---- cmsgpack ------------------------------------------------------------------------------

void PutBig(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PackHeader(std::string* out, size_t n, uint8_t fix, size_t fix_max, uint8_t b16, uint8_t b32) {
  if (n <= fix_max) {
    out->push_back(static_cast<char>(fix | n));
  } else if (n <= 0xffff) {
    out->push_back(static_cast<char>(b16));
    PutBig(out, n, 2);
  } else {
    out->push_back(static_cast<char>(b32));
    PutBig(out, n, 4);
  }
}

void PackNumber(std::string* out, double d) {
  if (std::floor(d) == d && d >= -9223372036854775808.0 && d < 18446744073709551616.0) {
    if (d >= 0) {
      uint64_t v = static_cast<uint64_t>(d);
      if (v < 128)
        out->push_back(static_cast<char>(v));
      else if (v <= 0xff) {
        out->push_back('\xcc');
        PutBig(out, v, 1);
      } else if (v <= 0xffff) {
        out->push_back('\xcd');
        PutBig(out, v, 2);
      } else if (v <= 0xffffffffULL) {
        out->push_back('\xce');
        PutBig(out, v, 4);
      } else {
        out->push_back('\xcf');
        PutBig(out, v, 8);
      }
    } else {
      int64_t v = static_cast<int64_t>(d);
      uint64_t u = static_cast<uint64_t>(v);
      if (v >= -32)
        out->push_back(static_cast<char>(v));
      else if (v >= -128) {
        out->push_back('\xd0');
        PutBig(out, u, 1);
      } else if (v >= -32768) {
        out->push_back('\xd1');
        PutBig(out, u, 2);
      } else if (v >= -2147483648LL) {
        out->push_back('\xd2');
        PutBig(out, u, 4);
      } else {
        out->push_back('\xd3');
        PutBig(out, u, 8);
      }
    }
    return;
  }
  float f = static_cast<float>(d);
  if (static_cast<double>(f) == d) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    out->push_back('\xca');
    PutBig(out, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    out->push_back('\xcb');
    PutBig(out, bits, 8);
  }
}

// Number of elements if the table is an array 1..n, or -1.
int64_t ArrayLength(lua_State* L, int index) {
  int64_t count = 0;
  int64_t max = 0;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return -1;
    }
    double k = lua_tonumber(L, -1);
    if (k < 1 || std::floor(k) != k) {
      lua_pop(L, 1);
      return -1;
    }
    count++;
    if (k > static_cast<double>(max)) max = static_cast<int64_t>(k);
  }
  return count == max ? count : -1;
}

void PackValue(lua_State* L, int index, std::string* out, int depth) {
  switch (lua_type(L, index)) {
    case LUA_TBOOLEAN:
      out->push_back(lua_toboolean(L, index) ? '\xc3' : '\xc2');
      return;
    case LUA_TNUMBER:
      PackNumber(out, lua_tonumber(L, index));
      return;
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, index, &len);
      if (len < 32) {
        out->push_back(static_cast<char>(0xa0 | len));
      } else if (len <= 0xff) {
        out->push_back('\xd9');
        PutBig(out, len, 1);
      } else if (len <= 0xffff) {
        out->push_back('\xda');
        PutBig(out, len, 2);
      } else {
        out->push_back('\xdb');
        PutBig(out, len, 4);
      }
      out->append(s, len);
      return;
    }
    case LUA_TTABLE: {
      if (depth >= kLuaMaxNesting || !lua_checkstack(L, 4)) {
        out->push_back('\xc0');
        return;
      }
      int64_t n = ArrayLength(L, index);
      if (n >= 0) {
        PackHeader(out, static_cast<size_t>(n), 0x90, 15, 0xdc, 0xdd);
        for (int64_t i = 1; i <= n; i++) {
          lua_rawgeti(L, index, static_cast<int>(i));
          PackValue(L, lua_gettop(L), out, depth + 1);
          lua_pop(L, 1);
        }
        return;
      }
      size_t pairs = 0;
      lua_pushnil(L);
      while (lua_next(L, index) != 0) {
        pairs++;
        lua_pop(L, 1);
      }
      PackHeader(out, pairs, 0x80, 15, 0xde, 0xdf);
      lua_pushnil(L);
      while (lua_next(L, index) != 0) {
        PackValue(L, lua_gettop(L) - 1, out, depth + 1);
        PackValue(L, lua_gettop(L), out, depth + 1);
        lua_pop(L, 1);
      }
      return;
    }
    default:
      out->push_back('\xc0');
      return;
  }
}

int MsgpackPack(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  std::string out;
  for (int i = 1; i <= argc; i++) PackValue(L, i, &out, 0);
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

struct Unpacker {
  lua_State* L;
  const unsigned char* p;
  const unsigned char* end;
  bool ok = true;

  uint64_t Big(int bytes) {
    if (end - p < bytes) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = (v << 8) | *p++;
    return v;
  }
  void Str(size_t n) {
    if (static_cast<size_t>(end - p) < n) {
      ok = false;
      lua_pushnil(L);
      return;
    }
    lua_pushlstring(L, reinterpret_cast<const char*>(p), n);
    p += n;
  }
  void Array(size_t n, int depth) {
    lua_createtable(L, static_cast<int>(std::min<size_t>(n, 1024)), 0);
    for (size_t i = 0; i < n && ok; i++) {
      Value(depth + 1);
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
  }
  void Map(size_t n, int depth) {
    lua_newtable(L);
    for (size_t i = 0; i < n && ok; i++) {
      Value(depth + 1);
      Value(depth + 1);
      if (lua_isnil(L, -2)) {
        lua_pop(L, 2);
      } else {
        lua_settable(L, -3);
      }
    }
  }
  void Value(int depth) {
    if (p >= end || depth > kLuaMaxNesting || !lua_checkstack(L, 4)) {
      ok = false;
      lua_pushnil(L);
      return;
    }
    uint8_t b = *p++;
    if (b < 0x80) return lua_pushnumber(L, b);
    if (b >= 0xe0) return lua_pushnumber(L, static_cast<int8_t>(b));
    if ((b & 0xe0) == 0xa0) return Str(b & 0x1f);
    if ((b & 0xf0) == 0x90) return Array(b & 0x0f, depth);
    if ((b & 0xf0) == 0x80) return Map(b & 0x0f, depth);
    switch (b) {
      case 0xc0:
        return lua_pushnil(L);
      case 0xc2:
        return lua_pushboolean(L, 0);
      case 0xc3:
        return lua_pushboolean(L, 1);
      case 0xca: {
        uint32_t bits = static_cast<uint32_t>(Big(4));
        float f;
        std::memcpy(&f, &bits, 4);
        return lua_pushnumber(L, f);
      }
      case 0xcb: {
        uint64_t bits = Big(8);
        double d;
        std::memcpy(&d, &bits, 8);
        return lua_pushnumber(L, d);
      }
      case 0xcc:
        return lua_pushnumber(L, static_cast<double>(Big(1)));
      case 0xcd:
        return lua_pushnumber(L, static_cast<double>(Big(2)));
      case 0xce:
        return lua_pushnumber(L, static_cast<double>(Big(4)));
      case 0xcf:
        return lua_pushnumber(L, static_cast<double>(Big(8)));
      case 0xd0:
        return lua_pushnumber(L, static_cast<int8_t>(Big(1)));
      case 0xd1:
        return lua_pushnumber(L, static_cast<int16_t>(Big(2)));
      case 0xd2:
        return lua_pushnumber(L, static_cast<int32_t>(Big(4)));
      case 0xd3:
        return lua_pushnumber(L, static_cast<double>(static_cast<int64_t>(Big(8))));
      case 0xc4:
      case 0xd9:
        return Str(Big(1));
      case 0xc5:
      case 0xda:
        return Str(Big(2));
      case 0xc6:
      case 0xdb:
        return Str(Big(4));
      case 0xdc:
        return Array(Big(2), depth);
      case 0xdd:
        return Array(Big(4), depth);
      case 0xde:
        return Map(Big(2), depth);
      case 0xdf:
        return Map(Big(4), depth);
      default:
        ok = false;
        return lua_pushnil(L);
    }
  }
};

int MsgpackUnpack(lua_State* L) {
  size_t len;
  const auto* s = reinterpret_cast<const unsigned char*>(luaL_checklstring(L, 1, &len));
  int base = lua_gettop(L);
  Unpacker u{L, s, s + len};
  while (u.p < u.end && u.ok) u.Value(0);
  if (!u.ok) {
    lua_settop(L, base);
    return luaL_error(L, "Bad data format in input.");
  }
  return lua_gettop(L) - base;
}

void Register(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}

}  // namespace

int LuaOpenStruct(lua_State* L) {
  lua_newtable(L);
  Register(L, "pack", StructPack);
  Register(L, "unpack", StructUnpack);
  Register(L, "size", StructSize);
  return 1;
}

int LuaOpenCmsgpack(lua_State* L) {
  lua_newtable(L);
  Register(L, "pack", MsgpackPack);
  Register(L, "unpack", MsgpackUnpack);
  return 1;
}

}  // namespace redsim
