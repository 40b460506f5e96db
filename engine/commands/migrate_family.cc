// MIGRATE: moves keys to another node (the resharding primitive of Redis Cluster). The keys are
// dumped with the DUMP encoding, sent as RESTORE (RESTORE-ASKING in cluster mode, so an
// importing slot accepts them) over a connection made through the Env, and deleted here once
// the target acknowledged them (unless COPY).
//
// Redis runs MIGRATE synchronously, blocking the whole server. redsim's engine never blocks, so
// the calling client is blocked instead and every other client's commands are held (a CLIENT
// PAUSE ALL bounded by the timeout) until the target answers: no command can see or change the
// keys half-way through, as with Redis.
#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/strutil.h"
#include "engine/commands/families.h"
#include "engine/persistence/rdb_codec.h"
#include "engine/resp/resp_value.h"
#include "engine/server/blocking.h"
#include "engine/server/command_context.h"

namespace redsim {

namespace {

struct MigrateKey {
  std::string key;
  std::string payload;
  int64_t ttl_ms = 0;  // relative; 0 = no expiry
};

struct MigrateJob : public StreamHandler, public std::enable_shared_from_this<MigrateJob> {
  Server* server = nullptr;
  std::shared_ptr<bool> alive;
  uint64_t client_id = 0;
  int db_index = 0;
  bool copy = false;
  std::vector<MigrateKey> keys;
  std::unique_ptr<Stream> stream;
  std::string request;
  std::string input;
  size_t replies_expected = 0;
  size_t replies_seen = 0;
  size_t preamble = 0;  // AUTH and SELECT replies before the per-key ones
  std::vector<bool> key_ok;
  std::string first_error;
  bool done = false;
  std::shared_ptr<MigrateJob> self;  // keeps the job alive until it finishes

