package sigv4_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/sigv4"
)

const (
	goodCred = "AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request"
	goodSig  = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
)

func headerRequest(authz string, headers ...string) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "https://kms.us-east-1.amazonaws.com/", nil)
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Add(headers[i], headers[i+1])
	}
	return r
}

func queryRequest(query string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, "https://bucket.s3.amazonaws.com/key?"+query, nil)
	return r
}

func presignQuery(overrides ...string) string {
	params := map[string]string{
		"X-Amz-Algorithm":     "AWS4-HMAC-SHA256",
		"X-Amz-Credential":    "AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fs3%2Faws4_request",
		"X-Amz-Date":          "20150830T123600Z",
		"X-Amz-Expires":       "3600",
		"X-Amz-SignedHeaders": "host",
		"X-Amz-Signature":     goodSig,
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		if overrides[i+1] == "-" {
			delete(params, overrides[i])
		} else {
			params[overrides[i]] = overrides[i+1]
		}
	}
	var parts []string
	for k, v := range params {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "&")
}

func TestParseHeader(t *testing.T) {
	good := "AWS4-HMAC-SHA256 Credential=" + goodCred + ", SignedHeaders=host;x-amz-date, Signature=" + goodSig
	r := headerRequest(good, "X-Amz-Date", "20150830T123600Z", "X-Amz-Security-Token", "tok")
	a, err := sigv4.Parse(r)
	require.NoError(t, err)
	require.Equal(t, &sigv4.Auth{
		Mode: sigv4.HeaderAuth, AccessKeyID: "AKIDEXAMPLE", Date: "20150830", Region: "us-east-1", Service: "kms",
		SignedHeaders: []string{"host", "x-amz-date"}, Signature: goodSig,
		Time: time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC), SecurityToken: "tok",
	}, stripUnexported(a))
	require.Equal(t, "20150830/us-east-1/kms/aws4_request", a.Scope())

	// Without spaces after the commas, and with the Date header instead of X-Amz-Date.
	compact := strings.ReplaceAll(good, ", ", ",")
	a, err = sigv4.Parse(headerRequest(compact, "Date", "Sun, 30 Aug 2015 12:36:00 GMT"))
	require.NoError(t, err)
	require.Equal(t, time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC), a.Time)

	// Anonymous.
	a, err = sigv4.Parse(headerRequest(""))
	require.NoError(t, err)
	require.Nil(t, a)
}

// stripUnexported copies the exported fields of a.
func stripUnexported(a *sigv4.Auth) *sigv4.Auth {
	return &sigv4.Auth{Mode: a.Mode, AccessKeyID: a.AccessKeyID, Date: a.Date, Region: a.Region, Service: a.Service,
		SignedHeaders: a.SignedHeaders, Signature: a.Signature, Time: a.Time, Expires: a.Expires, SecurityToken: a.SecurityToken}
}

