package edge

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
)

// globalRegion is where CloudTrail records the events of global services (IAM, Organizations).
const globalRegion = "us-east-1"

// newCall starts the audit record of the request's call.
func (s *Server) newCall(rq *request) *actor.Call {
	call := &actor.Call{Caller: rq.caller, EventSource: rq.svc.EventSource, Operation: rq.op.Name, ReadOnly: rq.op.ReadOnly, Data: rq.op.Data}
	if rq.svc.Global {
		call.Region = globalRegion
	}
	return call
}

// audit records the call. Mutating calls wait until the record is durable; read-only calls queue it.
func (s *Server) audit(ctx context.Context, rq *request, opErr error) error {
	if s.cfg.Audit == nil {
		return nil
	}
	call := rq.call.Audit
	call.Err = opErr
	return s.cfg.Audit.Record(context.WithoutCancel(ctx), call)
}
