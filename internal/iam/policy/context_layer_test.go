package policy

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestContextLayer(t *testing.T) {
	var base Context
	base.Set("kms:CallerAccount", "111122223333")
	base.Set("aws:SourceIp", "10.0.0.1")
	base.Set("kms:EncryptionContextKeys", "a", "b")

	l := base.Layer()
	l.Set("aws:SourceIp", "192.0.2.1") // hides the base's value
	l.Set("aws:SecureTransport", "true")

	v, ok := l.Get("AWS:SOURCEIP")
	require.True(t, ok)
	require.Equal(t, []string{"192.0.2.1"}, v)
	v, ok = l.Get("kms:calleraccount")
	require.True(t, ok, "the base's keys show through")
	require.Equal(t, []string{"111122223333"}, v)
	require.Equal(t, 4, l.Len())
	keys := l.Keys()
	slices.Sort(keys)
	require.Equal(t, []string{"aws:securetransport", "aws:sourceip", "kms:calleraccount", "kms:encryptioncontextkeys"}, keys)

	// The base is untouched.
	v, _ = base.Get("aws:SourceIp")
	require.Equal(t, []string{"10.0.0.1"}, v)
	_, ok = base.Get("aws:SecureTransport")
	require.False(t, ok)
	require.Equal(t, 3, base.Len())

	// Deleting a key the base holds hides it in the layer only.
	l.Delete("kms:CallerAccount")
	_, ok = l.Get("kms:CallerAccount")
	require.False(t, ok)
	_, ok = base.Get("kms:CallerAccount")
	require.True(t, ok)

	// A clone of a layer is a flat copy with the layer's values.
	c := base.Layer()
	c.Set("aws:SourceIp", "198.51.100.7")
	flat := c.Clone()
	require.Nil(t, flat.base)
	v, _ = flat.Get("aws:sourceip")
	require.Equal(t, []string{"198.51.100.7"}, v)
	require.Equal(t, 3, flat.Len())

	// The evaluator reads through a layer.
	p, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*",
		"Condition":{"StringEquals":{"kms:CallerAccount":"111122223333","aws:SourceIp":"198.51.100.7"}}}]}`), Identity)
	require.NoError(t, err)
	d := Evaluate(Input{Request: Request{Principal: UserPrincipal("arn:aws:iam::111122223333:user/alice", "AIDAEXAMPLE"), Action: "kms:Decrypt", Resource: "*", Context: c},
		Identity: []*Policy{p}})
	require.True(t, d.Allowed, "%+v", d)
	c.Set("aws:SourceIp", "10.9.9.9")
	require.False(t, Evaluate(Input{Request: Request{Principal: UserPrincipal("arn:aws:iam::111122223333:user/alice", "AIDAEXAMPLE"), Action: "kms:Decrypt", Resource: "*",
		Context: c}, Identity: []*Policy{p}}).Allowed, "the layer's value, not the base's, decides")
}