func TestParseErrors(t *testing.T) {
	date := []string{"X-Amz-Date", "20150830T123600Z"}
	authz := func(cred, signed, sig string) string {
		return "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig
	}
	tests := []struct {
		name string
		r    *http.Request
		want sigv4.Kind
		msg  string
	}{
		{"sigv2 header", headerRequest("AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", date...), sigv4.KindUnsupported, "Signature Version 2"},
		{"sigv4a header", headerRequest("AWS4-ECDSA-P256-SHA256 Credential=AKID/20150830/s3/aws4_request, SignedHeaders=host, Signature=3045", date...), sigv4.KindUnsupported, "4A"},
		{"bearer", headerRequest("Bearer token", date...), sigv4.KindUnsupported, "Unsupported Authorization Type"},
		{"no parameters", headerRequest("AWS4-HMAC-SHA256", date...), sigv4.KindMalformed,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{"no signature", headerRequest("AWS4-HMAC-SHA256 Credential="+goodCred+", SignedHeaders=host", date...), sigv4.KindMalformed, "requires 'Signature' parameter"},
		{"no date", headerRequest(authz(goodCred, "host", goodSig)), sigv4.KindMalformed, "requires existence of either a 'X-Amz-Date' or a 'Date' header"},
		{"bad date", headerRequest(authz(goodCred, "host", goodSig), "X-Amz-Date", "2015-08-30T12:36:00Z"), sigv4.KindMalformed, "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'."},
		{"impossible date", headerRequest(authz(goodCred, "host", goodSig), "X-Amz-Date", "20150230T123600Z"), sigv4.KindMalformed, "ISO-8601"},
		{"bad Date header", headerRequest(authz(goodCred, "host", goodSig), "Date", "yesterday"), sigv4.KindMalformed, "valid Date"},
		{"short credential", headerRequest(authz("AKID/20150830/us-east-1/aws4_request", "host", goodSig), date...), sigv4.KindMalformed, "Credential is mal-formed"},
		{"empty region", headerRequest(authz("AKID/20150830//kms/aws4_request", "host", goodSig), date...), sigv4.KindMalformed, "Credential is mal-formed"},
		{"bad terminator", headerRequest(authz("AKID/20150830/us-east-1/kms/aws5_request", "host", goodSig), date...), sigv4.KindMalformed, "valid terminator: 'aws4_request', not 'aws5_request'"},
		{"bad scope date", headerRequest(authz("AKID/2015083/us-east-1/kms/aws4_request", "host", goodSig), date...), sigv4.KindMalformed, "credential date"},
		{"scope date differs", headerRequest(authz("AKID/20150831/us-east-1/kms/aws4_request", "host", goodSig), date...), sigv4.KindMalformed,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."},
		{"host not signed", headerRequest(authz(goodCred, "x-amz-date", goodSig), date...), sigv4.KindMalformed, "'Host' or ':authority' must be a 'SignedHeader'"},
		{"empty signed header", headerRequest(authz(goodCred, "host;;x-amz-date", goodSig), date...), sigv4.KindMalformed, "empty header name"},
		{"repeated component", headerRequest(authz(goodCred, "host", goodSig)+", Signature="+goodSig, date...), sigv4.KindMalformed, "repeated component"},
		{"unknown component", headerRequest(authz(goodCred, "host", goodSig)+", Foo=bar", date...), sigv4.KindMalformed, "invalid or repeated component"},
		{"two authorization headers", headerRequest(authz(goodCred, "host", goodSig), "Authorization", "AWS4-HMAC-SHA256 x", "X-Amz-Date", "20150830T123600Z"), sigv4.KindMalformed, "more than one"},
		{"header and query", func() *http.Request {
			r := queryRequest(presignQuery())
			r.Header.Set("Authorization", authz(goodCred, "host", goodSig))
			return r
		}(), sigv4.KindMalformed, "Only one auth mechanism allowed"},
		{"query missing signature", queryRequest(presignQuery("X-Amz-Signature", "-")), sigv4.KindMalformed, "Query-string authentication version 4 requires"},
		{"query missing date", queryRequest(presignQuery("X-Amz-Date", "-")), sigv4.KindMalformed, "Query-string authentication version 4 requires"},
		{"query repeated signature", queryRequest(presignQuery() + "&X-Amz-Signature=" + goodSig), sigv4.KindMalformed, "Query-string authentication version 4 requires"},
		{"query wrong algorithm", queryRequest(presignQuery("X-Amz-Algorithm", "AWS4-HMAC-SHA1")), sigv4.KindMalformed, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`},
		{"query sigv4a", queryRequest(presignQuery("X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256")), sigv4.KindUnsupported, "4A"},
		{"query bad date", queryRequest(presignQuery("X-Amz-Date", "20150830")), sigv4.KindMalformed, "ISO8601 Long Format"},
		{"query bad credential", queryRequest(presignQuery("X-Amz-Credential", "AKID")), sigv4.KindMalformed, "Error parsing the X-Amz-Credential parameter"},
		{"expires not a number", queryRequest(presignQuery("X-Amz-Expires", "soon")), sigv4.KindMalformed, "X-Amz-Expires should be a number"},
		{"expires negative", queryRequest(presignQuery("X-Amz-Expires", "-1")), sigv4.KindMalformed, "X-Amz-Expires must be non-negative"},
		{"expires zero", queryRequest(presignQuery("X-Amz-Expires", "0")), sigv4.KindMalformed, "at least 1 second"},
		{"expires over a week", queryRequest(presignQuery("X-Amz-Expires", "604801")), sigv4.KindMalformed, "X-Amz-Expires must be less than a week (in seconds) that is 604800"},
		{"expires huge", queryRequest(presignQuery("X-Amz-Expires", "99999999999999999999999")), sigv4.KindMalformed, "less than a week"},
		{"expires repeated", queryRequest(presignQuery() + "&X-Amz-Expires=10"), sigv4.KindMalformed, "X-Amz-Expires must appear once"},
		{"query sigv2", queryRequest("AWSAccessKeyId=AKID&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D"), sigv4.KindUnsupported, "Signature Version 2"},
		{"query bad escape", queryRequest(presignQuery() + "&x=%zz"), sigv4.KindMalformed, "cannot be parsed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := sigv4.Parse(tc.r)
			require.Nil(t, a)
			require.Error(t, err)
			require.Equal(t, tc.want, sigv4.KindOf(err), "%v", err)
			var e *sigv4.Error
			require.ErrorAs(t, err, &e)
			require.Contains(t, e.Message, tc.msg)
		})
	}
}

func TestParseQuery(t *testing.T) {
	a, err := sigv4.Parse(queryRequest(presignQuery("X-Amz-Security-Token", "tok%2Fen", "X-Amz-Expires", "604800")))
	require.NoError(t, err)
	require.Equal(t, sigv4.QueryAuth, a.Mode)
	require.Equal(t, "s3", a.Service)
	require.Equal(t, 7*24*time.Hour, a.Expires)
	require.Equal(t, "tok/en", a.SecurityToken)

	// X-Amz-Expires may be left out; S3 then refuses the URL in Verify, other services default it.
	a, err = sigv4.Parse(queryRequest(presignQuery("X-Amz-Expires", "-")))
	require.NoError(t, err)
	require.Zero(t, a.Expires)

	// An ordinary query string is anonymous.
	a, err = sigv4.Parse(queryRequest("prefix=X-Amz-Date&list-type=2"))
	require.NoError(t, err)
	require.Nil(t, a)
}
