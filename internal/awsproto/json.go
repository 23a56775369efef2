package awsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/awserr"
)

// DecodeJSON decodes a JSON request body into v. An empty body decodes as {}. Unknown members are ignored, as AWS
// ignores them; a body that is not JSON or has a member of the wrong type is a SerializationException.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return awserr.New("SerializationException", http.StatusBadRequest,
				"The value of member %q has the wrong type: expected %s, got JSON %s.", te.Field, jsonTypeName(te.Type.Kind().String()), te.Value)
		}
		var ae *awserr.Error
		if errors.As(err, &ae) {
			return ae
		}
		return awserr.New("SerializationException", http.StatusBadRequest, "The request body is not valid JSON: %v.", err)
	}
	if dec.More() {
		return awserr.New("SerializationException", http.StatusBadRequest, "The request body holds more than one JSON value.")
	}
	return nil
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "a list"
	case "map", "struct":
		return "an object"
	}
	return "a number"
}

// EncodeJSON returns the JSON body for an operation's output; a nil output is {}.
func EncodeJSON(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode json response: %w", err)
	}
	return b, nil
}

// WriteJSON writes a successful JSON-protocol response.
func WriteJSON(w http.ResponseWriter, p Protocol, status int, body []byte, requestID string) {
	h := w.Header()
	h.Set("Content-Type", p.ContentType())
	h.Set("x-amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// Timestamp is a time that JSON protocols carry as seconds since the epoch (with millisecond fraction).
type Timestamp time.Time

// MarshalJSON encodes t as epoch seconds.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	ms := tt.UnixMilli()
	if ms%1000 == 0 {
		return strconv.AppendInt(nil, ms/1000, 10), nil
	}
	return strconv.AppendFloat(nil, float64(ms)/1000, 'f', 3, 64), nil
}

// UnmarshalJSON accepts epoch seconds (integer or fractional) or an ISO 8601 string, as the SDKs may send either.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			*t = Timestamp(epoch(f))
			return nil
		}
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return awserr.New("SerializationException", http.StatusBadRequest, "Invalid timestamp %q: expected epoch seconds or ISO 8601.", s)
		}
		*t = Timestamp(v)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return awserr.New("SerializationException", http.StatusBadRequest, "Invalid timestamp %s: expected epoch seconds.", b)
	}
	*t = Timestamp(epoch(f))
	return nil
}

func epoch(f float64) time.Time {
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*1e6).UTC()
}

// Time returns t as a time.Time.
func (t Timestamp) Time() time.Time { return time.Time(t) }
