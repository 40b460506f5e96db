#include "engine/types/lazy_free.h"

#include <string>
#include <vector>

#include "engine/server/server.h"

namespace redsim {

LazyFreer::LazyFreer(Env* env) : env_(env) {}

LazyFreer::~LazyFreer() {
  *alive_ = false;
  if (scheduled_) env_->CancelTimer(timer_);
  // Whatever is left goes now: the queue's owner is being destroyed.
  values_.clear();
  databases_.clear();
}

void LazyFreer::Free(Value value) {
  Object* obj = value.object();
  if (obj == nullptr || obj->Length() <= kLazyThreshold) return;  // freed on return
  values_.push_back(std::move(value));
  Schedule();
}

void LazyFreer::FreeDatabase(std::unique_ptr<Database> db) {
  if (db->size() == 0) return;
  databases_.push_back(std::move(db));
  Schedule();
}

void LazyFreer::Schedule() {
  if (scheduled_) return;
  scheduled_ = true;
  auto alive = alive_;
  timer_ = env_->AddTimer(0, [this, alive] {
    if (!*alive) return;
    scheduled_ = false;
    Step();
  });
}

bool LazyFreer::OutOfTime(int64_t start_us) const {
  return env_->NowMicros() - start_us >= kStepBudgetMicros;
}

size_t LazyFreer::StepValue(size_t budget) {
  Value& v = values_.front();
  // Freeing in slices keeps each call short; the final delete is then cheap.
  constexpr size_t kSlice = 4096;
  size_t spent = 0;
  bool done = false;
  while (spent < budget && !done) {
    size_t slice = std::min(kSlice, budget - spent);
    done = v.object()->FreeSomeElements(slice);
    spent += slice;
  }
  if (done) {
    values_.pop_front();  // destroys what is left
    freed_objects_++;
  }
  return spent;
}

size_t LazyFreer::StepDatabase(size_t budget) {
  Database* db = databases_.front().get();
  size_t spent = 0;
  std::vector<std::string> keys;
  while (spent < budget && db->size() > 0) {
    keys.clear();
    db_cursor_ = db->table().Scan(db_cursor_, [&](DbEntry* e) { keys.emplace_back(e->key()); });
    for (const auto& k : keys) {
      DbEntry* e = db->Detach(k);
      if (e == nullptr) continue;
      Free(std::move(e->value));  // big values join the queue, small ones go now
      DbEntry::Destroy(e);
      spent++;
    }
    if (db_cursor_ == 0 && db->size() > 0) continue;  // wrapped: start over
  }
  if (db->size() == 0) {
    databases_.pop_front();
    db_cursor_ = 0;
    freed_objects_++;
  }
  return spent;
}

void LazyFreer::Step() {
  int64_t start_us = env_->NowMicros();
  size_t budget = kElementsPerStep;
  while (budget > 0 && pending_objects() > 0) {
    size_t slice = std::min<size_t>(budget, 4096);
    size_t spent = !values_.empty() ? StepValue(slice) : StepDatabase(slice);
    budget -= std::min(budget, std::max<size_t>(spent, 1));
    if (OutOfTime(start_us)) break;
  }
  longest_step_us_ = std::max(longest_step_us_, env_->NowMicros() - start_us);
  if (pending_objects() > 0) Schedule();
}

void LazyFreer::Drain() {
  while (pending_objects() > 0) Step();
  if (scheduled_) {
    env_->CancelTimer(timer_);
    scheduled_ = false;
  }
}

void LazyFree(Server* server, Value value) { server->lazy_freer().Free(std::move(value)); }

}  // namespace redsim
