// Connection context for trace events.
#include "stack/tcp/conn_trace.hpp"

namespace tapstack::tcp {

void ConnTrace::event(TraceKind kind, Instant now, std::int64_t a, std::int64_t b,
                      std::int64_t c, std::int64_t d, std::int64_t e, const char* why) const {
  if (sink_ == nullptr) return;
  TraceEvent ev = make_trace_event(kind, id_, now, why);
  ev.a = a;
  ev.b = b;
  ev.c = c;
  ev.d = d;
  ev.e = e;
  emit(ev);
}

void ConnTrace::segment(TraceKind kind, Instant now, const wire::TcpHeader& h, std::size_t len,
                        const char* why, std::uint32_t count) const {
  if (sink_ == nullptr) return;
  TraceEvent ev = make_trace_event(kind, id_, now, why);
  set_segment_fields(ev, h, len);
  ev.count = count;
  emit(ev);
}

void ConnTrace::emit(TraceEvent& ev) const {
  ev.tuple = tuple_;
  ev.iss = iss_.raw();
  ev.iss_known = true;
  ev.irs = irs_.raw();
  ev.irs_known = irs_known_;
  sink_->on_trace(ev);
}

}  // namespace tapstack::tcp
