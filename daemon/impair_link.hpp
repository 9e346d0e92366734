#pragma once
// The link impairment model (stack/link/impairment) between the TAP and the
// stack, both ways. While nothing is configured, frames bypass it: the TAP's
// frames go straight to StackDriver and the stack's straight to the TAP.
// `[impair]` sets it at start; `tapstack impair` changes it at run time.
#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "rpc/messages.hpp"
#include "stack/link/frame_sink.hpp"
#include "stack/link/impairment.hpp"

namespace tapstack {
class Stack;
}

namespace tapstack::daemon {

class StackDriver;

/// One direction of [impair] as the model's settings.
link::ImpairmentSettings to_settings(const config::ImpairDirectionConfig& direction,
                                     const config::ImpairConfig& impair);

class ImpairLink {
 public:
  /// `tap` writes frames to the TAP (App's TapSink).
  ImpairLink(FrameSink& tap, const config::ImpairConfig& config);
  ImpairLink(const ImpairLink&) = delete;
  ImpairLink& operator=(const ImpairLink&) = delete;

  /// Connects the stack side; call once the stack and its driver exist.
  void attach(Stack& stack, StackDriver& driver);
  /// The stack's FrameSink: to the TAP, through the model while it is active.
  FrameSink& stack_output() { return output_; }
  link::Impairment& model() { return model_; }

 private:
  class StackInput final : public FrameSink {
   public:
    explicit StackInput(ImpairLink& link) : link_(link) {}
    void transmit(Bytes frame) override;

   private:
    ImpairLink& link_;
  };
  class Output final : public FrameSink {
   public:
    explicit Output(ImpairLink& link) : link_(link) {}
    void transmit(Bytes frame) override;
    void transmit_segmented(Bytes frame, std::uint16_t segment_size) override;

   private:
    ImpairLink& link_;
  };

  FrameSink& tap_;
  StackInput stack_input_{*this};
  Output output_{*this};
  link::Impairment model_;
  Stack* stack_ = nullptr;
  StackDriver* driver_ = nullptr;
};

/// The model's settings, faults and counters, for `tapstack impair` and status
/// (shape in docs/rpc.md "Impair").
nlohmann::json impairment_json(const link::Impairment& model);

/// Applies an Impair request; false (nothing changed) when it is invalid.
/// `connection` is the request's socket as a 4-tuple (the caller looks it up),
/// nullopt when the request names no socket.
bool apply_impair_request(link::Impairment& model, const rpc::ImpairRequest& request,
                          const std::optional<link::TcpConnection>& connection);

}  // namespace tapstack::daemon
