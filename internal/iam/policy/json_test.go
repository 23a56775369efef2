package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseJSON(t *testing.T) {
	v, err := parseJSON(" {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\\ud83d\\ude00\"], \"b\": {}} ")
	require.NoError(t, err)
	require.Equal(t, jsonObject, v.kind)
	require.Equal(t, "a", v.fields[0].key)
	items := v.fields[0].value.items
	require.Equal(t, []jsonKind{jsonNumber, jsonNumber, jsonBool, jsonBool, jsonNull, jsonString},
		[]jsonKind{items[0].kind, items[1].kind, items[2].kind, items[3].kind, items[4].kind, items[5].kind})
	require.Equal(t, "-2.5e3", items[1].text)
	require.Equal(t, "true", items[2].text)
	require.Equal(t, "xé\n😀", items[5].text)
	require.Equal(t, jsonObject, v.fields[1].value.kind)
	require.Equal(t, 1, v.start)
	require.Equal(t, len(v.fields), 2)

	for _, bad := range []string{
		``, `{`, `{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":1 "b":2}`, `01`, `1.`, `-`, `"\x"`, `"\u12"`, "\"a\tb\"",
		`{"a":1,"a":2}`, `tru`, `{} {}`, "\"\xff\"", strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
	} {
		_, err := parseJSON(bad)
		require.ErrorIs(t, err, errJSONSyntax, "%q", bad)
	}
}

func TestParseJSONPosition(t *testing.T) {
	_, err := parseJSON("{\n  \"a\": 1,\n  \"a\": 2\n}")
	require.ErrorContains(t, err, "line 3, column 3")
	require.ErrorContains(t, err, `duplicate member "a"`)
}

// TestWriteJSONString checks that the encoder's output decodes to the input with encoding/json and uses only
// printable ASCII.
func TestWriteJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"u\o`, "tab\tnl\n", "é€😀", "\x01\x7f", "\ufffd"} {
		var b strings.Builder
		writeJSONString(&b, s)
		out := b.String()
		for _, c := range out {
			require.True(t, c >= 0x20 && c < 0x7f, "%q has %q", out, c)
		}
		var back string
		require.NoError(t, json.Unmarshal([]byte(out), &back))
		require.Equal(t, s, back)
	}
}

func TestQuotas(t *testing.T) {
	doc := []byte("{ \"a\" :\n\t\"é\" }")
	require.Equal(t, 9, UserInline.Size(doc))            // white space not counted, characters not bytes
	require.Equal(t, len(doc), KeyPolicySize.Size(doc))  // bytes
	require.Equal(t, 14, ServiceControlPolicy.Size(doc)) // every character
	require.Equal(t, 2048, UserInline.Max())
	require.Equal(t, 5120, GroupInline.Max())
	require.Equal(t, 10240, RoleInline.Max())
	require.Equal(t, 6144, Managed.Max())
	require.Equal(t, 2048, RoleTrust.Max())
	require.Equal(t, 2048, SessionPlaintext.Max())
	require.Equal(t, 32768, KeyPolicySize.Max())
	require.Equal(t, 20480, BucketPolicy.Max())
	require.Equal(t, 8192, QueuePolicy.Max())
	require.Equal(t, 5120, ServiceControlPolicy.Max())
	big := []byte("{" + strings.Repeat(" ", 5000) + strings.Repeat("x", 2047) + "}")
	require.False(t, UserInline.Fits(big)) // 2049 characters without the spaces
	require.True(t, RoleInline.Fits(big))
}

func TestContext(t *testing.T) {
	var c Context
	_, ok := c.Get("aws:SourceIp")
	require.False(t, ok)
	c.Set("AWS:SourceIP", "10.0.0.1")
	c.SetBool("aws:SecureTransport", true)
	c.SetInt("s3:max-keys", 10)
	v, ok := c.Get("aws:sourceip")
	require.True(t, ok)
	require.Equal(t, []string{"10.0.0.1"}, v)
	v, _ = c.Get("aws:securetransport")
	require.Equal(t, []string{"true"}, v)
	require.Equal(t, 3, c.Len())
	clone := c.Clone()
	c.Delete("aws:SourceIp")
	require.Equal(t, 2, c.Len())
	require.Equal(t, 3, clone.Len())
	require.ElementsMatch(t, []string{"aws:sourceip", "aws:securetransport", "s3:max-keys"}, clone.Keys())
}

func TestCauseSuffix(t *testing.T) {
	require.Equal(t, "because no resource-based policy allows the kms:Decrypt action", CauseNoResourceAllow.Suffix("kms:Decrypt"))
	require.Equal(t, "because no identity-based policy allows the kms:Decrypt action", CauseNoIdentityAllow.Suffix("kms:Decrypt"))
	require.Equal(t, "with an explicit deny in a resource-based policy", CauseExplicitDenyResource.Suffix("kms:Decrypt"))
	require.Equal(t, "", CauseNone.Suffix("kms:Decrypt"))
	for c := CauseNone; c <= CauseNoSessionAllow; c++ {
		require.NotEqual(t, "Unknown", c.String())
		if c != CauseNone {
			require.NotEmpty(t, c.Suffix("x:Y"))
		}
	}
}

func TestKindQuota(t *testing.T) {
	require.Equal(t, 6144, MaxSize(Identity))
	require.Equal(t, 6144, MaxSize(Boundary))
	require.Equal(t, 20480, MaxSize(Resource))
	require.Equal(t, 2048, MaxSize(Trust))
	require.Equal(t, 32768, MaxSize(KeyPolicy))
	require.Equal(t, 2048, MaxSize(Session))
	require.Equal(t, 5120, MaxSize(SCP))
}
