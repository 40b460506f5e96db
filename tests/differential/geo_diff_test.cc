// Differential tests of the geo commands against the real redis-server: random points (spread
// over the globe and clustered around a few centres, including near the poles' latitude limit and
// the antimeridian), random searches by radius and box from coordinates and members, every
// option, STORE forms and bad arguments. Positions, hashes and distances must match to the
// printed precision.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "tests/support/differential.h"

namespace redsim::testing {
namespace {

bool HasWord(const Command& cmd, const char* word) {
  return std::any_of(cmd.begin(), cmd.end(), [&](const std::string& a) {
    return a.size() == strlen(word) && strncasecmp(a.c_str(), word, a.size()) == 0;
  });
}

// Without ASC/DESC (or COUNT, which implies ASC) Redis returns matches in the order it visits its
// geohash cells, which is not part of the command's contract: compare them as sets.
RespValue SortUnordered(const Command& cmd, RespValue reply) {
  if (HasWord(cmd, "asc") || HasWord(cmd, "desc") || HasWord(cmd, "count")) return reply;
  if (reply.type != RespValue::Type::kArray) return reply;
  std::sort(reply.elements.begin(), reply.elements.end(),
            [](const RespValue& a, const RespValue& b) {
              const std::string& x = a.elements.empty() ? a.str : a.elements[0].str;
              const std::string& y = b.elements.empty() ? b.str : b.elements[0].str;
              return x < y;
            });
  return reply;
}

// COUNT n ANY returns the first n matches found, which depend on that visiting order too: only
// the number of matches is compared.
bool AnyComparator(const Command& cmd, const RespValue& a, const RespValue& b) {
  if (!HasWord(cmd, "any")) return SortUnordered(cmd, a) == SortUnordered(cmd, b);
  if (a.type != b.type) return false;
  if (a.type == RespValue::Type::kArray) return a.elements.size() == b.elements.size();
  return a == b;
}

const bool kRegistered = [] {
  for (const char* c :
       {"geosearch", "georadius", "georadius_ro", "georadiusbymember", "georadiusbymember_ro"}) {
    RegisterComparator(c, AnyComparator);
  }
  return true;
}();

std::string Num(double v) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

rc::Gen<std::pair<std::string, std::string>> GenLonLat() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](int lon, int lat) { return std::make_pair(Num(lon / 1e4), Num(lat / 1e4)); },
          rc::gen::inRange(-1800000, 1800001), rc::gen::inRange(-850511, 850512)),
      // Clusters near a few centres so searches find something.
      rc::gen::apply(
          [](int centre, int dlon, int dlat) {
            static const double kCentres[][2] = {
                {13.4, 38.1}, {179.99, 10}, {-0.1, 51.5}, {20, 85}};
            return std::make_pair(Num(std::clamp(kCentres[centre][0] + dlon / 1e3, -180.0, 180.0)),
                                  Num(std::clamp(kCentres[centre][1] + dlat / 1e3, -85.05, 85.05)));
          },
          rc::gen::inRange(0, 4), rc::gen::inRange(-2000, 2001), rc::gen::inRange(-2000, 2001)),
      rc::gen::element(std::make_pair(std::string("181"), std::string("0")),
                       std::make_pair(std::string("0"), std::string("85.06")),
                       std::make_pair(std::string("x"), std::string("1")),
                       std::make_pair(std::string("180"), std::string("-85.05112878"))));
}

rc::Gen<std::string> GenMember() {
  return rc::gen::element<std::string>("a", "b", "c", "d", "e", "f", "g", "h", "nope");
}

rc::Gen<std::string> GenUnit() {
  return rc::gen::element<std::string>("m", "km", "KM", "mi", "ft", "yd");
}

// Radii stay below a few thousand km: for radii around the size of the Earth, Redis's covering
// cells miss points across the antimeridian (GEORADIUS g 180 -85.05 20000000 km does not find a
// member at -180,-85.05), while redsim returns every member inside the shape.
rc::Gen<std::string> GenDistance() {
  return rc::gen::element<std::string>("0", "1", "500", "1000", "5000", "200", "3000", "-1", "x");
}

rc::Gen<std::vector<std::string>> GenOptions(bool store_ok) {
  auto opt = rc::gen::oneOf(
      rc::gen::element(std::vector<std::string>{"WITHDIST"}, std::vector<std::string>{"WITHHASH"},
                       std::vector<std::string>{"WITHCOORD"}, std::vector<std::string>{"ASC"},
                       std::vector<std::string>{"DESC"}, std::vector<std::string>{"ANY"}),
      rc::gen::map(rc::gen::element<std::string>("1", "2", "5", "0", "-1", "x"),
                   [](std::string n) {
                     return std::vector<std::string>{"COUNT", n};
                   }),
      rc::gen::map(rc::gen::element<std::string>("STORE", "STOREDIST"), [store_ok](std::string s) {
        return store_ok ? std::vector<std::string>{s, "dst"} : std::vector<std::string>{"WITHDIST"};
      }));
  return rc::gen::map(rc::gen::container<std::vector<std::vector<std::string>>>(opt),
                      [](std::vector<std::vector<std::string>> parts) {
                        std::vector<std::string> flat;
                        for (auto& p : parts) flat.insert(flat.end(), p.begin(), p.end());
                        return flat;
                      });
}

