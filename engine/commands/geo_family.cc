// Geo: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER (and
// the _RO forms) on sorted sets whose scores are 52-bit geohashes, as Redis stores them.
//
// Facts carried over from Redis's documented format: a position is encoded by interleaving 26
// bits of latitude (range +-85.05112878, the Web-Mercator limit) with 26 bits of longitude
// (+-180), longitude bits in the odd positions; a score decodes to the centre of its cell;
// distances use the haversine formula on a sphere of radius 6372797.560856 m; GEOHASH re-encodes
// with the standard latitude range +-90 as 11 base-32 characters (the last always '0').
//
// Searching: the area is covered by the 3x3 block of geohash cells, at the finest precision whose
// cells are at least as large as the search extent, around the centre's cell; each cell is one
// score range of the sorted set. Candidates are then filtered by the exact distance (or box) test
// on their decoded positions, so the result is every member inside the shape.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/commands/zset_family.h"
#include "engine/server/command.h"
#include "engine/server/command_context.h"
#include "engine/server/errors.h"
#include "engine/server/server.h"
#include "engine/types/zset_object.h"

namespace redsim {
namespace {

constexpr int kStep = 26;
constexpr double kLatLimit = 85.05112878;
constexpr double kLonLimit = 180.0;
constexpr double kEarthRadiusM = 6372797.560856;
constexpr double kPi = 3.14159265358979323846;

// ---- Geohash -----------------------------------------------------------------------------------

// Spreads the 32 bits of v over the even bit positions.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

uint32_t Squash(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

uint64_t Interleave(uint32_t lat_bits, uint32_t lon_bits) {
  return Spread(lat_bits) | (Spread(lon_bits) << 1);
}

// `step` bits each of latitude (in [-lat_max, lat_max]) and longitude.
uint64_t Encode(double lon, double lat, double lat_max, int step) {
  double lat_offset = (lat + lat_max) / (2 * lat_max);
  double lon_offset = (lon + kLonLimit) / (2 * kLonLimit);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  return Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(lon_offset));
}

uint64_t EncodeWgs84(double lon, double lat) { return Encode(lon, lat, kLatLimit, kStep); }

struct Point {
  double lon;
  double lat;
};

// The centre of the cell a 52-bit score names, clamped to the valid ranges.
Point Decode(uint64_t bits) {
  uint32_t lat_i = Squash(bits), lon_i = Squash(bits >> 1);
  double lat_scale = 2 * kLatLimit, lon_scale = 2 * kLonLimit;
  double cells = static_cast<double>(1ULL << kStep);
  double lat_min = -kLatLimit + (lat_i * 1.0 / cells) * lat_scale;
  double lat_max = -kLatLimit + ((lat_i + 1) * 1.0 / cells) * lat_scale;
  double lon_min = -kLonLimit + (lon_i * 1.0 / cells) * lon_scale;
  double lon_max = -kLonLimit + ((lon_i + 1) * 1.0 / cells) * lon_scale;
  Point p{(lon_min + lon_max) / 2, (lat_min + lat_max) / 2};
  p.lon = std::clamp(p.lon, -kLonLimit, kLonLimit);
  p.lat = std::clamp(p.lat, -kLatLimit, kLatLimit);
  return p;
}

double Radians(double degrees) { return degrees * (kPi / 180.0); }

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusM * std::fabs(Radians(lat2) - Radians(lat1));
}

double Distance(Point a, Point b) {
  double lat1 = Radians(a.lat), lon1 = Radians(a.lon);
  double lat2 = Radians(b.lat), lon2 = Radians(b.lon);
  double v = std::sin((lon2 - lon1) / 2);
  if (v == 0.0) return LatDistance(a.lat, b.lat);
  double u = std::sin((lat2 - lat1) / 2);
  double h = u * u + std::cos(lat1) * std::cos(lat2) * v * v;
  return 2.0 * kEarthRadiusM * std::asin(std::sqrt(h));
}

std::string GeohashText(Point p) {
  static const char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  uint64_t bits = Encode(p.lon, p.lat, 90.0, kStep);
  std::string out(11, '0');
  for (int i = 0; i < 10; i++)
    out[static_cast<size_t>(i)] = kAlphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

// A coordinate as Redis prints it: "%.17Lf" with trailing zeros removed.
std::string CoordText(double v) { return LongDoubleToString(static_cast<long double>(v)); }

std::string DistanceText(double v) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

// ---- Argument parsing ------------------------------------------------------------------------

bool ParseLonLat(CommandContext& ctx, std::string_view lon_s, std::string_view lat_s, Point* p) {
  if (!ParseDouble(lon_s, &p->lon) || !ParseDouble(lat_s, &p->lat)) {
    ctx.reply.Error("ERR value is not a valid float");
    return false;
  }
  if (p->lon < -kLonLimit || p->lon > kLonLimit || p->lat < -kLatLimit || p->lat > kLatLimit) {
    char buf[128];
    snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", p->lon, p->lat);
    ctx.reply.Error(buf);
    return false;
  }
  return true;
}

// Meters per unit; 0 (after replying) when the unit is unknown.
double ParseUnit(CommandContext& ctx, std::string_view unit) {
  if (EqualsIgnoreCase(unit, "m")) return 1;
  if (EqualsIgnoreCase(unit, "km")) return 1000;
  if (EqualsIgnoreCase(unit, "ft")) return 0.3048;
  if (EqualsIgnoreCase(unit, "mi")) return 1609.34;
  ctx.reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return 0;
}

bool ParseLength(CommandContext& ctx, std::string_view s, const char* what, double* out) {
  if (!ParseDouble(s, out)) {
    ctx.reply.Error(std::string("ERR need numeric ") + what);
    return false;
  }
  return true;
}

// "radius unit" (as Redis reads it: number, sign, then unit); false after replying.
bool ParseRadius(CommandContext& ctx, size_t at, double* radius, double* unit) {
  if (!ParseLength(ctx, ctx.arg(at), "radius", radius)) return false;
  if (*radius < 0) {
    ctx.reply.Error("ERR radius cannot be negative");
    return false;
  }
  return (*unit = ParseUnit(ctx, ctx.arg(at + 1))) != 0;
}

// "width height unit"; false after replying.
bool ParseBox(CommandContext& ctx, size_t at, double* width, double* height, double* unit) {
  if (!ParseLength(ctx, ctx.arg(at), "width", width) ||
      !ParseLength(ctx, ctx.arg(at + 1), "height", height)) {
    return false;
  }
  if (*width < 0 || *height < 0) {
    ctx.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  return (*unit = ParseUnit(ctx, ctx.arg(at + 2))) != 0;
}

ZSetObject* ReadZSet(CommandContext& ctx, std::string_view key, bool* wrong_type) {
  DbEntry* e = ctx.Read(key, ObjType::kZSet, wrong_type);
  return e == nullptr ? nullptr : e->value.As<ZSetObject>();
}

// ---- Simple commands ---------------------------------------------------------------------------

// GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]
void GeoAdd(CommandContext& ctx) {
  size_t i = 2;
  bool nx = false, xx = false;
  std::vector<std::string> zadd = {"ZADD", std::string(ctx.arg(1))};
  for (; i < ctx.argc(); i++) {
    std::string_view a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "nx"))
      nx = true;
    else if (EqualsIgnoreCase(a, "xx"))
      xx = true;
    else if (!EqualsIgnoreCase(a, "ch"))
      break;
    zadd.emplace_back(a);
  }
  size_t remaining = ctx.argc() - i;
  if (remaining == 0 || remaining % 3 != 0 || (nx && xx)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  for (; i < ctx.argc(); i += 3) {
    Point p;
    if (!ParseLonLat(ctx, ctx.arg(i), ctx.arg(i + 1), &p)) return;
    zadd.push_back(std::to_string(EncodeWgs84(p.lon, p.lat)));
    zadd.emplace_back(ctx.arg(i + 2));
  }
  // The rest is ZADD's work (and what replicas and the AOF see).
  Command* cmd = ctx.server->commands().Find("zadd");
  std::vector<std::string_view> views(zadd.begin(), zadd.end());
  CommandContext sub(ctx.server, ctx.client, cmd, views, ctx.reply);
  cmd->handler(sub);
  ctx.PropagateAs(zadd);
}

std::optional<Point> MemberPosition(const ZSetObject* z, std::string_view member) {
  if (z == nullptr) return std::nullopt;
  std::optional<double> score = z->Score(member);
  if (!score) return std::nullopt;
  return Decode(static_cast<uint64_t>(*score));
}

// GEODIST key member1 member2 [M | KM | FT | MI]
void GeoDist(CommandContext& ctx) {
  double unit = 1;
  if (ctx.argc() == 5) {
    unit = ParseUnit(ctx, ctx.arg(4));
    if (unit == 0) return;
  } else if (ctx.argc() > 5) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool wrong_type;
  ZSetObject* z = ReadZSet(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  auto a = MemberPosition(z, ctx.arg(2)), b = MemberPosition(z, ctx.arg(3));
  if (!a || !b) {
    ctx.reply.Null();
    return;
  }
  ctx.reply.Bulk(DistanceText(Distance(*a, *b) / unit));
}

// GEOHASH key [member [member ...]]
void GeoHash(CommandContext& ctx) {
  bool wrong_type;
  ZSetObject* z = ReadZSet(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); i++) {
    auto p = MemberPosition(z, ctx.arg(i));
    if (p)
      ctx.reply.Bulk(GeohashText(*p));
    else
      ctx.reply.Null();
  }
}

void ReplyCoords(ReplyBuilder& reply, Point p) {
  reply.ArrayHeader(2);
  if (reply.resp() == 3) {
    reply.Raw("," + CoordText(p.lon) + "\r\n," + CoordText(p.lat) + "\r\n");
  } else {
    reply.Bulk(CoordText(p.lon));
    reply.Bulk(CoordText(p.lat));
  }
}

// GEOPOS key [member [member ...]]
void GeoPos(CommandContext& ctx) {
  bool wrong_type;
  ZSetObject* z = ReadZSet(ctx, ctx.arg(1), &wrong_type);
  if (wrong_type) return;
  ctx.reply.ArrayHeader(static_cast<int64_t>(ctx.argc() - 2));
  for (size_t i = 2; i < ctx.argc(); i++) {
    auto p = MemberPosition(z, ctx.arg(i));
    if (p)
      ReplyCoords(ctx.reply, *p);
    else
      ctx.reply.NullArray();
  }
}

// ---- Searching ---------------------------------------------------------------------------------

enum class Sort { kNone, kAsc, kDesc };

struct SearchRequest {
  bool has_center = false;
  bool from_member = false;
  std::string member;
  Point center{};
  bool by_radius = false, by_box = false;
  double radius_m = 0, width_m = 0, height_m = 0, unit = 1;
  Sort sort = Sort::kNone;
  int64_t count = 0;
  bool any = false;
  bool with_dist = false, with_hash = false, with_coord = false;
  std::string store_key;
  bool store = false, store_dist = false;
};

struct Hit {
  std::string_view member;  // points into the searched set, which the command does not change
  double dist_m;
  uint64_t bits;
  Point pos;
};

// Inside the shape? Sets *dist_m to the distance from the centre.
bool InShape(const SearchRequest& req, Point p, double* dist_m) {
  if (req.by_radius) {
    *dist_m = Distance(req.center, p);
    return *dist_m <= req.radius_m;
  }
  if (LatDistance(p.lat, req.center.lat) > req.height_m / 2) return false;
  if (Distance({p.lon, p.lat}, {req.center.lon, p.lat}) > req.width_m / 2) return false;
  *dist_m = Distance(req.center, p);
  return true;
}

// Score ranges [lo, hi) of the cells that together cover the search area.
std::vector<std::pair<uint64_t, uint64_t>> CoveringRanges(const SearchRequest& req) {
  double half_height = req.by_radius ? req.radius_m : req.height_m / 2;
  double half_width = req.by_radius ? req.radius_m : req.width_m / 2;
  double lat_deg = half_height / kEarthRadiusM * 180.0 / kPi;
  double edge_lat = std::min(89.0, std::fabs(req.center.lat) + lat_deg);
  double lon_deg = half_width / kEarthRadiusM * 180.0 / kPi / std::cos(Radians(edge_lat));
  int step = kStep;
  while (step > 0 && ((2 * kLatLimit) / static_cast<double>(1ULL << step) < lat_deg ||
                      (2 * kLonLimit) / static_cast<double>(1ULL << step) < lon_deg)) {
    step--;
  }
  int shift = 2 * (kStep - step);
  if (step <= 1) return {{0, 1ULL << (2 * kStep)}};
  uint64_t cell = EncodeWgs84(req.center.lon, req.center.lat) >> shift;
  int64_t lat_i = Squash(cell), lon_i = Squash(cell >> 1);
  int64_t cells = int64_t{1} << step;
  // A neighbour row or column is only needed when the shape's bounding box reaches into it
  // (Redis skips the others too); every stored position decodes inside its own cell, so the
  // skipped cells hold no member of the shape. The box is widened by 1% for rounding and for the
  // small-angle approximation of the longitude extent, so only small shapes away from the poles
  // are pruned (there the approximation errs by far less than 1%).
  double cell_lat = 2 * kLatLimit / static_cast<double>(cells);
  double cell_lon = 2 * kLonLimit / static_cast<double>(cells);
  double cell_lat_min = -kLatLimit + static_cast<double>(lat_i) * cell_lat;
  double cell_lon_min = -kLonLimit + static_cast<double>(lon_i) * cell_lon;
  double box_lat = lat_deg * 1.01, box_lon = lon_deg * 1.01;
  bool prune = step >= 2 && edge_lat < 80.0 && lon_deg < 10.0;
  int dy_from = prune && req.center.lat - box_lat >= cell_lat_min ? 0 : -1;
  int dy_to = prune && req.center.lat + box_lat <= cell_lat_min + cell_lat ? 0 : 1;
  int dx_from = prune && req.center.lon - box_lon >= cell_lon_min ? 0 : -1;
  int dx_to = prune && req.center.lon + box_lon <= cell_lon_min + cell_lon ? 0 : 1;
  std::set<uint64_t> seen;
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (int dy = dy_from; dy <= dy_to; dy++) {
    int64_t y = lat_i + dy;
    if (y < 0 || y >= cells) continue;
    for (int dx = dx_from; dx <= dx_to; dx++) {
      int64_t x = ((lon_i + dx) % cells + cells) % cells;
      uint64_t c = Interleave(static_cast<uint32_t>(y), static_cast<uint32_t>(x));
      if (!seen.insert(c).second) continue;
      out.emplace_back(c << shift, (c + 1) << shift);
    }
  }
  return out;
}

std::vector<Hit> Search(const ZSetObject& z, const SearchRequest& req) {
  std::vector<Hit> hits;
  size_t limit = req.any ? static_cast<size_t>(req.count) : SIZE_MAX;
  double lat_reject_m = req.radius_m * (1 + 1e-9) + 1e-6;
  for (auto [lo, hi] : CoveringRanges(req)) {
    size_t start = z.CountBelowScore(static_cast<double>(lo), false);
    size_t end = z.CountBelowScore(static_cast<double>(hi), false);
    z.ForEachInRange(start, end, [&](std::string_view member, double score) {
      if (hits.size() >= limit) return;
      uint64_t bits = static_cast<uint64_t>(score);
      Point p = Decode(bits);
      // The latitude difference alone bounds the great-circle distance from below: most
      // candidates outside a radius are rejected without trigonometry (with a margin so that
      // rounding never rejects a point the exact test would keep).
      if (req.by_radius && LatDistance(p.lat, req.center.lat) > lat_reject_m) return;
      double dist;
      if (InShape(req, p, &dist)) hits.push_back({member, dist, bits, p});
    });
    if (hits.size() >= limit) break;
  }
  if (req.sort != Sort::kNone) {
    std::stable_sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
      return req.sort == Sort::kAsc ? a.dist_m < b.dist_m : a.dist_m > b.dist_m;
    });
  }
  if (req.count > 0 && hits.size() > static_cast<size_t>(req.count))
    hits.resize(static_cast<size_t>(req.count));
  return hits;
}

