package kms

import (
	"context"
	"testing"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/cputime"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/iam/policy"
)

// benchEnv is a key with the Security Lake S3 key policy and the resource-management role calling through
// S3 with the bucket as encryption context: the data-key path S3 takes for every object it writes with a
// bucket key, policy conditions included.
type benchEnv struct {
	*testEnv
	key    *KeyMetadata
	caller *actor.Caller
	ec     map[string]string
	// rec records each call as the envelope client does for S3 (audit=on); nil records nothing.
	rec actor.Recorder
}

// keyPolicyOnly is an Authorizer that evaluates the request against the key policy with the policy engine and
// no identity-based policies, without a store read: it stands for IAM with its principals' policies cached,
// to measure what the KMS path itself costs.
type keyPolicyOnly struct{}

func (keyPolicyOnly) Authorize(_ context.Context, c *actor.Caller, req actor.Request) (policy.Decision, error) {
	pc := req.Context.Clone()
	pc.SetTime("aws:CurrentTime", c.Time)
	pc.Set("aws:SourceIp", c.SourceIP)
	if c.InvokedBy != "" {
		pc.Set("aws:CalledVia", c.InvokedBy)
	}
	return policy.Evaluate(policy.Input{
		Request:  policy.Request{Principal: iam.PolicyPrincipal(&c.Identity), Action: req.Action, Resource: req.Resource, Context: pc},
		Resource: req.ResourcePolicy, ResourceAccount: req.ResourceAccount, RequireResourcePolicy: req.RequireResourcePolicy,
	}), nil
}

func newBenchEnv(b *testing.B, withAudit, cachedIAM bool) *benchEnv {
	e := newTestEnv(b, func(c *Config) {
		c.Recorder = nil
		if cachedIAM {
			c.Identity = keyPolicyOnly{}
		}
	})
	var rec actor.Recorder
	if withAudit {
		log, err := audit.Open(context.Background(), audit.Config{Store: e.store, Clock: e.clock, ChainKey: make([]byte, 32)})
		require.NoError(b, err)
		b.Cleanup(func() { require.NoError(b, log.Close()) })
		rec = audit.NewRecorder(log, e.clock)
	}
	md := e.createKey(b, "")
	require.NoError(b, e.svc.PutKeyPolicy(ctx, rootOf(acct), md.KeyID, "", policyFile(b, "securitylake-s3.json", md.ARN), false))
	return &benchEnv{testEnv: e, key: md, caller: via(sessionOf(acct, rmRole, "rm"), s3Service), ec: map[string]string{"aws:s3:arn": bucketARN}, rec: rec}
}

// BenchmarkGenerateDataKey measures the in-process data-key path (policy evaluation, derivation, AES-GCM):
// with IAM as it is (iam.Service, which reads the caller's policies from the store on every decision) or
// with the identity side cached (keyPolicyOnly), and with or without audit records going to a real trail on
// SQLite, made as the envelope client makes them for S3 (an actor.Call recorded by audit.Recorder).
func BenchmarkGenerateDataKey(b *testing.B) {
	for _, c := range []struct {
		name             string
		audit, cachedIAM bool
	}{
		{"iam=store/audit=off", false, false},
		{"iam=store/audit=on", true, false},
		{"iam=cached/audit=off", false, true},
		{"iam=cached/audit=on", true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := newBenchEnv(b, c.audit, c.cachedIAM)
			req := DataKeyRequest{KeyID: e.key.ARN, EncryptionContext: e.ec}
			params := struct {
				KeyID             string
				EncryptionContext map[string]string
				KeySpec           string
			}{e.key.ARN, e.ec, DataKeyAES256}
			parallel(b, func() error {
				if e.rec == nil {
					_, err := e.svc.GenerateDataKey(ctx, e.caller, req)
					return err
				}
				call := &actor.Call{Caller: e.caller, EventSource: EventSource, Operation: "GenerateDataKey", ReadOnly: true, RequestParameters: params}
				return actor.Do(ctx, e.rec, call, func(ctx context.Context) error {
					_, err := e.svc.GenerateDataKey(ctx, e.caller, req)
					return err
				})
			})
		})
	}
}

// BenchmarkDecrypt measures the in-process decryption of a data key.
func BenchmarkDecrypt(b *testing.B) {
	e := newBenchEnv(b, false, true)
	dk, err := e.svc.GenerateDataKey(ctx, e.caller, DataKeyRequest{KeyID: e.key.ARN, EncryptionContext: e.ec})
	require.NoError(b, err)
	req := DecryptRequest{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: e.ec}
	parallel(b, func() error {
		_, err := e.svc.Decrypt(ctx, e.caller, req)
		return err
	})
}

// parallel runs op on every core and reports operations per wall-clock second, and the process's CPU time
// per operation (user + system, from getrusage) with the operations one CPU-second buys: on a machine shared
// with other work the CPU figures are the ones to compare.
func parallel(b *testing.B, op func() error) {
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Used()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	cpu := cputime.Used() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "ops/cpu-s")
}

// BenchmarkSealOpen measures the ciphertext format alone: sealing and opening a 32-byte data key.
func BenchmarkSealOpen(b *testing.B) {
	ec := map[string]string{"aws:s3:arn": bucketARN}
	pt := make([]byte, 32)
	b.ReportAllocs()
	for b.Loop() {
		blob, err := sealBlob(testMaterial, testHeader, testRandom, ec, pt)
		if err != nil {
			b.Fatal(err)
		}
		p, err := parseBlob(blob)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := openBlob(testMaterial, p, ec); err != nil {
			b.Fatal(err)
		}
	}
}
