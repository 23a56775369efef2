package edge

import (
	"encoding/xml"
	"maps"
	"net/http"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
)

// statusWriter remembers the status a Writer output sent, for metrics and logs.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer (flushes, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeOutput encodes a successful result in the service's protocol.
func (s *Server) writeOutput(w http.ResponseWriter, rq *request, out any) {
	if wr, ok := out.(api.Writer); ok {
		sw := &statusWriter{ResponseWriter: w}
		if err := wr.WriteResponse(sw, rq.id); err != nil {
			if sw.status == 0 {
				s.writeError(w, rq, rq.proto, s.toAWS(rq, err))
				return
			}
			rq.log.Warn("response interrupted", "err", err) // headers are gone; the client sees a short body
		}
		s.finish(rq, sw.status)
		return
	}
	var body []byte
	var err error
	status := http.StatusOK
	switch p := rq.proto; p {
	case awsproto.Query:
		body, err = awsproto.EncodeQuery(rq.op.Name, rq.svc.XMLNamespace, out, rq.id)
		if err == nil {
			awsproto.WriteXML(w, http.StatusOK, body, rq.id)
		}
	case awsproto.EC2:
		body, err = awsproto.EncodeEC2(rq.op.Name, rq.svc.XMLNamespace, out, rq.id)
		if err == nil {
			awsproto.WriteXML(w, http.StatusOK, body, rq.id)
		}
	case awsproto.RESTXML:
		body, err = encodeRESTXML(out)
		if err == nil {
			h := w.Header()
			h.Set("x-amz-request-id", awsproto.S3RequestID(rq.id))
			h.Set("Content-Type", "application/xml")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(body)
		}
	case awsproto.RESTJSON:
		var res *awsproto.RESTOutput
		if res, err = awsproto.EncodeREST(out); err == nil {
			maps.Copy(w.Header(), res.Header)
			status = res.Status
			awsproto.WriteJSON(w, p, status, res.Body, rq.id)
		}
	default:
		body, err = awsproto.EncodeJSON(out)
		if err == nil {
			awsproto.WriteJSON(w, p, http.StatusOK, body, rq.id)
		}
	}
	if err != nil {
		s.writeError(w, rq, rq.proto, s.toAWS(rq, err))
		return
	}
	s.finish(rq, status)
}

func encodeRESTXML(out any) ([]byte, error) {
	if out == nil {
		return nil, nil
	}
	b, err := xml.Marshal(out)
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), b...), nil
}

// writeError renders an AWS error in protocol p.
func (s *Server) writeError(w http.ResponseWriter, rq *request, p awsproto.Protocol, e *awserr.Error) {
	opt := awsproto.ErrorOptions{NoBody: rq.isHead}
	if rq.svc != nil {
		opt.XMLNamespace = rq.svc.XMLNamespace
		opt.QueryCompatible = rq.svc.QueryCompatible
	}
	status := e.Status
	if rq.svc != nil && rq.svc.WriteError != nil {
		status = rq.svc.WriteError(w, e, rq.id)
	} else {
		awsproto.WriteError(w, p, e, rq.id, opt)
	}
	rq.errCode = e.Code
	if status == 0 {
		status = http.StatusBadRequest
	}
	s.finish(rq, status)
}

// finish counts the request and logs it: failures by the server at error level, refusals at info, successes
// at debug (the audit trail already records every call).
func (s *Server) finish(rq *request, status int) {
	svc, op := "unknown", opName(rq)
	if rq.svc != nil {
		svc = rq.svc.Name
	}
	elapsed := s.cfg.Clock.Now().Sub(rq.start)
	s.metrics.requests.WithLabelValues(svc, op, strconv.Itoa(status)).Inc()
	s.metrics.latency.WithLabelValues(svc, op).Observe(elapsed.Seconds())
	if rq.errCode != "" {
		s.metrics.errors.WithLabelValues(svc, op, rq.errCode).Inc()
	}
	level := slogLevel(status)
	if !s.log.Enabled(nil, level) {
		return
	}
	attrs := []any{"service", svc, "operation", op, "status", status, "duration", elapsed.Round(time.Microsecond)}
	if rq.caller != nil && rq.caller.ARN != "" {
		attrs = append(attrs, "principal", rq.caller.ARN)
	}
	if rq.errCode != "" {
		attrs = append(attrs, "error", rq.errCode)
	}
	rq.log.Log(nil, level, "request", attrs...)
}
