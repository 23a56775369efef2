package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// appendRecord appends r's JSON to b: the bytes encoding/json writes for r with HTML escaping off (the
// tests hold it to that), without its reflection. The trail hashes these bytes, so they must not change.
func appendRecord(b []byte, r *Record) ([]byte, error) {
	var err error
	b = append(b, `{"eventVersion":`...)
	b = appendJSONString(b, r.EventVersion)
	b = append(b, `,"userIdentity":`...)
	if b, err = appendUserIdentity(b, &r.UserIdentity); err != nil {
		return nil, err
	}
	b = append(b, `,"eventTime":`...)
	if b, err = appendTime(b, r.EventTime); err != nil {
		return nil, err
	}
	b = appendField(b, "eventSource", r.EventSource, false)
	b = appendField(b, "eventName", r.EventName, false)
	b = appendField(b, "awsRegion", r.AWSRegion, false)
	b = appendField(b, "sourceIPAddress", r.SourceIPAddress, true)
	b = appendField(b, "userAgent", r.UserAgent, true)
	b = appendField(b, "errorCode", r.ErrorCode, true)
	b = appendField(b, "errorMessage", r.ErrorMessage, true)
	if b, err = appendRaw(b, "requestParameters", r.RequestParameters, false, r.compact); err != nil {
		return nil, err
	}
	if b, err = appendRaw(b, "responseElements", r.ResponseElements, false, r.compact); err != nil {
		return nil, err
	}
	if b, err = appendRaw(b, "additionalEventData", r.AdditionalEventData, true, r.compact); err != nil {
		return nil, err
	}
	b = appendField(b, "requestID", r.RequestID, true)
	b = appendField(b, "eventID", r.EventID, false)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, r.ReadOnly)
	if len(r.Resources) > 0 {
		b = append(b, `,"resources":[`...)
		for i := range r.Resources {
			if i > 0 {
				b = append(b, ',')
			}
			res := &r.Resources[i]
			b = appendObject(b, field{"accountId", res.AccountID}, field{"type", res.Type}, field{"ARN", res.ARN})
		}
		b = append(b, ']')
	}
	b = appendField(b, "eventType", string(r.EventType), false)
	b = appendField(b, "apiVersion", r.APIVersion, true)
	b = append(b, `,"managementEvent":`...)
	b = strconv.AppendBool(b, r.ManagementEvent)
	b = appendField(b, "recipientAccountId", r.RecipientAccountID, false)
	b = appendField(b, "sharedEventID", r.SharedEventID, true)
	b = appendField(b, "vpcEndpointId", r.VPCEndpointID, true)
	b = appendField(b, "eventCategory", string(r.EventCategory), false)
	if t := r.TLSDetails; t != nil {
		b = append(b, `,"tlsDetails":`...)
		b = appendObject(b, field{"tlsVersion", t.TLSVersion}, field{"cipherSuite", t.CipherSuite},
			field{"clientProvidedHostHeader", t.ClientProvidedHostHeader})
	}
	return append(b, '}'), nil
}

func appendUserIdentity(b []byte, u *UserIdentity) ([]byte, error) {
	var err error
	b = appendObject(b, field{"type", string(u.Type)}, field{"principalId", u.PrincipalID},
		field{"arn", u.ARN}, field{"accountId", u.AccountID}, field{"accessKeyId", u.AccessKeyID},
		field{"userName", u.UserName})
	b = b[:len(b)-1] // reopen the object
	if sc := u.SessionContext; sc != nil {
		b = appendComma(b)
		b = append(b, `"sessionContext":{`...)
		if si := sc.SessionIssuer; si != nil {
			b = append(b, `"sessionIssuer":`...)
			b = appendObject(b, field{"type", string(si.Type)}, field{"principalId", si.PrincipalID},
				field{"arn", si.ARN}, field{"accountId", si.AccountID}, field{"userName", si.UserName})
		}
		if a := sc.Attributes; a != nil {
			b = appendComma(b)
			b = append(b, `"attributes":{`...)
			if !a.CreationDate.IsZero() {
				b = append(b, `"creationDate":`...)
				if b, err = appendTime(b, a.CreationDate); err != nil {
					return nil, err
				}
			}
			b = appendMember(b, "mfaAuthenticated", a.MFAAuthenticated)
			b = append(b, '}')
		}
		b = appendMember(b, "sourceIdentity", sc.SourceIdentity)
		b = append(b, '}')
	}
	b = appendMember(b, "invokedBy", u.InvokedBy)
	return append(b, '}'), nil
}

// field is a string member of an object whose empty value is left out.
type field struct{ name, value string }

// appendObject appends an object of string members, leaving out the empty ones.
func appendObject(b []byte, fs ...field) []byte {
	b = append(b, '{')
	for _, f := range fs {
		b = appendMember(b, f.name, f.value)
	}
	return append(b, '}')
}

// appendComma appends the comma that separates a member from the one before it, unless the object has
// just been opened.
func appendComma(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	return b
}

// appendMember appends "name":"value" into the object being written, unless value is empty.
func appendMember(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = appendComma(b)
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":`...)
	return appendJSONString(b, value)
}

// appendField appends ,"name":"value" to the record (which always has members before), leaving it out if
// omitEmpty and value is empty.
func appendField(b []byte, name, value string, omitEmpty bool) []byte {
	if omitEmpty && value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":`...)
	return appendJSONString(b, value)
}

// appendRaw appends ,"name":raw with raw compacted and checked as encoding/json does (null when nil); raw
// that is known to be compact, valid JSON (compact) is appended as it is, which gives the same bytes.
func appendRaw(b []byte, name string, raw json.RawMessage, omitEmpty, compact bool) ([]byte, error) {
	if omitEmpty && len(raw) == 0 {
		return b, nil
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":`...)
	if raw == nil {
		return append(b, "null"...), nil
	}
	if compact {
		return append(b, raw...), nil
	}
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// appendTime appends t as encoding/json does (RFC 3339 with nanoseconds as needed, quoted).
func appendTime(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, fmt.Errorf("time %v: %w", t, err)
	}
	return append(b, '"'), nil
}

// jsonText returns s as the trail's JSON carries it, once decoded: s if it is valid UTF-8, else s with each
// byte that is not part of a valid UTF-8 sequence replaced by U+FFFD (as appendJSONString writes it). The
// indexes and Lookup compare attribute values in this form: it is what Lookup shows and what it matches.
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// appendJSONString appends s as a JSON string as encoding/json does with HTML escaping off: quotes,
// backslashes and control characters escaped, invalid UTF-8 replaced by U+FFFD, U+2028 and U+2029
// escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