Command Join(Command head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

rc::Gen<Command> GenSearch() {
  return rc::gen::apply(
      [](std::string store, std::string key, int from, std::pair<std::string, std::string> ll,
         std::string member, int by, std::string d1, std::string d2, std::string unit,
         std::vector<std::string> opts, bool storedist) {
        Command c = store == "" ? Command{"GEOSEARCH", key} : Command{"GEOSEARCHSTORE", "dst", key};
        if (from == 0 || from == 2) c.insert(c.end(), {"FROMLONLAT", ll.first, ll.second});
        if (from == 1 || from == 2) c.insert(c.end(), {"FROMMEMBER", member});
        if (by == 0 || by == 2) c.insert(c.end(), {"BYRADIUS", d1, unit});
        if (by == 1 || by == 2) c.insert(c.end(), {"BYBOX", d1, d2, unit});
        c = Join(c, opts);
        if (store != "" && storedist) c.push_back("STOREDIST");
        return c;
      },
      rc::gen::element<std::string>("", "", "store"),
      rc::gen::element<std::string>("g", "g", "none", "str"), rc::gen::element(0, 1, 0, 1, 2, 3),
      GenLonLat(), GenMember(), rc::gen::element(0, 1, 0, 1, 2, 3), GenDistance(), GenDistance(),
      GenUnit(), GenOptions(false), rc::gen::arbitrary<bool>());
}

rc::Gen<Command> GenRadius() {
  return rc::gen::apply(
      [](int form, std::pair<std::string, std::string> ll, std::string member, std::string d,
         std::string unit, std::vector<std::string> opts) {
        static const char* kForms[] = {"GEORADIUS", "GEORADIUS_RO", "GEORADIUSBYMEMBER",
                                       "GEORADIUSBYMEMBER_RO"};
        Command c{kForms[form], "g"};
        if (form < 2)
          c.insert(c.end(), {ll.first, ll.second});
        else
          c.push_back(member);
        c.insert(c.end(), {d, unit});
        return Join(c, opts);
      },
      rc::gen::inRange(0, 4), GenLonLat(), GenMember(), GenDistance(), GenUnit(), GenOptions(true));
}

rc::Gen<Command> GenGeoCommand() {
  return rc::gen::oneOf(
      rc::gen::apply(
          [](std::vector<std::string> flags, std::vector<std::pair<std::string, std::string>> pts,
             std::vector<std::string> members) {
            Command c = Join({"GEOADD", "g"}, flags);
            for (size_t i = 0; i < pts.size(); i++) {
              c.insert(c.end(), {pts[i].first, pts[i].second, members[i % members.size()]});
            }
            return c;
          },
          rc::gen::container<std::vector<std::string>>(
              rc::gen::element<std::string>("NX", "XX", "CH")),
          rc::gen::nonEmpty(
              rc::gen::container<std::vector<std::pair<std::string, std::string>>>(GenLonLat())),
          rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(GenMember()))),
      GenSearch(), GenSearch(), GenRadius(),
      rc::gen::apply(
          [](std::string a, std::string b, std::string u) {
            return Command{"GEODIST", "g", a, b, u};
          },
          GenMember(), GenMember(), GenUnit()),
      rc::gen::apply(
          [](std::string a, std::string b) {
            return Command{"GEODIST", "g", a, b};
          },
          GenMember(), GenMember()),
      rc::gen::apply(
          [](std::vector<std::string> m) {
            return Join({"GEOPOS", "g"}, m);
          },
          rc::gen::container<std::vector<std::string>>(GenMember())),
      rc::gen::apply(
          [](std::vector<std::string> m) {
            return Join({"GEOHASH", "g"}, m);
          },
          rc::gen::container<std::vector<std::string>>(GenMember())),
      rc::gen::just(Command{"ZRANGE", "dst", "0", "-1", "WITHSCORES"}),
      rc::gen::just(Command{"ZRANGE", "g", "0", "-1", "WITHSCORES"}),
      rc::gen::just(Command{"SET", "str", "x"}),
      rc::gen::element(
          Command{"GEOADD", "g", "1", "2"}, Command{"GEOADD", "g", "NX", "XX", "1", "2", "a"},
          Command{"GEOPOS", "str", "a"}, Command{"GEODIST", "g", "a", "b", "km", "x"}));
}

void RunGeo(int resp) {
  if (!ServerProcess::RedisAvailable()) GTEST_SKIP() << "redis-server not installed";
  DifferentialPair* pair = DifferentialPair::Get();
  ASSERT_NE(pair, nullptr) << "could not start redis-server and redsim-server";
  bool ok = rc::check("geo commands give the same replies", [pair, resp] {
    auto seq = *rc::gen::container<std::vector<Command>>(GenGeoCommand());
    pair->Reset();
    if (resp == 3) {
      pair->redis().Call({"HELLO", "3"});
      pair->redsim().Call({"HELLO", "3"});
    }
    std::string mismatch = pair->CheckSequence(seq);
    RC_ASSERT(mismatch == "");
  });
  EXPECT_TRUE(ok);
}

TEST(GeoDifferential, RandomSequencesMatchRedis) { RunGeo(2); }
TEST(GeoDifferential, RandomSequencesMatchRedisResp3) { RunGeo(3); }

}  // namespace
}  // namespace redsim::testing
