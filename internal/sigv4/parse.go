package sigv4

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Query parameters of a presigned URL.
const (
	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"
)

// MaxExpires is the longest lifetime a presigned URL may ask for (seven days).
const MaxExpires = 7 * 24 * time.Hour

const (
	msgOneMechanism = "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, " +
		"Signature query string parameter or the Authorization header should be specified"
	msgQueryParams = "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, " +
		"X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."
	msgHostSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgSigV2      = "AWS Signature Version 2 is not supported; sign requests with Signature Version 4 (AWS4-HMAC-SHA256)."
	msgSigV4a     = "AWS Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported; sign requests with AWS4-HMAC-SHA256."
)

// Parse reads the SigV4 parameters from the Authorization header or the presigned query string. It returns
// (nil, nil) for an anonymous request, and an *Error of KindMalformed or KindUnsupported when the request
// tries to authenticate but says so badly. Parse looks up no secret and checks no signature or time.
func Parse(r *http.Request) (*Auth, error) {
	authz := r.Header["Authorization"]
	presigned := hasQueryAuth(r.URL.RawQuery)
	switch {
	case len(authz) > 0 && presigned:
		return nil, newError(KindMalformed, msgOneMechanism)
	case len(authz) > 1:
		return nil, newError(KindMalformed, "The request carries more than one Authorization header.")
	case len(authz) == 1:
		return parseHeader(r, authz[0])
	case presigned:
		return parseQuery(r)
	case hasQueryParam(r.URL.RawQuery, "AWSAccessKeyId") && hasQueryParam(r.URL.RawQuery, "Signature"):
		return nil, newError(KindUnsupported, msgSigV2)
	}
	return nil, nil
}

// hasQueryAuth reports whether the raw query carries any SigV4 presigning parameter.
func hasQueryAuth(raw string) bool {
	if !strings.Contains(raw, "X-Amz-") {
		return false
	}
	return hasQueryParam(raw, paramAlgorithm) || hasQueryParam(raw, paramCredential) || hasQueryParam(raw, paramSignature)
}

// hasQueryParam reports whether the raw query has a parameter spelled exactly name.
func hasQueryParam(raw, name string) bool {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		key, _, _ := strings.Cut(part, "=")
		if key == name {
			return true
		}
	}
	return false
}