// Sets the search centre to the member's position; false after replying when it is absent.
bool ResolveMember(CommandContext& ctx, const ZSetObject* z, SearchRequest* req) {
  auto p = MemberPosition(z, req->member);
  if (!p) {
    ctx.reply.Error("ERR could not decode requested zset member");
    return false;
  }
  req->center = *p;
  return true;
}

enum class Form { kGeoSearch, kGeoSearchStore, kGeoRadius, kGeoRadiusByMember };

// Parses the options after the fixed arguments; false after replying an error.
// Like Redis, FROMMEMBER's member is looked up as soon as it is parsed (when the key exists).
bool ParseSearchOptions(CommandContext& ctx, Form form, bool read_only, const ZSetObject* z,
                        size_t i, SearchRequest* req) {
  bool search = form == Form::kGeoSearch || form == Form::kGeoSearchStore;
  for (; i < ctx.argc(); i++) {
    std::string_view a = ctx.arg(i);
    size_t left = ctx.argc() - i - 1;
    if (EqualsIgnoreCase(a, "withdist"))
      req->with_dist = true;
    else if (EqualsIgnoreCase(a, "withhash"))
      req->with_hash = true;
    else if (EqualsIgnoreCase(a, "withcoord"))
      req->with_coord = true;
    else if (EqualsIgnoreCase(a, "any"))
      req->any = true;
    else if (EqualsIgnoreCase(a, "asc"))
      req->sort = Sort::kAsc;
    else if (EqualsIgnoreCase(a, "desc"))
      req->sort = Sort::kDesc;
    else if (EqualsIgnoreCase(a, "count") && left >= 1) {
      if (!ParseInt64(ctx.arg(++i), &req->count)) {
        ctx.reply.Error(err::kNotInteger);
        return false;
      }
      if (req->count <= 0) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return false;
      }
    } else if (!search && !read_only && left >= 1 &&
               (EqualsIgnoreCase(a, "store") || EqualsIgnoreCase(a, "storedist"))) {
      req->store = true;
      req->store_dist = EqualsIgnoreCase(a, "storedist");
      req->store_key = std::string(ctx.arg(++i));
    } else if (form == Form::kGeoSearchStore && EqualsIgnoreCase(a, "storedist")) {
      req->store_dist = true;
    } else if (search && EqualsIgnoreCase(a, "frommember") && left >= 1) {
      if (req->has_center) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
      req->has_center = req->from_member = true;
      req->member = std::string(ctx.arg(++i));
      if (z != nullptr && !ResolveMember(ctx, z, req)) return false;
    } else if (search && EqualsIgnoreCase(a, "fromlonlat") && left >= 2) {
      if (req->has_center) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
      if (!ParseLonLat(ctx, ctx.arg(i + 1), ctx.arg(i + 2), &req->center)) return false;
      req->has_center = true;
      i += 2;
    } else if (search && EqualsIgnoreCase(a, "byradius") && left >= 2) {
      if (req->by_radius || req->by_box) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
      if (!ParseRadius(ctx, i + 1, &req->radius_m, &req->unit)) return false;
      req->by_radius = true;
      i += 2;
    } else if (search && EqualsIgnoreCase(a, "bybox") && left >= 3) {
      if (req->by_radius || req->by_box) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
      if (!ParseBox(ctx, i + 1, &req->width_m, &req->height_m, &req->unit)) return false;
      req->by_box = true;
      i += 3;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  bool with_any = req->with_dist || req->with_hash || req->with_coord;
  if (form == Form::kGeoSearchStore && with_any) {
    ctx.reply.Error(
        "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return false;
  }
  if (req->store && with_any) {
    ctx.reply.Error(
        "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
        "options");
    return false;
  }
  if (search && !req->has_center) {
    ctx.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                    std::string(ctx.arg(0)));
    return false;
  }
  if (search && !req->by_radius && !req->by_box) {
    ctx.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                    std::string(ctx.arg(0)));
    return false;
  }
  if (req->any && req->count == 0) {
    ctx.reply.Error("ERR the ANY argument requires COUNT argument");
    return false;
  }
  // Without ANY, COUNT keeps the nearest: it implies ascending order.
  if (req->count > 0 && !req->any && req->sort == Sort::kNone) req->sort = Sort::kAsc;
  req->radius_m *= req->unit;
  req->width_m *= req->unit;
  req->height_m *= req->unit;
  return true;
}

