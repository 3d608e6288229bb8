// The token loop of one llama.cpp context, on its own thread: decode -> sample -> stop checks
// for every sequence of the context, with no JavaScript between steps. Tokens go to JavaScript
// in batches through one threadsafe function (flat Int32Array events, see Event below).
//
// The llama_context and llama_model are node-llama-cpp's own: this addon unwraps its
// AddonContext / AddonModel objects (compiled against node-llama-cpp's addon headers, so the
// member offsets are the ones its addon was built with) and checks what it found (the context's
// model pointer is the model object, llama_get_model(ctx) is that model's llama_model) before
// using it. Nothing of node-llama-cpp runs on the context while this loop decodes: JavaScript
// parks the loop (park/unpark) around every KV-cache operation it lets node-llama-cpp do.

#include <napi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "llama.h"
#include "llama_api.h"
#include "AddonContext.h"
#include "AddonModel.h"

namespace {

LlamaApi api_;
bool apiLoaded_ = false;

// Event kinds in the flat event stream: [seq, kind, a, b] per event.
enum EventKind : int32_t {
  EV_TOKEN = 1,   // a = token, b = tokens in the sequence's KV cells when it was sampled
  EV_DONE = 2,    // a = reason (DoneReason), b = tokens in the sequence's KV cells
  EV_PARKED = 3,  // the loop waits between steps (seq = -1)
  EV_ERROR = 4,   // a = llama_decode's status (or -1000 for no logits / failed sample)
};

enum DoneReason : int32_t { DONE_EOG = 1, DONE_MAX_TOKENS = 2, DONE_CONTEXT_FULL = 3, DONE_STOPPED = 4, DONE_ERROR = 5 };

struct Sequence {
  int32_t id = 0;
  uint64_t order = 0;  // arrival, for prompt order
  std::vector<llama_token> prompt;  // tokens still to decode before the first sample
  size_t promptDone = 0;
  llama_pos pos = 0;  // tokens in the KV cells
  llama_token last = -1;  // sampled, not decoded yet
  bool generating = false;  // last is set and waits to be decoded
  int32_t generated = 0;
  int32_t maxTokens = 0;
  int32_t contextSize = 0;
  bool paused = false;
  bool stopRequested = false;
  llama_sampler* chain = nullptr;
  llama_sampler* penalties = nullptr;  // owned by chain
  llama_sampler* grammar = nullptr;  // owned here, applied apart from the chain
  std::vector<llama_token_data> candidates;