  void OnReadable() override;
  void OnWritable() override { Flush(); }
  void Flush();
  void Finish(const std::string& io_error);
};

void MigrateJob::Flush() {
  while (!done && !request.empty()) {
    IoResult r = stream->Write(request.data(), request.size());
    if (r.kind == IoResult::kWouldBlock) return;
    if (r.kind != IoResult::kOk) return Finish("IOERR error or timeout writing to target instance");
    request.erase(0, r.bytes);
  }
}

void MigrateJob::OnReadable() {
  char buf[4096];
  while (!done) {
    IoResult r = stream->Read(buf, sizeof(buf));
    if (r.kind == IoResult::kWouldBlock) return;
    if (r.kind != IoResult::kOk) return Finish("IOERR error or timeout reading to target instance");
    input.append(buf, r.bytes);
    size_t pos = 0;
    while (replies_seen < replies_expected) {
      RespValue v;
      size_t used = 0;
      std::string error;
      auto res = ReplyParser::Parse(input.data() + pos, input.size() - pos, &v, &used, &error);
      if (res == ReplyParser::Result::kNeedMore) break;
      if (res == ReplyParser::Result::kError) return Finish("IOERR " + error);
      pos += used;
      if (v.is_error() && first_error.empty()) {
        first_error = "ERR Target instance replied with error: " + v.str;
      }
      if (replies_seen >= preamble) key_ok[replies_seen - preamble] = !v.is_error();
      replies_seen++;
    }
    input.erase(0, pos);
    if (replies_seen == replies_expected) return Finish("");
  }
}

// Replies to the client (if it is still there), deletes what the target accepted, releases the
// other clients and drops the connection.
void MigrateJob::Finish(const std::string& io_error) {
  if (done) return;
  done = true;
  if (stream != nullptr) {
    stream->SetHandler(nullptr);
    stream->Close();
  }
  if (!*alive) return;
  // Released after the current callback: the stream may be the one whose callback runs now.
  server->env()->Defer([keep = std::move(self)] {});
  server->UnpauseClients();
  Client* c = server->FindClient(client_id);
  Database* db = server->keyspace().db(db_index);
  bool deleted_any = false;
  std::vector<std::string> del = {"DEL"};
  for (size_t i = 0; i < keys.size() && io_error.empty() && !copy; i++) {
    if (!key_ok[i] || !server->keyspace().DeleteKey(db, keys[i].key)) continue;
    server->keyspace().NotifyKeyspaceEvent('g', "del", keys[i].key, db_index);
    del.push_back(keys[i].key);
    deleted_any = true;
  }
  if (deleted_any) {
    server->dirty += del.size() - 1;
    std::vector<std::string_view> views(del.begin(), del.end());
    server->Propagate(db_index, views);
  }
  if (c == nullptr || !c->has(kClientBlocked)) return;
  std::string error = !io_error.empty() ? io_error : first_error;
  if (error.empty()) server->ReplyTo(c).Ok();
  c->block_timeout_reply = nullptr;
  server->blocking().UnblockClient(c, false, error);
}

struct MigrateArgs {
  std::string host;
  int64_t port = 0, db = 0, timeout_ms = 0;
  bool copy = false, replace = false;
  std::vector<std::string> auth;  // AUTH arguments after the command name
  std::vector<std::string_view> keys;
};

bool ParseMigrate(CommandContext& ctx, MigrateArgs* a) {
  a->host = std::string(ctx.arg(1));
  if (!ParseInt64(ctx.arg(2), &a->port) || !ParseInt64(ctx.arg(4), &a->db) ||
      !ParseInt64(ctx.arg(5), &a->timeout_ms)) {
    ctx.reply.Error(err::kNotInteger);
    return false;
  }
  if (a->timeout_ms <= 0) a->timeout_ms = 1000;
  for (size_t i = 6; i < ctx.argc(); i++) {
    std::string_view opt = ctx.arg(i);
    size_t left = ctx.argc() - i - 1;
    if (EqualsIgnoreCase(opt, "copy")) {
      a->copy = true;
    } else if (EqualsIgnoreCase(opt, "replace")) {
      a->replace = true;
    } else if (EqualsIgnoreCase(opt, "auth") && left >= 1) {
      a->auth = {std::string(ctx.arg(++i))};
    } else if (EqualsIgnoreCase(opt, "auth2") && left >= 2) {
      a->auth = {std::string(ctx.arg(i + 1)), std::string(ctx.arg(i + 2))};
      i += 2;
    } else if (EqualsIgnoreCase(opt, "keys")) {
      if (!ctx.arg(3).empty()) {
        ctx.reply.Error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
        return false;
      }
      for (i++; i < ctx.argc(); i++) a->keys.push_back(ctx.arg(i));
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (a->keys.empty()) a->keys.push_back(ctx.arg(3));
  return true;
}

std::string EncodeRequest(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

// Dumps the keys that exist (skipping those already expired); false when the value of one
// cannot be dumped.
bool CollectKeys(CommandContext& ctx, const MigrateArgs& a, std::vector<MigrateKey>* out) {
  for (std::string_view key : a.keys) {
    DbEntry* e = ctx.keyspace().LookupRead(ctx.db(), key);
    if (e == nullptr) continue;
    MigrateKey k;
    k.key = std::string(key);
    if (e->expire_ms != 0) {
      k.ttl_ms = e->expire_ms - ctx.now_ms();
      if (k.ttl_ms < 0) continue;
      if (k.ttl_ms == 0) k.ttl_ms = 1;
    }
    std::string body;
    rdb::Encoder enc(&body, ctx.server->config().rdbcompression);
    if (!rdb::SaveValue(e->value, enc)) return false;
    k.payload = rdb::MakeDumpPayload(body);
    out->push_back(std::move(k));
  }
  return true;
}

void StartJob(CommandContext& ctx, const MigrateArgs& a, std::shared_ptr<MigrateJob> job) {
  Server* server = ctx.server;
  const char* restore = server->cluster() != nullptr ? "RESTORE-ASKING" : "RESTORE";
  if (!a.auth.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    auth.insert(auth.end(), a.auth.begin(), a.auth.end());
    job->request += EncodeRequest(auth);
    job->preamble++;
  }
  job->request += EncodeRequest({"SELECT", std::to_string(a.db)});
  job->preamble++;
  for (const MigrateKey& k : job->keys) {
    std::vector<std::string> cmd = {restore, k.key, std::to_string(k.ttl_ms), k.payload};
    if (a.replace) cmd.push_back("REPLACE");
    job->request += EncodeRequest(cmd);
  }
  job->replies_expected = job->preamble + job->keys.size();
  job->key_ok.assign(job->keys.size(), false);
  job->self = job;
  std::weak_ptr<MigrateJob> weak = job;
  std::vector<std::string_view> no_args;
  server->blocking().BlockClient(ctx.client, no_args, nullptr, {}, ctx.now_ms() + a.timeout_ms,
                                 [weak](Client*, ReplyBuilder& r) {
                                   r.Error("IOERR error or timeout reading to target instance");
                                   if (auto j = weak.lock()) j->Finish("timeout");
                                 });
  int64_t timeout_us = a.timeout_ms * 1000;
  server->PauseClients(/*all=*/true, server->env()->NowMicros() + timeout_us);
  server->env()->Connect(a.host, static_cast<int>(a.port), timeout_us,
                         [weak](Status s, std::unique_ptr<Stream> stream) {
                           auto j = weak.lock();
                           if (j == nullptr || j->done || !*j->alive) return;
                           if (!s.ok()) {
                             return j->Finish("IOERR error or timeout connecting to the client");
                           }
                           j->stream = std::move(stream);
                           j->stream->SetHandler(j.get());
                           j->Flush();
                         });
}

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
//   [AUTH2 username password] [KEYS key [key ...]]
void Migrate(CommandContext& ctx) {
  MigrateArgs a;
  if (!ParseMigrate(ctx, &a)) return;
  if (ctx.client->has(kClientDenyBlocking)) {
    return ctx.reply.Error("ERR redsim runs MIGRATE only outside MULTI and scripts");
  }
  auto job = std::make_shared<MigrateJob>();
  if (!CollectKeys(ctx, a, &job->keys))
    return ctx.reply.Error("ERR DUMP of this type is not supported");
  if (job->keys.empty()) return ctx.reply.Simple("NOKEY");
  job->server = ctx.server;
  job->alive = ctx.server->alive_token();
  job->client_id = ctx.client->id();
  job->db_index = ctx.client->db_index;
  job->copy = a.copy;
  StartJob(ctx, a, std::move(job));
}

}  // namespace

void RegisterMigrateFamily(CommandTable& t) { t.Register("migrate", Migrate); }

}  // namespace redsim
