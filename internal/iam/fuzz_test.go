package iam

import (
	"context"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

// FuzzParseIAMARN checks that an ARN that parses is rebuilt exactly from its parts.
func FuzzParseIAMARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:role/aws-service-role/securitylake.amazonaws.com/AWSServiceRoleForSecurityLake",
		"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::111122223333:root", "arn:aws:iam:::role/", "arn:aws:iam::1:role//x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseIAMARN(s)
		if !ok {
			return
		}
		require.Equal(t, s, "arn:aws:iam::"+a.Account+":"+a.Kind+a.Path+a.Name)
		require.NotEmpty(t, a.Name)
		require.False(t, strings.Contains(a.Name, "/"))
		require.True(t, strings.HasPrefix(a.Path, "/") && strings.HasSuffix(a.Path, "/"))
	})
}

// FuzzParseSessionARN checks that a session ARN that parses is rebuilt exactly by sessionARN.
func FuzzParseSessionARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:sts::111122223333:assumed-role/Reader/s1", "arn:aws:sts::111122223333:assumed-role/Reader", "arn:aws:sts::1:assumed-role//x",
		"arn:aws:sts::111122223333:federated-user/bob",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		acct, role, session, ok := parseSessionARN(s)
		if !ok {
			return
		}
		require.NotEmpty(t, role)
		require.NotEmpty(t, session)
		require.Equal(t, s, sessionARN(acct, role, session))
	})
}

// FuzzAssumeRoleInput checks that validation of any request answers with an AWS error or accepts it, and
// that what it accepts meets the model's constraints.
func FuzzAssumeRoleInput(f *testing.F) {
	f.Add("arn:aws:iam::111122223333:role/R", "session", "ext-1", "", 3600, "team", "blue")
	f.Add("x", "s", "", "id", 0, "", "")
	f.Add("arn:aws:iam::111122223333:role/R", "a\x00b", "é", "src", 900, "k\u00e9y", "v/:=+-@")
	f.Fuzz(func(t *testing.T, role, session, ext, source string, d int, key, value string) {
		in := AssumeRoleInput{RoleARN: role, SessionName: session, ExternalID: ext, SourceIdentity: source, DurationSeconds: d}
		if key != "" {
			in.Tags = []actor.Tag{{Key: key, Value: value}}
		}
		err := in.validate()
		if err != nil {
			_, ok := asCode(err, "ValidationError")
			_, limit := asCode(err, "LimitExceeded")
			_, dup := asCode(err, "InvalidInput")
			require.True(t, ok || limit || dup, "%v", err)
			return
		}
		require.True(t, len(session) >= 2 && sessionNameRE.MatchString(session))
		require.True(t, d == 0 || (d >= MinSessionDuration && d <= MaxMaxSessionDuration))
	})
}

// FuzzSimulateCustomPolicy checks that any simulation request is answered with results or an AWS error that
// the caller can act on, never an internal failure.
func FuzzSimulateCustomPolicy(f *testing.F) {
	fx := newFixture(f)
	f.Add(allowDoc("s3:GetObject", "*"), "s3:GetObject", "arn:aws:s3:::b/k", "", "arn:aws:iam::111122223333:user/alice", "aws:SourceIp", "10.0.0.1")
	f.Add(trustAccount, "sts:AssumeRole", "arn:aws:iam::111122223333:role/R", trustAccount, "arn:aws:sts::111122223333:assumed-role/R/s", "", "")
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"}}`, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}]}`, "arn:aws:iam::111122223333:root", "", "")
	f.Fuzz(func(t *testing.T, doc, action, resource, resourcePolicy, caller, key, value string) {
		in := SimulateInput{Policies: []string{doc}, Actions: []string{action}, Resources: []string{resource},
			ResourcePolicy: resourcePolicy, CallerARN: caller}
		if key != "" {
			in.Context = []ContextEntry{{Key: key, Values: []string{value}, Type: "string"}}
		}
		res, _, err := fx.svc.SimulateCustomPolicy(context.Background(), fx.root, in)
		if err != nil {
			_, ok := asCode(err, "InvalidInput")
			require.True(t, ok, "%v", err)
			return
		}
		require.Len(t, res, 1)
		require.Contains(t, []string{"allowed", "explicitDeny", "implicitDeny"}, res[0].Decision)
	})
}
