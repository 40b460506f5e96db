// Sentinel's leader election and failover state machine (SentinelCore's second half).
#include <algorithm>

#include "engine/base/strutil.h"
#include "engine/sentinel/sentinel_core.h"
#include "engine/server/server.h"

namespace redsim {

// ---- Election -------------------------------------------------------------------------------

std::string SentinelCore::VoteLeader(SentinelInstance* m, uint64_t req_epoch,
                                     const std::string& runid, uint64_t* leader_epoch) {
  if (req_epoch > current_epoch_) {
    current_epoch_ = req_epoch;
    FlushConfig();
    Event("+new-epoch", m->name, current_epoch_, std::to_string(current_epoch_));
  }
  if (m->leader_epoch < req_epoch && current_epoch_ <= req_epoch) {
    m->leader = runid;
    m->leader_epoch = current_epoch_;
    votes_[{m->name, m->leader_epoch}] = runid;
    // The vote is on disk before anyone hears of it, so a restart cannot vote twice.
    FlushConfig();
    Event("+vote-for-leader", m->name, m->leader_epoch,
          runid + " " + std::to_string(m->leader_epoch));
    // Not ourselves: wait before trying our own failover, so that the one we voted for has time.
    if (runid != my_id_) {
      m->failover_start_us =
          NowUs() + static_cast<int64_t>(server_->rng().Uniform(timings_.max_desync_ms)) * 1000;
    }
  }
  *leader_epoch = m->leader_epoch;
  return m->leader;
}

std::string SentinelCore::GetLeader(SentinelInstance* m, uint64_t epoch) {
  std::map<std::string, int> counters;
  int voters = static_cast<int>(m->sentinels.size()) + 1;
  for (const auto& [k, s] : m->sentinels) {
    if (!s->leader.empty() && s->leader_epoch == epoch) counters[s->leader]++;
  }
  // The candidate with most votes so far (ties: smallest run id, the map's order).
  std::string winner;
  int max_votes = 0;
  for (const auto& [id, n] : counters) {
    if (n > max_votes) {
      max_votes = n;
      winner = id;
    }
  }
  // Our own vote: for the leading candidate if there is one, else for ourselves.
  uint64_t vote_epoch = 0;
  std::string myvote = VoteLeader(m, epoch, winner.empty() ? my_id_ : winner, &vote_epoch);
  if (!myvote.empty() && vote_epoch == epoch) {
    int n = ++counters[myvote];
    if (n > max_votes || (n == max_votes && myvote < winner)) {
      max_votes = n;
      winner = myvote;
    }
  }
  if (max_votes < voters / 2 + 1 || max_votes < m->quorum) return "";
  return winner;
}

// ---- Starting a failover --------------------------------------------------------------------

bool SentinelCore::StartFailoverIfNeeded(SentinelInstance* m) {
  if (!m->is(kSriODown) || m->is(kSriFailoverInProgress)) return false;
  int64_t now = NowUs();
  if (m->failover_start_us != kNever &&
      now - m->failover_start_us < m->failover_timeout_ms * 2 * 1000) {
    if (m->failover_delay_logged_us != m->failover_start_us) {
      m->failover_delay_logged_us = m->failover_start_us;
      int64_t wait_s = (m->failover_start_us + m->failover_timeout_ms * 2 * 1000 - now) / 1'000'000;
      server_->log().Warning(
          "Next failover delay: I will not start a failover before {} s from now", wait_s);
    }
    return false;
  }
  StartFailover(m);
  return true;
}

void SentinelCore::StartFailover(SentinelInstance* m) {
  m->failover_state = FailoverState::kWaitStart;
  m->flags |= kSriFailoverInProgress;
  current_epoch_++;
  m->failover_epoch = current_epoch_;
  Event("+new-epoch", m->name, current_epoch_, std::to_string(current_epoch_));
  EventAbout("+try-failover", m);
  int64_t now = NowUs();
  m->failover_start_us =
      now + static_cast<int64_t>(server_->rng().Uniform(timings_.max_desync_ms)) * 1000;
  m->failover_state_change_us = now;
}

std::string SentinelCore::ForceFailover(SentinelInstance* m) {
  if (m->is(kSriFailoverInProgress)) return "INPROG Failover already in progress";
  if (SelectReplica(m) == nullptr) return "NOGOODSLAVE No suitable replica to promote";
  server_->log().Warning("Executing user requested FAILOVER of '{}'", m->name);
  StartFailover(m);
  m->flags |= kSriForceFailover;
  return "";
}

// ---- The state machine ----------------------------------------------------------------------

void SentinelCore::FailoverStateMachine(SentinelInstance* m) {
  if (!m->is(kSriFailoverInProgress)) return;
  switch (m->failover_state) {
    case FailoverState::kWaitStart:
      FailoverWaitStart(m);
      break;
    case FailoverState::kSelectSlave:
      FailoverSelectSlave(m);
      break;
    case FailoverState::kSendSlaveofNoone:
      FailoverSendNoOne(m);
      break;
    case FailoverState::kWaitPromotion:
      FailoverWaitPromotion(m);
      break;
    case FailoverState::kReconfSlaves:
      FailoverReconfNext(m);
      break;
    default:
      break;
  }
}

void SentinelCore::FailoverWaitStart(SentinelInstance* m) {
  std::string leader = GetLeader(m, m->failover_epoch);
  bool is_leader = leader == my_id_;
  if (!is_leader && !m->is(kSriForceFailover)) {
    int64_t election_timeout_ms = std::min(timings_.election_timeout_ms, m->failover_timeout_ms);
    if (NowUs() - m->failover_start_us > election_timeout_ms * 1000) {
      EventAbout("-failover-abort-not-elected", m);
      AbortFailover(m);
    }
    return;
  }
  EventAbout("+elected-leader", m);
  if (simulate_failure_flags & 1) {
    server_->log().Warning("Simulated crash after election");
    server_->Shutdown(false, true, true, true);
    return;
  }
  m->failover_state = FailoverState::kSelectSlave;
  m->failover_state_change_us = NowUs();
  EventAbout("+failover-state-select-slave", m);
}

void SentinelCore::FailoverSelectSlave(SentinelInstance* m) {
  SentinelInstance* r = SelectReplica(m);
  if (r == nullptr) {
    EventAbout("-failover-abort-no-good-slave", m);
    AbortFailover(m);
    return;
  }
  EventAbout("+selected-slave", r);
  r->flags |= kSriPromoted;
  m->promoted = r;
  m->failover_state = FailoverState::kSendSlaveofNoone;
  m->failover_state_change_us = NowUs();
  EventAbout("+failover-state-send-slaveof-noone", r);
}

void SentinelCore::FailoverSendNoOne(SentinelInstance* m) {
  SentinelInstance* r = m->promoted;
  if (!r->cmd->connected()) {
    if (NowUs() - m->failover_state_change_us > m->failover_timeout_ms * 1000) {
      EventAbout("-failover-abort-slave-timeout", m);
      AbortFailover(m);
    }
    return;
  }
  if (!SendReplicaOf(r, "", 0)) return;
  EventAbout("+failover-state-wait-promotion", r);
  m->failover_state = FailoverState::kWaitPromotion;
  m->failover_state_change_us = NowUs();
}

void SentinelCore::FailoverWaitPromotion(SentinelInstance* m) {
  if (NowUs() - m->failover_state_change_us > m->failover_timeout_ms * 1000) {
    EventAbout("-failover-abort-slave-timeout", m);
    AbortFailover(m);
  }
}

// The promoted replica reported role:master in its INFO.
void SentinelCore::OnPromoted(SentinelInstance* r) {
  SentinelInstance* m = r->master;
  m->config_epoch = m->failover_epoch;
  m->failover_state = FailoverState::kReconfSlaves;
  m->failover_state_change_us = NowUs();
  FlushConfig();
  EventAbout("+promoted-slave", r);
  if (simulate_failure_flags & 2) {
    server_->log().Warning("Simulated crash after promotion");
    server_->Shutdown(false, true, true, true);
    return;
  }
  EventAbout("+failover-state-reconf-slaves", m);
}

void SentinelCore::FailoverReconfNext(SentinelInstance* m) {
  int64_t now = NowUs();
  int64_t in_progress = 0;
  for (auto& [k, r] : m->replicas) {
    if (r->is(kSriReconfSent | kSriReconfInprog)) in_progress++;
  }
  for (auto& [k, rp] : m->replicas) {
    if (in_progress >= m->parallel_syncs) break;
    SentinelInstance* r = rp.get();
    if (r->is(kSriPromoted | kSriReconfDone)) continue;
    if (r->is(kSriReconfSent) &&
        now - r->reconf_sent_us > timings_.slave_reconf_timeout_ms * 1000) {
      EventAbout("-slave-reconf-sent-timeout", r);
      r->flags = (r->flags & ~kSriReconfSent) | kSriReconfDone;
      continue;
    }
    if (r->is(kSriReconfSent | kSriReconfInprog) || !r->cmd->connected()) continue;
    if (SendReplicaOf(r, m->promoted->ip, m->promoted->port)) {
      r->flags |= kSriReconfSent;
      r->reconf_sent_us = now;
      EventAbout("+slave-reconf-sent", r);
      in_progress++;
    }
  }
  FailoverDetectEnd(m);
}

void SentinelCore::FailoverDetectEnd(SentinelInstance* m) {
  SentinelInstance* p = m->promoted;
  if (p == nullptr || p->is(kSriSDown)) return;
  int not_reconfigured = 0;
  for (auto& [k, r] : m->replicas) {
    if (r->is(kSriPromoted | kSriReconfDone) || r->is(kSriSDown)) continue;
    not_reconfigured++;
  }
  bool timeout = false;
  if (NowUs() - m->failover_state_change_us > m->failover_timeout_ms * 1000) {
    not_reconfigured = 0;
    timeout = true;
    EventAbout("+failover-end-for-timeout", m);
  }
  if (not_reconfigured != 0) return;
  EventAbout("+failover-end", m);
  m->failover_state = FailoverState::kUpdateConfig;
  m->failover_state_change_us = NowUs();
  if (!timeout) return;
  // Out of time: point every replica not yet told at the new primary, without waiting.
  for (auto& [k, r] : m->replicas) {
    if (r->is(kSriPromoted | kSriReconfDone | kSriReconfSent)) continue;
    if (SendReplicaOf(r.get(), p->ip, p->port)) EventAbout("+slave-reconf-sent-be", r.get());
  }
}

void SentinelCore::AbortFailover(SentinelInstance* m) {
  m->flags &= ~(kSriFailoverInProgress | kSriForceFailover);
  m->failover_state = FailoverState::kNone;
  m->failover_state_change_us = NowUs();
  if (m->promoted != nullptr) {
    m->promoted->flags &= ~kSriPromoted;
    m->promoted = nullptr;
  }
  for (auto& [k, r] : m->replicas) {
    r->flags &= ~(kSriReconfSent | kSriReconfInprog | kSriReconfDone);
  }
}

void SentinelCore::SwitchToPromoted(SentinelInstance* m) {
  SentinelInstance* p = m->promoted;
  if (p == nullptr) return;
  std::string new_ip = p->ip;
  int new_port = p->port;
  Event("+switch-master", m->name, m->failover_epoch,
        m->name + " " + m->ip + " " + std::to_string(m->port) + " " + new_ip + " " +
            std::to_string(new_port));
  ResetMasterAndChangeAddress(m, new_ip, new_port);
  FlushConfig();
}

// ---- Choosing the replica -------------------------------------------------------------------

SentinelInstance* SentinelCore::SelectReplica(SentinelInstance* m) {
  int64_t now = NowUs();
  int64_t max_link_down_ms = m->down_after_ms * 10;
  if (m->is(kSriSDown)) max_link_down_ms += (now - m->s_down_since_us) / 1000;
  std::vector<SentinelInstance*> candidates;
  for (auto& [k, rp] : m->replicas) {
    SentinelInstance* r = rp.get();
    if (r->is(kSriSDown | kSriODown)) continue;
    if (!r->cmd->connected()) continue;
    if (now - r->last_avail_us > timings_.ping_period_ms * 5 * 1000) continue;
    if (r->slave_priority == 0) continue;
    int64_t info_validity_ms =
        m->is(kSriSDown) ? timings_.ping_period_ms * 5 : timings_.info_period_ms * 3;
    if (r->info_refresh_us == 0 || now - r->info_refresh_us > info_validity_ms * 1000) continue;
    if (r->master_link_down_ms > max_link_down_ms) continue;
    candidates.push_back(r);
  }
  if (candidates.empty()) return nullptr;
  std::sort(candidates.begin(), candidates.end(),
            [](const SentinelInstance* a, const SentinelInstance* b) {
              if (a->slave_priority != b->slave_priority) {
                return a->slave_priority < b->slave_priority;
              }
              if (a->slave_repl_offset != b->slave_repl_offset) {
                return a->slave_repl_offset > b->slave_repl_offset;
              }
              // An unknown run id sorts last.
              if (a->run_id.empty() != b->run_id.empty()) return b->run_id.empty();
              return a->run_id < b->run_id;
            });
  return candidates.front();
}

}  // namespace redsim