func parseHeader(r *http.Request, value string) (*Auth, error) {
	scheme, rest, _ := strings.Cut(value, " ")
	switch scheme {
	case Algorithm:
	case algorithmECDSA:
		return nil, newError(KindUnsupported, msgSigV4a)
	case "AWS":
		return nil, newError(KindUnsupported, msgSigV2)
	default:
		return nil, newError(KindUnsupported, "Unsupported Authorization Type")
	}
	params, err := splitAuthorization(rest)
	if err != nil {
		return nil, err
	}
	var missing strings.Builder
	for i, name := range authzParams {
		if params[i] == "" {
			missing.WriteString("Authorization header requires '" + name + "' parameter. ")
		}
	}
	if r.Header.Get(paramDate) == "" && r.Header.Get("Date") == "" {
		missing.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if missing.Len() > 0 {
		return nil, newError(KindMalformed, strings.TrimSpace(missing.String()))
	}

	a := &Auth{Mode: HeaderAuth, Signature: params[1], SecurityToken: r.Header.Get(paramSecurityToken)}
	if msg := a.setCredential(params[0]); msg != "" {
		return nil, newError(KindMalformed, msg)
	}
	if err := a.setSignedHeaders(params[2]); err != nil {
		return nil, err
	}
	if err := a.setHeaderTime(r); err != nil {
		return nil, err
	}
	if err := a.checkScopeDate(); err != nil {
		return nil, err
	}
	return a, nil
}

// splitAuthorization splits "Credential=..., SignedHeaders=..., Signature=..." (in any order, with or
// without spaces after the commas) into their values, refusing unknown and repeated components.
func splitAuthorization(s string) ([3]string, error) {
	var vals [3]string // indexed like authzParams
	var seen [3]bool
	for s != "" {
		var part string
		part, s, _ = strings.Cut(s, ",")
		part = strings.TrimSpace(part)
		key, val, ok := strings.Cut(part, "=")
		i := slices.Index(authzParams[:], key)
		if !ok || i < 0 || seen[i] {
			return vals, newError(KindMalformed, "Authorization header has an invalid or repeated component: "+strconv.Quote(part)+".")
		}
		vals[i], seen[i] = val, true
	}
	return vals, nil
}

// authzParams are the components of the Authorization header, in the order AWS reports them missing.
var authzParams = [3]string{"Credential", "Signature", "SignedHeaders"}

// setHeaderTime reads the request time from X-Amz-Date or, failing that, the Date header.
func (a *Auth) setHeaderTime(r *http.Request) error {
	if amzDate := r.Header.Get(paramDate); amzDate != "" {
		t, ok := parseAmzDate(amzDate)
		if !ok {
			return newError(KindMalformed, "Date must be in ISO-8601 'basic format'. Got '"+amzDate+
				"'. See http://en.wikipedia.org/wiki/ISO_8601")
		}
		a.Time, a.amzDate = t, amzDate
		return nil
	}
	t, err := http.ParseTime(r.Header.Get("Date"))
	if err != nil {
		return newError(KindMalformed, "AWS authentication requires a valid Date or x-amz-date header")
	}
	a.Time = t.UTC()
	return nil
}

func parseQuery(r *http.Request) (*Auth, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, newError(KindMalformed, "The query string cannot be parsed.")
	}
	get := func(name string) (string, bool) {
		v := q[name]
		return strings.Join(v, ""), len(v) == 1
	}
	alg, okAlg := get(paramAlgorithm)
	if alg == algorithmECDSA {
		return nil, newError(KindUnsupported, msgSigV4a)
	}
	cred, okCred := get(paramCredential)
	date, okDate := get(paramDate)
	signedHeaders, okSH := get(paramSignedHeaders)
	signature, okSig := get(paramSignature)
	if !okAlg || !okCred || !okDate || !okSH || !okSig || cred == "" || signedHeaders == "" || signature == "" {
		return nil, newError(KindMalformed, msgQueryParams)
	}
	if alg != Algorithm {
		return nil, newError(KindMalformed, `X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	a := &Auth{Mode: QueryAuth, Signature: signature}
	if token, ok := q[paramSecurityToken]; ok {
		if len(token) != 1 {
			return nil, newError(KindMalformed, "X-Amz-Security-Token must appear once.")
		}
		a.SecurityToken = token[0]
	}
	if msg := a.setCredential(cred); msg != "" {
		return nil, newError(KindMalformed, "Error parsing the X-Amz-Credential parameter; "+msg)
	}
	if err := a.setSignedHeaders(signedHeaders); err != nil {
		return nil, err
	}
	t, ok := parseAmzDate(date)
	if !ok {
		return nil, newError(KindMalformed, `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	a.Time, a.amzDate = t, date
	if expires, present := q[paramExpires]; present {
		if a.Expires, err = parseExpires(expires); err != nil {
			return nil, err
		}
	}
	if err := a.checkScopeDate(); err != nil {
		return nil, err
	}
	return a, nil
}

// parseExpires reads X-Amz-Expires: whole seconds from 1 to MaxExpires.
func parseExpires(vals []string) (time.Duration, error) {
	if len(vals) != 1 {
		return 0, newError(KindMalformed, "X-Amz-Expires must appear once.")
	}
	const tooLong = "X-Amz-Expires must be less than a week (in seconds) that is 604800"
	n, err := strconv.ParseInt(vals[0], 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		n = math.MaxInt64 // all digits, just too many of them
		if strings.HasPrefix(vals[0], "-") {
			n = -1
		}
	} else if err != nil {
		return 0, newError(KindMalformed, "X-Amz-Expires should be a number")
	}
	switch {
	case n < 0:
		return 0, newError(KindMalformed, "X-Amz-Expires must be non-negative")
	case n == 0:
		return 0, newError(KindMalformed, "X-Amz-Expires must be at least 1 second (and at most 604800)")
	case n > int64(MaxExpires/time.Second):
		return 0, newError(KindMalformed, tooLong)
	}
	return time.Duration(n) * time.Second, nil
}

// setCredential fills the access key and scope from "<akid>/<date>/<region>/<service>/aws4_request".
// It returns a message describing what is wrong, or "".
func (a *Auth) setCredential(cred string) string {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" || parts[2] == "" || parts[3] == "" {
		return `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`
	}
	if parts[4] != terminator {
		return "Credential should be scoped with a valid terminator: 'aws4_request', not '" + parts[4] + "'."
	}
	if _, err := time.Parse(scopeDate, parts[1]); err != nil || len(parts[1]) != len(scopeDate) {
		return "Invalid credential date \"" + parts[1] + "\"; expecting YYYYMMDD."
	}
	a.AccessKeyID, a.Date, a.Region, a.Service = parts[0], parts[1], parts[2], parts[3]
	return ""
}

// setSignedHeaders splits the semicolon-separated list and insists that host is in it.
func (a *Auth) setSignedHeaders(list string) error {
	a.SignedHeaders = strings.Split(list, ";")
	for _, h := range a.SignedHeaders {
		if h == "" {
			return newError(KindMalformed, "SignedHeaders has an empty header name: "+strconv.Quote(list)+".")
		}
	}
	if !a.signsHeader("host") && !a.signsHeader(":authority") {
		return newError(KindMalformed, msgHostSigned)
	}
	return nil
}

// checkScopeDate insists that the credential scope names the day of the request time.
func (a *Auth) checkScopeDate() error {
	var buf [len(scopeDate)]byte
	day := a.Time.UTC().AppendFormat(buf[:0], scopeDate)
	if a.Date == string(day) {
		return nil
	}
	return newError(KindMalformed, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
		a.Date+"' != '"+string(day)+"', from '"+a.requestTime()+"'.")
}

// parseAmzDate parses an X-Amz-Date value, accepting only the exact basic ISO 8601 form.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateFormat) {
		return time.Time{}, false
	}
	t, err := time.Parse(amzDateFormat, s)
	if err != nil || t.Format(amzDateFormat) != s {
		return time.Time{}, false
	}
	return t, true
}