void ReplyHits(CommandContext& ctx, const SearchRequest& req, const std::vector<Hit>& hits) {
  int fields = (req.with_dist ? 1 : 0) + (req.with_hash ? 1 : 0) + (req.with_coord ? 1 : 0);
  ctx.reply.ArrayHeader(static_cast<int64_t>(hits.size()));
  for (const Hit& h : hits) {
    if (fields == 0) {
      ctx.reply.Bulk(h.member);
      continue;
    }
    ctx.reply.ArrayHeader(1 + fields);
    ctx.reply.Bulk(h.member);
    if (req.with_dist) ctx.reply.Bulk(DistanceText(h.dist_m / req.unit));
    if (req.with_hash) ctx.reply.Integer(static_cast<int64_t>(h.bits));
    if (req.with_coord) ReplyCoords(ctx.reply, h.pos);
  }
}

void StoreHits(CommandContext& ctx, const SearchRequest& req, const std::vector<Hit>& hits,
               std::string_view event) {
  auto z = ZSetObject::Create(true, ctx.server->rng().Next());
  for (const Hit& h : hits) {
    double score = req.store_dist ? h.dist_m / req.unit : static_cast<double>(h.bits);
    ZSetAddNewMember(ctx, z.get(), h.member, score);
  }
  ctx.reply.Integer(ZSetStore(ctx, req.store_key, std::move(z), event));
}

