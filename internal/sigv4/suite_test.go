package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The AWS SigV4 signing test suite (awslabs/aws-c-auth, Apache-2.0). A few cases are copied into
// testdata/v4 so the core always runs; the whole suite lives beside the repository in shared/testdata.

type suiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	ExpirationInSeconds int    `json:"expiration_in_seconds"`
	Normalize           bool   `json:"normalize"`
	Region              string `json:"region"`
	Service             string `json:"service"`
	SignBody            bool   `json:"sign_body"`
	Timestamp           string `json:"timestamp"`
}

// suiteDirs returns the suite directories that exist: the local copy always, the full suite if present.
func suiteDirs(t *testing.T) []string {
	t.Helper()
	dirs := []string{filepath.Join("testdata", "v4")}
	wd, err := os.Getwd()
	require.NoError(t, err)
	for dir := wd; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			full := filepath.Join(dir, "..", "shared", "testdata", "sigv4", "v4")
			if _, err := os.Stat(full); err == nil {
				dirs = append(dirs, full)
			} else {
				t.Logf("full SigV4 suite not found at %s; running the local copy only", full)
			}
			break
		}
	}
	return dirs
}

func TestSigningSuite(t *testing.T) {
	dirs := suiteDirs(t)
	total := 0
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			total++
			caseDir := filepath.Join(dir, e.Name())
			t.Run(filepath.Base(filepath.Dir(dir))+"/"+e.Name(), func(t *testing.T) {
				runSuiteCase(t, caseDir)
			})
		}
	}
	if len(dirs) > 1 {
		require.GreaterOrEqual(t, total, 38+5, "the full suite has 38 cases")
	}
}

func runSuiteCase(t *testing.T, dir string) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		return string(b)
	}
	var ctx suiteContext
	require.NoError(t, json.Unmarshal([]byte(read("context.json")), &ctx))
	now, err := time.Parse(time.RFC3339, ctx.Timestamp)
	require.NoError(t, err)

	for _, mode := range []string{"header", "query"} {
		t.Run(mode, func(t *testing.T) {
			r, body := parseRawRequest(t, read(mode+"-signed-request.txt"))
			a, err := Parse(r)
			require.NoError(t, err)
			require.Equal(t, ctx.Credentials.AccessKeyID, a.AccessKeyID)
			require.Equal(t, ctx.Region, a.Region)
			require.Equal(t, ctx.Service, a.Service)
			require.Equal(t, now, a.Time)
			require.Equal(t, strings.TrimSpace(read(mode+"-signature.txt")), a.Signature)
			if mode == "query" {
				require.Equal(t, QueryAuth, a.Mode)
				require.Equal(t, time.Duration(ctx.ExpirationInSeconds)*time.Second, a.Expires)
			}
			if ctx.Credentials.Token != "" {
				require.Equal(t, ctx.Credentials.Token, a.SecurityToken)
			}

			// The canonical request and string to sign match the expected bytes exactly.
			bodySum := sha256.Sum256(body)
			o := canonOptions{s3: !ctx.Normalize, payloadHash: hex.EncodeToString(bodySum[:])}
			canon, seen, err := appendCanonicalRequest(nil, r, a, o)
			require.NoError(t, err)
			want := read(mode + "-canonical-request.txt")
			if string(canon) != want && seen.queryToken {
				// post-sts-header-after: the token was appended to the URL after signing.
				o.dropToken = true
				canon, _, err = appendCanonicalRequest(nil, r, a, o)
				require.NoError(t, err)
			}
			require.Equal(t, want, string(canon))
			sum := sha256.Sum256(canon)
			sts := Algorithm + "\n" + a.requestTime() + "\n" + a.Scope() + "\n" + hex.EncodeToString(sum[:])
			require.Equal(t, read(mode+"-string-to-sign.txt"), sts)
			key := deriveKey(ctx.Credentials.SecretAccessKey, a.Date, a.Region, a.Service)
			require.NoError(t, checkSignature(r, a, &key, !ctx.Normalize, o.payloadHash))

			// Through the public API, with the suite's clock.
			v := NewVerifier(Config{Now: func() time.Time { return now.Add(time.Minute) }})
			req := Request{HTTP: r, Auth: a, Secret: ctx.Credentials.SecretAccessKey, S3: !ctx.Normalize, Body: body}
			if req.S3 && mode == "header" {
				// S3 takes the payload hash from x-amz-content-sha256, exempt from signing.
				r.Header.Set("X-Amz-Content-Sha256", o.payloadHash)
			}
			if !req.S3 || mode == "header" {
				_, err = v.Verify(req)
				require.NoError(t, err)
			}

			// A wrong secret or a changed signature fails, with the canonical request in the error.
			req.Secret = ctx.Credentials.SecretAccessKey + "x"
			if !req.S3 || mode == "header" {
				_, err = v.Verify(req)
				require.Equal(t, KindSignatureMismatch, KindOf(err))
			}
			bad := *a
			bad.Signature = flipHex(a.Signature)
			err = checkSignature(r, &bad, &key, !ctx.Normalize, o.payloadHash)
			require.Equal(t, KindSignatureMismatch, KindOf(err))
		})
	}
}

// parseRawRequest builds a server-side request from the suite's raw HTTP text, which is not always valid
// HTTP (spaces and raw UTF-8 in the path, folded header lines), so net/http cannot read it.
func parseRawRequest(t *testing.T, raw string) (*http.Request, []byte) {
	t.Helper()
	head, body, _ := strings.Cut(raw, "\n\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	method, rest, ok := strings.Cut(lines[0], " ")
	require.True(t, ok)
	target := rest[:strings.LastIndexByte(rest, ' ')]
	path, query, _ := strings.Cut(target, "?")
	decoded, err := url.PathUnescape(path)
	if err != nil {
		decoded = path
	}
	r := &http.Request{
		Method:     method,
		RequestURI: target,
		URL:        &url.URL{Path: decoded, RawQuery: query},
		Header:     http.Header{},
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
	var names []string
	for _, line := range lines[1:] {
		if line != "" && (line[0] == ' ' || line[0] == '\t') { // folded continuation of the previous header
			last := names[len(names)-1]
			vals := r.Header[last]
			vals[len(vals)-1] += " " + line
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		require.True(t, ok, "header line %q", line)
		key := http.CanonicalHeaderKey(name)
		names = append(names, key)
		if key == "Host" {
			r.Host = value
			continue
		}
		r.Header.Add(key, value)
		if key == "Content-Length" {
			r.ContentLength, err = strconv.ParseInt(value, 10, 64)
			require.NoError(t, err)
		}
	}
	b := []byte(body)
	r.Body = http.NoBody
	if len(b) > 0 {
		r.Body = readCloser{bytes.NewReader(b)}
	}
	return r, b
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// flipHex changes the last hex digit of s.
func flipHex(s string) string {
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}
