package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type grantConstraints struct {
	EncryptionContextEquals map[string]string
}

type secretHolder struct {
	Name     string
	Token    string `sensitive:"true"`
	Password string // secret by name, untagged
}

type testEncryptInput struct {
	KeyID             string
	Plaintext         []byte `sensitive:"true"`
	EncryptionContext map[string]string
	GrantTokens       []string
	DryRun            *bool
	NumberOfBytes     int32
	Ignored           string `audit:"-"`
	Renamed           string `audit:"x-amz-server-side-encryption"`
	Constraints       *grantConstraints
	Nested            []secretHolder
	Keyed             map[string]secretHolder
	Blob              []byte
	Digest            [32]byte
	When              time.Time
	Policy            json.RawMessage
	hidden            string
}

type embeddedBase struct {
	RoleARN       string
	SessionToken  string // secret by name
	SecretAccess  string `sensitive:"true"`
	DurationInSec int
}

type testAssumeRole struct {
	embeddedBase
	ExternalID      string
	RoleSessionName string
}

func TestParams(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"nil pointer", (*testEncryptInput)(nil), ""},
		{"empty struct", testEncryptInput{}, `{}`},
		{
			name: "encrypt",
			in: &testEncryptInput{
				KeyID:             "alias/logs",
				Plaintext:         []byte("top secret"),
				EncryptionContext: map[string]string{"aws:s3:arn": "arn:aws:s3:::b", "Department": "10"},
				GrantTokens:       []string{"g1"},
				DryRun:            &no,
				NumberOfBytes:     64,
				Ignored:           "nope",
				Renamed:           "aws:kms",
				Constraints:       &grantConstraints{EncryptionContextEquals: map[string]string{"K": "v"}},
				Nested:            []secretHolder{{Name: "a", Token: "t0k3n", Password: "hunter2"}},
				Keyed:             map[string]secretHolder{"Mixed-Case Key": {Name: "b", Token: "t0k3n"}},
				Blob:              []byte("ciphertext"),
				Digest:            [32]byte{1},
				When:              time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600)),
				Policy:            json.RawMessage(`{"Version":"2012-10-17"}`),
				hidden:            "h",
			},
			want: `{"keyId":"alias/logs","encryptionContext":{"Department":"10","aws:s3:arn":"arn:aws:s3:::b"},` +
				`"grantTokens":["g1"],"dryRun":false,"numberOfBytes":64,"x-amz-server-side-encryption":"aws:kms",` +
				`"constraints":{"encryptionContextEquals":{"K":"v"}},"nested":[{"name":"a"}],` +
				`"keyed":{"Mixed-Case Key":{"name":"b"}},"when":"2026-01-02T02:04:05Z","policy":{"Version":"2012-10-17"}}`,
		},
		{"pointer true", struct{ DryRun *bool }{&yes}, `{"dryRun":true}`},
		{
			name: "embedded",
			in:   testAssumeRole{embeddedBase{RoleARN: "arn:aws:iam::1:role/r", SessionToken: "s", SecretAccess: "x", DurationInSec: 900}, "ext", "sess"},
			want: `{"externalId":"ext","roleSessionName":"sess","roleArn":"arn:aws:iam::1:role/r","durationInSec":900}`,
		},
		{"map of strings", map[string]string{"b": "2", "a": "1"}, `{"a":"1","b":"2"}`},
		{"escaping", struct{ S string }{"q\"\\\n\x01<>&\xff"}, `{"s":"q\"\\\n\u0001<>&\ufffd"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Params(tc.in)
			require.NoError(t, err)
			if tc.want == "" {
				require.Nil(t, got)
				return
			}
			require.True(t, json.Valid(got), "%s", got)
			require.JSONEq(t, tc.want, string(got))
			require.Equal(t, compact(t, tc.want), string(got), "field order")
		})
	}
}

func compact(t *testing.T, s string) string {
	var m json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(s), &m))
	b, err := encodeJSON(m)
	require.NoError(t, err)
	return string(b)
}

// TestParamsNeverWritesSecrets plants a marker in every secret place, at several depths, and checks that it
// appears nowhere in the output.
func TestParamsNeverWritesSecrets(t *testing.T) {
	const marker = "SECRET-MARKER"
	type credentials struct {
		AccessKeyID     string
		SecretAccessKey string
		SessionToken    *string
		Expiration      time.Time
	}
	type deep struct {
		Credentials *credentials
		Holders     []*secretHolder
		ByName      map[string]any
		Plaintext   string
		Data        []byte
		Custom      string `sensitive:"true"`
	}
	tok := marker
	in := deep{
		Credentials: &credentials{AccessKeyID: "ASIA1", SecretAccessKey: marker, SessionToken: &tok},
		Holders:     []*secretHolder{{Name: "n", Token: marker, Password: marker}, nil},
		ByName:      map[string]any{"x": &credentials{SecretAccessKey: marker}, "y": []byte(marker)},
		Plaintext:   marker,
		Data:        []byte(marker),
		Custom:      marker,
	}
	got, err := Params(in)
	require.NoError(t, err)
	require.NotContains(t, string(got), marker)
	require.Contains(t, string(got), `"accessKeyId":"ASIA1"`)
	require.Contains(t, string(got), `"holders":[{"name":"n"},null]`)
}

func TestParamsCycleEnds(t *testing.T) {
	type node struct {
		Name string
		Next *node
	}
	n := &node{Name: "loop"}
	n.Next = n
	got, err := Params(n)
	require.NoError(t, err)
	require.True(t, json.Valid(got))
	require.LessOrEqual(t, strings.Count(string(got), "loop"), maxParamDepth+1)
}

func TestLowerCamel(t *testing.T) {
	cases := map[string]string{
		"KeyId": "keyId", "KeyID": "keyId", "RoleARN": "roleArn", "KMSKeyID": "kmsKeyId", "QueueURL": "queueUrl",
		"URL": "url", "GrantTokens": "grantTokens", "KeyIDs": "keyIds", "RoleARNs": "roleArns",
		"SSEAlgorithm": "sseAlgorithm", "NumberOfBytes": "numberOfBytes", "X": "x", "ID": "id",
		"Base64Data": "base64Data", "already": "already",
	}
	for in, want := range cases {
		require.Equal(t, want, lowerCamel(in), in)
	}
}

func FuzzParams(f *testing.F) {
	f.Add("alias/x", "k", "v", int64(3), true)
	f.Add("\xff\x00\"", "", "\\", int64(-1), false)
	f.Fuzz(func(t *testing.T, s, k, v string, n int64, b bool) {
		in := struct {
			S  string
			M  map[string]string
			N  int64
			B  *bool
			L  []string
			P  string `sensitive:"true"`
			In any
		}{S: s, M: map[string]string{k: v}, N: n, B: &b, L: []string{s, v}, P: s + "secret", In: map[string]any{k: n}}
		got, err := Params(in)
		require.NoError(t, err)
		require.True(t, json.Valid(got), "%q", got)
		var back map[string]any
		require.NoError(t, json.Unmarshal(got, &back))
		require.NotContains(t, back, "p")
	})
}
