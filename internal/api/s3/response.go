package s3

import (
	"encoding/xml"

	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
)

// response is an S3 response: status, headers, and an XML document or a streamed body.
type response struct {
	status int
	header http.Header
	doc    any           // encoded as XML when set
	raw    []byte        // sent as is (GetBucketPolicy's JSON)
	body   io.ReadCloser // streamed (GetObject)
	length int64
}

// Close releases a body that will not be written (the edge calls it when it cannot send the response).
func (r *response) Close() error {
	if r.body == nil {
		return nil
	}
	err := r.body.Close()
	r.body = nil
	return err
}

func newResponse(status int) *response {
	return &response{status: status, header: http.Header{}}
}

func xmlResponse(doc any) *response {
	r := newResponse(http.StatusOK)
	r.doc = doc
	return r
}

// WriteResponse writes the response; an error after the headers means the body was cut short.
func (r *response) WriteResponse(w http.ResponseWriter, requestID string) error {
	h := w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	h.Set("x-amz-request-id", awsproto.S3RequestID(requestID))
	switch {
	case r.doc != nil:
		b, err := xml.Marshal(r.doc)
		if err != nil {
			return fmt.Errorf("encode response: %w", err)
		}
		b = append([]byte(xml.Header), b...)
		h.Set("Content-Type", "application/xml")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(r.status)
		_, err = w.Write(b)
		return err
	case r.raw != nil:
		h.Set("Content-Length", strconv.Itoa(len(r.raw)))
		w.WriteHeader(r.status)
		_, err := w.Write(r.raw)
		return err
	case r.body != nil:
		defer r.body.Close()
		h.Set("Content-Length", strconv.FormatInt(r.length, 10))
		w.WriteHeader(r.status)
		n, err := io.Copy(w, r.body)
		if err == nil && n != r.length {
			err = fmt.Errorf("object body ended after %d of %d bytes", n, r.length)
		}
		return err
	}
	if r.status != http.StatusNoContent && r.status != http.StatusNotModified && h.Get("Content-Length") == "" {
		h.Set("Content-Length", "0")
	}
	w.WriteHeader(r.status)
	return nil
}

// maxXMLBody bounds the XML documents S3 accepts in request bodies.
const maxXMLBody = 2 << 20

// decodeXML reads the request's XML body into v; an empty body is MalformedXML unless optional.
func decodeXML(body io.Reader, v any, optional bool) error {
	if body == nil {
		body = http.NoBody
	}
	b, err := io.ReadAll(io.LimitReader(body, maxXMLBody+1))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(b) > maxXMLBody {
		return awserr.New("MaxMessageLengthExceeded", http.StatusBadRequest, "Your request was too big.")
	}
	if len(b) == 0 && optional {
		return nil
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return awserr.New("MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return nil
}

// s3Time formats a timestamp as S3's XML does.
func s3Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
