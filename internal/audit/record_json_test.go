package audit

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// encodeJSON marshals v as encoding/json does without HTML escaping and without the encoder's trailing
// newline: the reference appendRecord is held to.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// requireSameJSON checks that appendRecord writes what encoding/json writes for r, or fails when it does.
func requireSameJSON(t *testing.T, r *Record) {
	t.Helper()
	want, werr := encodeJSON(r)
	got, err := appendRecord(nil, r)
	if werr != nil {
		require.Error(t, err, "encoding/json fails: %v", werr)
		return
	}
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

// tricky strings exercise the string escaper: quotes, backslashes, control characters, HTML characters
// (not escaped), invalid UTF-8, U+2028/2029, DEL and multi-byte runes.
var tricky = []string{"", "plain", `q"uote`, `back\slash`, "\b\f\n\r\t\x00\x1f", "<&>", "\xff\xfe", "a\u2028b\u2029",
	"\x7f", "é漢字🙂", "\xe2\x80", "x\\u0041"}

func TestAppendRecordMatchesEncodingJSON(t *testing.T) {
	cases := map[string]func(r *Record){
		"sample":   func(r *Record) {},
		"minimal":  func(r *Record) { *r = Record{} },
		"raw null": func(r *Record) { r.RequestParameters, r.ResponseElements = nil, json.RawMessage(`null`) },
		"raw spaced": func(r *Record) {
			r.RequestParameters = json.RawMessage(" {\"a\" : [1, 2 ,{\"b\":\"<x>\"}],\n \"c\":\"\\u003c\"} ")
		},
		"raw empty":         func(r *Record) { r.ResponseElements = json.RawMessage{} },
		"raw invalid":       func(r *Record) { r.RequestParameters = json.RawMessage(`{"a":`) },
		"additional empty":  func(r *Record) { r.AdditionalEventData = json.RawMessage{} },
		"additional":        func(r *Record) { r.AdditionalEventData = json.RawMessage(`{"x":1}`) },
		"zoned nanos":       func(r *Record) { r.EventTime = time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("X", -7*3600)) },
		"year out of range": func(r *Record) { r.EventTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"bad creation date": func(r *Record) {
			r.UserIdentity.SessionContext.Attributes.CreationDate = time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)
		},
		"zero creation date": func(r *Record) { r.UserIdentity.SessionContext.Attributes.CreationDate = time.Time{} },
		"empty attributes":   func(r *Record) { r.UserIdentity.SessionContext.Attributes = &SessionAttributes{} },
		"empty session":      func(r *Record) { r.UserIdentity.SessionContext = &SessionContext{} },
		"issuer only":        func(r *Record) { r.UserIdentity.SessionContext.Attributes = nil },
		"source identity":    func(r *Record) { r.UserIdentity.SessionContext.SourceIdentity = "src" },
		"empty identity":     func(r *Record) { r.UserIdentity = UserIdentity{} },
		"invoked by only":    func(r *Record) { r.UserIdentity = UserIdentity{InvokedBy: "s3.amazonaws.com"} },
		"empty resources":    func(r *Record) { r.Resources = []Resource{} },
		"resources":          func(r *Record) { r.Resources = []Resource{{}, {Type: "T"}, {AccountID: "1", ARN: "a"}} },
		"tls":                func(r *Record) { r.TLSDetails = &TLSDetails{TLSVersion: "TLSv1.3", ClientProvidedHostHeader: "h"} },
		"empty tls":          func(r *Record) { r.TLSDetails = &TLSDetails{} },
		"all optional fields": func(r *Record) {
			r.ErrorCode, r.ErrorMessage, r.APIVersion, r.SharedEventID, r.VPCEndpointID = "E", "m", "v", "s", "vpce"
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			r := sampleRecord()
			require.NoError(t, normalize(r, testTime, func() string { return "id" }))
			edit(r)
			requireSameJSON(t, r)
		})
	}
	for _, s := range tricky {
		r := sampleRecord()
		r.EventName, r.UserIdentity.UserName, r.Resources[0].ARN, r.UserIdentity.SessionContext.SessionIssuer.ARN = s, s, s, s
		requireSameJSON(t, r)
	}
}

// TestAppendRecordRandom compares appendRecord with encoding/json on random records.
func TestAppendRecordRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	str := func() string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return tricky[rng.IntN(len(tricky))] + string(rune(rng.IntN(0x3000)))
	}
	for range 2000 {
		requireSameJSON(t, randomRecord(rng, str))
	}
}

func randomRecord(rng *rand.Rand, str func() string) *Record {
	r := &Record{EventVersion: str(), EventTime: time.Unix(rng.Int64N(1<<35)-1<<34, rng.Int64N(2e9)%1e9),
		EventSource: str(), EventName: str(), AWSRegion: str(), SourceIPAddress: str(), UserAgent: str(),
		ErrorCode: str(), ErrorMessage: str(), RequestID: str(), EventID: str(), ReadOnly: rng.IntN(2) == 0,
		EventType: EventType(str()), APIVersion: str(), ManagementEvent: rng.IntN(2) == 0, RecipientAccountID: str(),
		SharedEventID: str(), VPCEndpointID: str(), EventCategory: EventCategory(str())}
	r.UserIdentity = UserIdentity{Type: IdentityType(str()), PrincipalID: str(), ARN: str(), AccountID: str(),
		AccessKeyID: str(), UserName: str(), InvokedBy: str()}
	if rng.IntN(2) == 0 {
		sc := &SessionContext{SourceIdentity: str()}
		if rng.IntN(2) == 0 {
			sc.SessionIssuer = &SessionIssuer{Type: IdentityType(str()), PrincipalID: str(), ARN: str(), AccountID: str(), UserName: str()}
		}
		if rng.IntN(2) == 0 {
			sc.Attributes = &SessionAttributes{MFAAuthenticated: str()}
			if rng.IntN(2) == 0 {
				sc.Attributes.CreationDate = time.Unix(rng.Int64N(1<<33), 0).In(time.FixedZone("", 3600*rng.IntN(24)))
			}
		}
		r.UserIdentity.SessionContext = sc
	}
	for range rng.IntN(3) {
		r.Resources = append(r.Resources, Resource{AccountID: str(), Type: str(), ARN: str()})
	}
	raws := []json.RawMessage{nil, {}, json.RawMessage(`{"k": "` + "v\\n" + `", "n": [1, 2.5e3, true, null]}`), json.RawMessage(`[`)}
	r.RequestParameters, r.ResponseElements = raws[rng.IntN(3)], raws[rng.IntN(3)]
	r.AdditionalEventData = raws[rng.IntN(len(raws))]
	if rng.IntN(2) == 0 {
		r.TLSDetails = &TLSDetails{TLSVersion: str(), CipherSuite: str(), ClientProvidedHostHeader: str()}
	}
	return r
}

func FuzzAppendRecord(f *testing.F) {
	f.Add("Decrypt", "alice", `{"a":1}`, int64(0))
	f.Add("\xff\u2028", "<>&\"\\", ` [ 1 , "x" ] `, int64(1<<40))
	f.Fuzz(func(t *testing.T, name, user, raw string, sec int64) {
		r := sampleRecord()
		r.EventName, r.UserIdentity.UserName, r.ErrorMessage = name, user, name+user
		r.RequestParameters = json.RawMessage(raw)
		r.EventTime = time.Unix(sec, 0)
		requireSameJSON(t, r)
	})
}