void SearchGeneric(CommandContext& ctx, Form form, bool read_only) {
  size_t src = form == Form::kGeoSearchStore ? 2 : 1;
  bool wrong_type;
  ZSetObject* z = ReadZSet(ctx, ctx.arg(src), &wrong_type);
  if (wrong_type) return;
  SearchRequest req;
  size_t options = src + 1;
  if (form == Form::kGeoRadius) {
    if (!ParseLonLat(ctx, ctx.arg(2), ctx.arg(3), &req.center)) return;
    options = 4;
  } else if (form == Form::kGeoRadiusByMember) {
    req.from_member = true;
    req.member = std::string(ctx.arg(2));
    if (z != nullptr && !ResolveMember(ctx, z, &req)) return;
    options = 3;
  }
  if (form == Form::kGeoRadius || form == Form::kGeoRadiusByMember) {
    // Redis does not read GEORADIUSBYMEMBER's radius when the key is missing.
    bool skip = form == Form::kGeoRadiusByMember && z == nullptr;
    if (!skip && !ParseRadius(ctx, options, &req.radius_m, &req.unit)) return;
    req.by_radius = req.has_center = true;
    options += 2;
  }
  if (form == Form::kGeoSearchStore) {
    req.store = true;
    req.store_key = std::string(ctx.arg(1));
  }
  if (!ParseSearchOptions(ctx, form, read_only, z, options, &req)) return;
  if (z == nullptr) {
    if (req.store)
      StoreHits(ctx, req, {}, "");
    else
      ctx.reply.EmptyArray();
    return;
  }
  std::vector<Hit> hits = Search(*z, req);
  if (req.store) {
    StoreHits(ctx, req, hits, form == Form::kGeoSearchStore ? "geosearchstore" : "georadiusstore");
  } else {
    ReplyHits(ctx, req, hits);
  }
}

// GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM |
//   FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]]
//   [WITHCOORD] [WITHDIST] [WITHHASH]
void GeoSearch(CommandContext& ctx) { SearchGeneric(ctx, Form::kGeoSearch, true); }
// GEOSEARCHSTORE destination source <...as GEOSEARCH...> [STOREDIST]
void GeoSearchStore(CommandContext& ctx) { SearchGeneric(ctx, Form::kGeoSearchStore, false); }
// GEORADIUS key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH]
//   [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]
void GeoRadius(CommandContext& ctx) { SearchGeneric(ctx, Form::kGeoRadius, false); }
void GeoRadiusRo(CommandContext& ctx) { SearchGeneric(ctx, Form::kGeoRadius, true); }
// GEORADIUSBYMEMBER key member radius <M | KM | FT | MI> [...as GEORADIUS...]
void GeoRadiusByMember(CommandContext& ctx) { SearchGeneric(ctx, Form::kGeoRadiusByMember, false); }
void GeoRadiusByMemberRo(CommandContext& ctx) {
  SearchGeneric(ctx, Form::kGeoRadiusByMember, true);
}

}  // namespace

void RegisterGeoFamily(CommandTable& t) {
  t.Register("geoadd", GeoAdd);
  t.Register("geodist", GeoDist);
  t.Register("geohash", GeoHash);
  t.Register("geopos", GeoPos);
  t.Register("geosearch", GeoSearch);
  t.Register("geosearchstore", GeoSearchStore);
  t.Register("georadius", GeoRadius);
  t.Register("georadius_ro", GeoRadiusRo);
  t.Register("georadiusbymember", GeoRadiusByMember);
  t.Register("georadiusbymember_ro", GeoRadiusByMemberRo);
}

}  // namespace redsim