  ~Sequence() {
    if (chain) api_.llama_sampler_free(chain);
    if (grammar) api_.llama_sampler_free(grammar);
  }
};

class TokenLoop : public Napi::ObjectWrap<TokenLoop> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports) {
    Napi::Function cls = DefineClass(env, "TokenLoop",
                                     {InstanceMethod("start", &TokenLoop::Start), InstanceMethod("stop", &TokenLoop::Stop),
                                      InstanceMethod("pause", &TokenLoop::Pause), InstanceMethod("park", &TokenLoop::Park),
                                      InstanceMethod("unpark", &TokenLoop::Unpark), InstanceMethod("close", &TokenLoop::Close),
                                      InstanceMethod("info", &TokenLoop::Info), InstanceMethod("ref", &TokenLoop::SetRef),
                                      InstanceMethod("expect", &TokenLoop::Expect)});
    exports.Set("TokenLoop", cls);
    return exports;
  }

  // new TokenLoop(addonContext, addonModel, onEvents, { packPrompts })
  TokenLoop(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TokenLoop>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsObject() || !info[2].IsFunction()) {
      Napi::TypeError::New(env, "TokenLoop(addonContext, addonModel, onEvents, options)").ThrowAsJavaScriptException();
      return;
    }
    std::string apiError;
    if (!apiLoaded_ && !(apiLoaded_ = loadLlamaApi(api_, apiError))) {
      Napi::Error::New(env, apiError).ThrowAsJavaScriptException();
      return;
    }
    void* ctxWrap = nullptr;
    void* modelWrap = nullptr;
    if (napi_unwrap(env, info[0], &ctxWrap) != napi_ok || napi_unwrap(env, info[1], &modelWrap) != napi_ok || !ctxWrap || !modelWrap) {
      Napi::Error::New(env, "not node-llama-cpp context/model objects").ThrowAsJavaScriptException();
      return;
    }
    // ObjectWrap<T> is T's only base, so the wrapped pointer is the object's address
    auto* addonCtx = static_cast<AddonContext*>(static_cast<Napi::ObjectWrap<AddonContext>*>(ctxWrap));
    auto* addonModel = static_cast<AddonModel*>(static_cast<Napi::ObjectWrap<AddonModel>*>(modelWrap));
    if (addonCtx->model != addonModel || addonCtx->ctx == nullptr || addonModel->model == nullptr ||
        api_.llama_get_model(addonCtx->ctx) != addonModel->model) {
      Napi::Error::New(env, "node-llama-cpp's context layout is not the one this addon was built for").ThrowAsJavaScriptException();
      return;
    }
    ctx_ = addonCtx->ctx;
    vocab_ = api_.llama_model_get_vocab(addonModel->model);
    nVocab_ = api_.llama_vocab_n_tokens(vocab_);
    nBatch_ = static_cast<int32_t>(api_.llama_n_batch(ctx_));
    nSeqMax_ = static_cast<int32_t>(api_.llama_n_seq_max(ctx_));
    if (info.Length() > 3 && info[3].IsObject()) {
      auto options = info[3].As<Napi::Object>();
      if (options.Has("packPrompts")) packPrompts_ = options.Get("packPrompts").ToBoolean().Value();
    }
    contextRef_ = Napi::Persistent(info[0].As<Napi::Object>());
    modelRef_ = Napi::Persistent(info[1].As<Napi::Object>());
    batch_ = api_.llama_batch_init(nBatch_, 0, 1);
    // the object outlives every queued hand-off: it is kept from the GC until the threadsafe
    // function is finalized (after close() released it and its queue drained)
    Ref();
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "spin-ts-token-loop", 0, 1, [this](Napi::Env) { Unref(); });
    tsfn_.Unref(env);
    thread_ = std::thread([this] { Run(); });
  }

  ~TokenLoop() { Shutdown(); }

 private:
  llama_context* ctx_ = nullptr;
  const llama_vocab* vocab_ = nullptr;
  int32_t nVocab_ = 0;
  int32_t nBatch_ = 0;
  int32_t nSeqMax_ = 0;
  bool packPrompts_ = false;
  Napi::ObjectReference contextRef_;
  Napi::ObjectReference modelRef_;
  Napi::ThreadSafeFunction tsfn_;
  llama_batch batch_{};
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<int32_t, std::unique_ptr<Sequence>> sequences_;  // by id: the batch goes in id order
  uint64_t arrivals_ = 0;
  int32_t parkRequests_ = 0;
  bool parked_ = false;
  bool quit_ = false;
  bool closed_ = false;
  int32_t expected_ = 0;  // calls about to start a sequence (expect)
  std::chrono::steady_clock::time_point holdUntil_{};
  bool referenced_ = false;  // the event loop stays alive for this loop's events (main thread only)
  std::vector<int32_t> inBatch_;  // the sequences of the batch being decoded
  std::atomic<double> batches_{0};  // batches decoded, for stats

  std::mutex outMutex_;
  std::vector<int32_t> outbox_;
  bool callPending_ = false;

  // ---- main thread -------------------------------------------------------------------------

  // start(seqId, promptTokens Int32Array, startPos, penaltyTokens Int32Array, params)
  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (closed_) {
      Napi::Error::New(env, "token loop closed").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto seq = std::make_unique<Sequence>();
    seq->id = info[0].As<Napi::Number>().Int32Value();
    auto prompt = info[1].As<Napi::Int32Array>();
    seq->prompt.assign(prompt.Data(), prompt.Data() + prompt.ElementLength());
    seq->pos = info[2].As<Napi::Number>().Int32Value();
    auto penaltyTokens = info[3].As<Napi::Int32Array>();
    auto p = info[4].As<Napi::Object>();
    auto num = [&](const char* key, double fallback) {
      auto v = p.Get(key);
      return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
    };
    seq->maxTokens = static_cast<int32_t>(num("maxTokens", 0));
    seq->contextSize = static_cast<int32_t>(num("contextSize", 0));
    if (seq->id < 0 || seq->id >= nSeqMax_ || seq->prompt.empty()) {
      Napi::RangeError::New(env, "bad sequence id or empty prompt").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    std::string grammarError;
    if (!BuildSampler(*seq, p, penaltyTokens, grammarError)) {
      Napi::Error::New(env, grammarError).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (sequences_.count(seq->id)) {
        Napi::Error::New(env, "sequence already running").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      seq->order = arrivals_++;
      sequences_[seq->id] = std::move(seq);
    }
    wake_.notify_all();
    return env.Undefined();
  }

  // The same chain node-llama-cpp's sampler builds (AddonSampler::rebuildChainIfNeeded), so the
  // same logits and seed give the same tokens: logit bias, penalties, then greedy, or
  // top-k, top-p, min-p, temperature, dist(seed). The grammar is tried on the sampled token
  // first and applied to all candidates only when it rejects it, as node-llama-cpp does.
  bool BuildSampler(Sequence& seq, Napi::Object p, Napi::Int32Array penaltyTokens, std::string& error) {
    auto get = [&](const char* key) { return p.Get(key); };
    auto num = [&](const char* key, double fallback) {
      auto v = get(key);
      return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
    };
    seq.chain = api_.llama_sampler_chain_init(api_.llama_sampler_chain_default_params());
    auto keys = get("biasKeys");
    auto values = get("biasValues");
    if (keys.IsTypedArray() && values.IsTypedArray()) {
      auto k = keys.As<Napi::Uint32Array>();
      auto v = values.As<Napi::Float32Array>();
      if (k.ElementLength() == v.ElementLength() && k.ElementLength() > 0) {
        std::vector<llama_logit_bias> biases;
        for (size_t i = 0; i < k.ElementLength(); i++) biases.push_back({static_cast<llama_token>(k[i]), v[i]});
        api_.llama_sampler_chain_add(seq.chain, api_.llama_sampler_init_logit_bias(nVocab_, static_cast<int32_t>(biases.size()), biases.data()));
      }
    }
    const int32_t window = static_cast<int32_t>(num("penaltyLastN", 0));
    const float repeat = static_cast<float>(num("repeatPenalty", 1));
    const float frequency = static_cast<float>(num("frequencyPenalty", 0));
    const float presence = static_cast<float>(num("presencePenalty", 0));
    if (window > 0 && (repeat != 1.0f || frequency != 0.0f || presence != 0.0f)) {
      seq.penalties = api_.llama_sampler_init_penalties(nVocab_, window, repeat, frequency, presence);
      for (size_t i = 0; i < penaltyTokens.ElementLength(); i++) api_.llama_sampler_accept(seq.penalties, penaltyTokens[i]);
      api_.llama_sampler_chain_add(seq.chain, seq.penalties);
    }
    const float temperature = static_cast<float>(num("temperature", 0));
    if (temperature <= 0.0f) {
      api_.llama_sampler_chain_add(seq.chain, api_.llama_sampler_init_greedy());
    } else {
      const int32_t topK = static_cast<int32_t>(num("topK", 40));
      api_.llama_sampler_chain_add(seq.chain, api_.llama_sampler_init_top_k(topK <= 0 ? nVocab_ : std::min(topK, nVocab_)));
      const float topP = static_cast<float>(num("topP", 0.95));
      if (topP >= 0.0f && topP <= 1.0f) api_.llama_sampler_chain_add(seq.chain, api_.llama_sampler_init_top_p(topP, 1));
      const float minP = static_cast<float>(num("minP", 0));
      if (minP > 0.0f) api_.llama_sampler_chain_add(seq.chain, api_.llama_sampler_init_min_p(minP, 1));
      api_.llama_sampler_chain_add(seq.chain, api_.llama_sampler_init_temp(temperature));
      api_.llama_sampler_chain_add(seq.chain, api_.llama_sampler_init_dist(static_cast<uint32_t>(num("seed", 0))));
    }
    auto grammar = get("grammar");
    if (grammar.IsString()) {
      std::string text = grammar.As<Napi::String>().Utf8Value();
      auto rootValue = get("grammarRoot");
      std::string root = rootValue.IsString() ? rootValue.As<Napi::String>().Utf8Value() : "root";
      seq.grammar = api_.llama_sampler_init_grammar(vocab_, text.c_str(), root.c_str());
      if (!seq.grammar) {
        error = "the grammar could not be parsed";
        return false;
      }
    }
    return true;
  }

  // expect(delta): +1 when a call is about to start a sequence (its prompt is being tokenized,
  // its slot prepared), -1 once it has started or given up. While one is expected the loop
  // holds its next batch, at most EXPECT_HOLD after the last expect, so that calls arriving
  // together start together instead of one running steps ahead alone.
  Napi::Value Expect(const Napi::CallbackInfo& info) {
    int32_t delta = info[0].As<Napi::Number>().Int32Value();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      expected_ = std::max(0, expected_ + delta);
      if (delta > 0) holdUntil_ = std::chrono::steady_clock::now() + EXPECT_HOLD;
    }
    wake_.notify_all();
    return info.Env().Undefined();
  }
  static constexpr std::chrono::microseconds EXPECT_HOLD{3000};

  // stop(seqId): the sequence ends before its next decode (reported with EV_DONE, DONE_STOPPED)
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    int32_t id = info[0].As<Napi::Number>().Int32Value();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = sequences_.find(id);
      if (it != sequences_.end()) it->second->stopRequested = true;
    }
    wake_.notify_all();
    return info.Env().Undefined();
  }

  // pause(seqId, paused): a paused sequence is left out of the batches (its reader is behind)
  Napi::Value Pause(const Napi::CallbackInfo& info) {
    int32_t id = info[0].As<Napi::Number>().Int32Value();
    bool paused = info[1].ToBoolean().Value();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = sequences_.find(id);
      if (it != sequences_.end()) it->second->paused = paused;
    }
    wake_.notify_all();
    return info.Env().Undefined();
  }

  // park(): the loop stops between steps; true when it already is parked (else EV_PARKED follows)
  Napi::Value Park(const Napi::CallbackInfo& info) {
    std::unique_lock<std::mutex> lock(mutex_);
    parkRequests_++;
    bool already = parked_;
    lock.unlock();
    wake_.notify_all();
    return Napi::Boolean::New(info.Env(), already);
  }

  Napi::Value Unpark(const Napi::CallbackInfo& info) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (parkRequests_ > 0) parkRequests_--;
    }
    wake_.notify_all();
    return info.Env().Undefined();
  }

  // ref(on): while JavaScript waits for events (running sequences, a park) the process stays up
  Napi::Value SetRef(const Napi::CallbackInfo& info) {
    bool on = info[0].ToBoolean().Value();
    if (!closed_ && on != referenced_) {
      if (on) tsfn_.Ref(info.Env());
      else tsfn_.Unref(info.Env());
      referenced_ = on;
    }
    return info.Env().Undefined();
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    auto out = Napi::Object::New(info.Env());
    out.Set("nBatch", nBatch_);
    out.Set("nSeqMax", nSeqMax_);
    out.Set("nCtx", static_cast<double>(api_.llama_n_ctx(ctx_)));
    out.Set("nVocab", nVocab_);
    out.Set("batches", batches_.load());
    return out;
  }

  // close(): ends the thread (after its current step) and drops every sequence
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  void Shutdown() {
    if (closed_) return;
    closed_ = true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    sequences_.clear();
    api_.llama_batch_free(batch_);
    tsfn_.Release();
  }

  // ---- the loop's thread -------------------------------------------------------------------

  void Emit(std::initializer_list<int32_t> event) {
    std::lock_guard<std::mutex> lock(outMutex_);
    outbox_.insert(outbox_.end(), event);
  }

  // hands the events gathered so far to JavaScript, unless a hand-off is already on its way
  void Flush() {
    {
      std::lock_guard<std::mutex> lock(outMutex_);
      if (callPending_ || outbox_.empty()) return;
      callPending_ = true;
    }
    tsfn_.NonBlockingCall([this](Napi::Env env, Napi::Function fn) { Deliver(env, fn); });
  }

  void Deliver(Napi::Env env, Napi::Function fn) {
    std::vector<int32_t> events;
    {
      std::lock_guard<std::mutex> lock(outMutex_);
      events.swap(outbox_);
      callPending_ = false;
    }
    if (events.empty()) return;
    auto array = Napi::Int32Array::New(env, events.size());
    std::copy(events.begin(), events.end(), array.Data());
    fn.Call({array});
  }

  void Finish(std::map<int32_t, std::unique_ptr<Sequence>>::iterator it, DoneReason reason) {
    Emit({it->first, EV_DONE, reason, it->second->pos});
    sequences_.erase(it);
  }

  struct Output {
    Sequence* seq;
    int32_t index;
  };

  void Run() {
    std::vector<Output> outputs;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      // between steps: park, drop stopped sequences, wait for work
      for (;;) {
        if (quit_) return;
        for (auto it = sequences_.begin(); it != sequences_.end();) {
          auto next = std::next(it);
          if (it->second->stopRequested) Finish(it, DONE_STOPPED);
          it = next;
        }
        if (parkRequests_ > 0) {
          if (!parked_) {
            parked_ = true;
            Emit({-1, EV_PARKED, 0, 0});
          }
        } else {
          parked_ = false;
          if (expected_ > 0 && std::chrono::steady_clock::now() < holdUntil_) {
            lock.unlock();
            Flush();
            lock.lock();
            if (expected_ > 0 && parkRequests_ == 0 && !quit_) wake_.wait_until(lock, holdUntil_);
            continue;
          }
          if (Compose(outputs)) break;
        }
        lock.unlock();
        Flush();
        lock.lock();
        if (quit_) return;
        // wait only for what is settled: parked and told so, or nothing to do and no park asked
        if (parkRequests_ > 0 ? parked_ : !HasWork()) wake_.wait(lock);
      }
      lock.unlock();
      Flush();
      batches_.store(batches_.load() + 1);
      int32_t status = api_.llama_decode(ctx_, batch_);
      lock.lock();
      if (status != 0) {
        // every sequence with a token in the failed batch ends (its cells are unknown)
        for (int32_t id : inBatch_) {
          auto it = sequences_.find(id);
          if (it == sequences_.end()) continue;
          Emit({id, EV_ERROR, status, 0});
          Finish(it, DONE_ERROR);
        }
        continue;
      }
      for (auto& out : outputs) Sample(*out.seq, out.index);
    }
  }

  bool HasWork() {
    for (auto& [id, seq] : sequences_)
      if (!seq->paused && (seq->generating || seq->promptDone < seq->prompt.size())) return true;
    return false;
  }

  // The next batch: every generating sequence's token in sequence-id order (llama.cpp decodes
  // consecutive sequences in one pass), then prompt tokens in arrival order in the room left:
  // one prompt per batch on a CPU (packPrompts false), as many as fit on a GPU.
  bool Compose(std::vector<Output>& outputs) {
    outputs.clear();
    inBatch_.clear();
    batch_.n_tokens = 0;
    auto add = [&](Sequence& seq, llama_token token, bool logits) {
      int32_t i = batch_.n_tokens++;
      batch_.token[i] = token;
      batch_.pos[i] = seq.pos++;
      batch_.n_seq_id[i] = 1;
      batch_.seq_id[i][0] = seq.id;
      batch_.logits[i] = logits;
      if (inBatch_.empty() || inBatch_.back() != seq.id) inBatch_.push_back(seq.id);
      if (logits) outputs.push_back({&seq, i});
    };
    for (auto& [id, seq] : sequences_) {
      if (seq->paused || !seq->generating || batch_.n_tokens >= nBatch_) continue;
      seq->generating = false;
      add(*seq, seq->last, true);
    }
    std::vector<Sequence*> prompts;
    for (auto& [id, seq] : sequences_)
      if (!seq->paused && seq->promptDone < seq->prompt.size()) prompts.push_back(seq.get());
    std::sort(prompts.begin(), prompts.end(), [](Sequence* a, Sequence* b) { return a->order < b->order; });
    for (Sequence* seq : prompts) {
      if (batch_.n_tokens >= nBatch_) break;
      while (seq->promptDone < seq->prompt.size() && batch_.n_tokens < nBatch_) {
        bool lastOne = seq->promptDone + 1 == seq->prompt.size();
        add(*seq, seq->prompt[seq->promptDone++], lastOne);
      }
      if (!packPrompts_) break;
    }
    return batch_.n_tokens > 0;
  }

  void Candidates(Sequence& seq, int32_t index, llama_token_data_array& cur) {
    const float* probs = api_.llama_get_sampled_probs_ith(ctx_, index);
    const float* logits = api_.llama_get_sampled_logits_ith(ctx_, index);
    const llama_token* ids = api_.llama_get_sampled_candidates_ith(ctx_, index);
    size_t n = 0;
    if (probs) {
      n = api_.llama_get_sampled_probs_count_ith(ctx_, index);
      seq.candidates.resize(std::max(seq.candidates.size(), n));
      for (size_t i = 0; i < n; i++) seq.candidates[i] = {ids[i], logits[i], probs[i]};
    } else if (logits) {
      n = api_.llama_get_sampled_logits_count_ith(ctx_, index);
      seq.candidates.resize(std::max(seq.candidates.size(), n));
      for (size_t i = 0; i < n; i++) seq.candidates[i] = {ids[i], logits[i], 0.0f};
    } else {
      const float* all = api_.llama_get_logits_ith(ctx_, index);
      if (all) {
        n = static_cast<size_t>(nVocab_);
        seq.candidates.resize(std::max(seq.candidates.size(), n));
        for (llama_token t = 0; t < nVocab_; t++) seq.candidates[t] = {t, all[t], 0.0f};
      }
    }
    cur = {seq.candidates.data(), n, -1, false};
  }

  void Sample(Sequence& seq, int32_t index) {
    auto it = sequences_.find(seq.id);
    if (it == sequences_.end() || it->second.get() != &seq) return;
    llama_token_data_array cur;
    Candidates(seq, index, cur);
    if (cur.size > 0) {
      api_.llama_sampler_apply(seq.chain, &cur);
      if (seq.grammar && cur.selected >= 0 && cur.selected < static_cast<int64_t>(cur.size)) {
        llama_token_data single = {cur.data[cur.selected].id, 1.0f, 0.0f};
        llama_token_data_array one = {&single, 1, -1, false};
        api_.llama_sampler_apply(seq.grammar, &one);
        if (single.logit == -INFINITY) {
          Candidates(seq, index, cur);
          api_.llama_sampler_apply(seq.grammar, &cur);
          api_.llama_sampler_apply(seq.chain, &cur);
        }
      }
    }
    if (cur.size == 0 || cur.selected < 0 || cur.selected >= static_cast<int64_t>(cur.size)) {
      Emit({seq.id, EV_ERROR, -1000, 0});
      Finish(it, DONE_ERROR);
      return;
    }
    llama_token token = cur.data[cur.selected].id;
    if (seq.penalties) api_.llama_sampler_accept(seq.penalties, token);
    bool eog = api_.llama_vocab_is_eog(vocab_, token);
    if (seq.grammar && !eog) api_.llama_sampler_accept(seq.grammar, token);
    Emit({seq.id, EV_TOKEN, token, seq.pos});
    if (eog) return Finish(it, DONE_EOG);
    seq.generated++;
    if (seq.generated >= seq.maxTokens) return Finish(it, DONE_MAX_TOKENS);
    // decoding this token needs a free cell; node-llama-cpp would shift the context instead
    if (seq.pos >= seq.contextSize - 1) return Finish(it, DONE_CONTEXT_FULL);
    seq.last = token;
    seq.generating = true;
  }
};

}  // namespace

Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return TokenLoop::Init(env, exports); }

NODE_API_MODULE(spin_ts_token_loop, InitAll)
