package awsproto

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"

	"github.com/seclake/seclake/internal/awserr"
)

// ErrorOptions carries what some protocols add to an error response.
type ErrorOptions struct {
	// XMLNamespace is the Query protocol's response namespace (for example "https://sts.amazonaws.com/doc/2011-06-15/").
	XMLNamespace string
	// QueryCompatible marks JSON services that also answer the Query protocol's error codes (SQS): the response
	// gets the x-amzn-query-error header.
	QueryCompatible bool
	// HostID is S3's x-amz-id-2 value, echoed in S3 error bodies.
	HostID string
	// NoBody suppresses the body (HEAD requests).
	NoBody bool
}

// WriteError renders e in protocol p, with the request ID and e.Headers in the headers and, where the protocol has
// one, the body.
func WriteError(w http.ResponseWriter, p Protocol, e *awserr.Error, requestID string, opt ErrorOptions) {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	h := w.Header()
	for _, f := range e.Headers {
		h.Add(f.Name, f.Value)
	}
	var body []byte
	switch p {
	case JSON10, JSON11, RESTJSON:
		h.Set("x-amzn-RequestId", requestID)
		if p == RESTJSON {
			h.Set("X-Amzn-ErrorType", e.Code)
		}
		if opt.QueryCompatible && e.QueryCode != "" {
			fault := "Sender"
			if e.Server {
				fault = "Receiver"
			}
			h.Set("x-amzn-query-error", e.QueryCode+";"+fault)
		}
		m := make(map[string]any, 2+len(e.Fields))
		for _, f := range e.Fields {
			m[f.Name] = f.Value
		}
		m["__type"] = e.Code
		m["message"] = e.Message
		body, _ = json.Marshal(m)
	case RESTXML:
		h.Set("x-amz-request-id", S3RequestID(requestID))
		if opt.HostID != "" {
			h.Set("x-amz-id-2", opt.HostID)
		}
		body = s3ErrorBody(e, S3RequestID(requestID), opt.HostID)
	case EC2:
		h.Set("x-amzn-RequestId", requestID)
		body = ec2ErrorBody(e, requestID)
	default: // Query
		h.Set("x-amzn-RequestId", requestID)
		body = queryErrorBody(e, requestID, opt.XMLNamespace)
	}
	h.Set("Content-Type", p.ContentType())
	if opt.NoBody {
		w.WriteHeader(status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func s3ErrorBody(e *awserr.Error, requestID, hostID string) []byte {
	b := make([]byte, 0, 256)
	b = append(b, xml.Header...)
	b = append(b, "<Error>"...)
	b = appendElem(b, "Code", e.Code)
	b = appendElem(b, "Message", e.Message)
	for _, f := range e.Fields {
		b = appendElem(b, f.Name, f.Value)
	}
	b = appendElem(b, "RequestId", requestID)
	if hostID != "" {
		b = appendElem(b, "HostId", hostID)
	}
	return append(b, "</Error>"...)
}

func queryErrorBody(e *awserr.Error, requestID, ns string) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `<ErrorResponse xmlns="`...)
	b = appendEscaped(b, ns)
	b = append(b, `"><Error>`...)
	fault := "Sender"
	if e.Server {
		fault = "Receiver"
	}
	b = appendElem(b, "Type", fault)
	code := e.Code
	if e.QueryCode != "" { // a query-compatible service's own Query code (SQS's AWS.SimpleQueueService.NonExistentQueue)
		code = e.QueryCode
	}
	b = appendElem(b, "Code", code)
	b = appendElem(b, "Message", e.Message)
	for _, f := range e.Fields {
		b = appendElem(b, f.Name, f.Value)
	}
	b = append(b, "</Error>"...)
	b = appendElem(b, "RequestId", requestID)
	return append(b, "</ErrorResponse>"...)
}

// ec2ErrorBody is EC2's error document: <Response><Errors><Error>…</Error></Errors><RequestID>…</RequestID>.
func ec2ErrorBody(e *awserr.Error, requestID string) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response><Errors><Error>"...)
	b = appendElem(b, "Code", e.Code)
	b = appendElem(b, "Message", e.Message)
	b = append(b, "</Error></Errors>"...)
	b = appendElem(b, "RequestID", requestID)
	return append(b, "</Response>"...)
}

func appendElem(b []byte, name, value string) []byte {
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendEscaped(b, value)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, '>')
}

type byteWriter struct{ b *[]byte }

func (w byteWriter) Write(p []byte) (int, error) { *w.b = append(*w.b, p...); return len(p), nil }

func appendEscaped(b []byte, s string) []byte {
	_ = xml.EscapeText(byteWriter{&b}, []byte(s))
	return b
}
