package kms

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseKeyID feeds arbitrary KeyId parameters to the parser: it must never panic, and what it accepts
// must name a key or an alias of a valid account in the caller's region.
func FuzzParseKeyID(f *testing.F) {
	for _, s := range []string{"1234abcd-12ab-34cd-56ef-1234567890ab", "alias/lake", "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:kms:us-east-1:111122223333:alias/x", "arn:aws:kms:eu-west-1:1:key/x", "mrk-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := parseKeyID(acct, region, s, true)
		if err != nil {
			return
		}
		require.Equal(t, region, ref.region)
		require.True(t, validAccount(ref.account))
		require.True(t, (ref.id == "") != (ref.alias == ""))
		if ref.id != "" {
			require.True(t, validKeyID(ref.id))
			require.True(t, strings.HasSuffix(s, ref.id))
		} else {
			require.True(t, validAliasName(ref.alias))
		}
	})
}

// FuzzParseGrantToken feeds arbitrary grant tokens to the decoder: only tokens the service issued are
// accepted, and they decode to what was issued.
func FuzzParseGrantToken(f *testing.F) {
	e := newTestEnv(f)
	arn := "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	id := strings.Repeat("ab", 32)
	good, err := e.svc.grantToken(arn, id)
	require.NoError(f, err)
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, tok string) {
		gotARN, gotID, err := e.svc.parseGrantToken(tok)
		if err != nil {
			return
		}
		require.Equal(t, arn, gotARN)
		require.Equal(t, id, gotID)
	})
}
