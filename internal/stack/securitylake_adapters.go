package stack

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/queue"
)

// lakeBuckets keeps a lake bucket's encryption and lifecycle as the lake is configured (lake.Buckets).
type lakeBuckets struct {
	o   *objstore.Service
	rec actor.Recorder
}

// iamEventSource is IAM's name on the audit trail.
const iamEventSource = "iam.amazonaws.com"

// lakeDo runs one call that Security Lake makes of another service as an in-process call on the audit trail,
// so that the decisions made during it are recorded on it rather than on the request that caused it.
func lakeDo(ctx context.Context, rec actor.Recorder, c *actor.Caller, source, op string, params any, fn func(context.Context) error) error {
	return actor.Do(ctx, rec, &actor.Call{Caller: c, EventSource: source, Operation: op, RequestParameters: params}, fn)
}

func (b lakeBuckets) SetEncryption(ctx context.Context, owner *actor.Caller, bucket, keyARN string) error {
	def, bucketKey := &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEAES256}, false
	if keyARN != "" {
		def, bucketKey = &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEKMS, KMSMasterKeyID: keyARN}, true
	}
	enc := &objstore.Encryption{Rules: []objstore.EncryptionRule{{Default: def, BucketKeyEnabled: &bucketKey}}}
	return lakeDo(ctx, b.rec, owner, objstore.EventSource, "PutBucketEncryption", map[string]any{"bucketName": bucket},
		func(ctx context.Context) error { return b.o.PutBucketEncryption(ctx, owner, bucket, enc) })
}

func (b lakeBuckets) SetLifecycle(ctx context.Context, owner *actor.Caller, bucket string, lc *lake.Lifecycle) error {
	empty := ""
	rule := objstore.LifecycleRule{ID: "SecurityLake", Filter: &objstore.LifecycleFilter{Prefix: &empty}, Status: "Enabled"}
	if lc.Expiration != nil && lc.Expiration.Days != nil {
		rule.Expiration = &objstore.LifecycleExpiration{Days: *lc.Expiration.Days, DaysGiven: true}
	}
	for _, t := range lc.Transitions {
		if t.Days != nil {
			rule.Transitions = append(rule.Transitions, objstore.LifecycleTransition{Days: *t.Days, StorageClass: t.StorageClass})
		}
	}
	if rule.Expiration == nil && len(rule.Transitions) == 0 {
		return nil
	}
	return lakeDo(ctx, b.rec, owner, objstore.EventSource, "PutBucketLifecycle", map[string]any{"bucketName": bucket},
		func(ctx context.Context) error {
			return b.o.PutBucketLifecycle(ctx, owner, bucket, &objstore.Lifecycle{Rules: []objstore.LifecycleRule{rule}})
		})
}

func (b lakeBuckets) SetReplication(ctx context.Context, owner *actor.Caller, bucket, roleARN string, to []lake.ReplicaTarget) error {
	return lakeDo(ctx, b.rec, owner, objstore.EventSource, "PutBucketReplication", map[string]any{"bucketName": bucket},
		func(ctx context.Context) error {
			rep := &objstore.Replication{Role: roleARN}
			for i, t := range append([]lake.ReplicaTarget{{Bucket: bucket}}, to...) {
				if err := b.o.PutBucketVersioning(ctx, owner, t.Bucket, objstore.VersioningEnabled, ""); err != nil {
					return err
				}
				if i == 0 {
					continue
				}
				prio, empty := i, ""
				rule := objstore.ReplicationRule{ID: "SecurityLake-" + t.Bucket, Priority: &prio, Filter: &objstore.LifecycleFilter{Prefix: &empty},
					Status: "Enabled", DeleteMarkerReplication: &objstore.ReplicationSwitch{Status: "Disabled"},
					Destination: objstore.ReplicationDestination{Bucket: "arn:aws:s3:::" + t.Bucket}}
				if t.KMSKeyARN != "" {
					rule.SourceSelectionCriteria = &objstore.ReplicationSourceSelection{SseKmsEncryptedObjects: &objstore.ReplicationSwitch{Status: "Enabled"}}
					rule.Destination.EncryptionConfiguration = &objstore.ReplicationEncryption{ReplicaKmsKeyID: t.KMSKeyARN}
				}
				rep.Rules = append(rep.Rules, rule)
			}
			return b.o.PutBucketReplication(ctx, owner, bucket, rep)
		})
}

// lakeKeys resolves and tries lake keys (lake.Keys); the trial's KMS calls are on the audit trail.
type lakeKeys struct {
	kms *kms.Service
	rec actor.Recorder
}

func (k lakeKeys) Resolve(ctx context.Context, owner *actor.Caller, keyID string) (string, error) {
	md, err := k.kms.DescribeKey(ctx, owner, keyID)
	if err != nil {
		return "", err
	}
	if !md.Enabled {
		return "", awserr.New("DisabledException", awserr.StatusBadRequest, "The key %s is not enabled.", md.ARN)
	}
	return md.ARN, nil
}

func (k lakeKeys) Try(ctx context.Context, as *actor.Caller, keyARN string, encCtx map[string]string) (string, error) {
	var dk *kms.DataKey
	err := actor.Do(ctx, k.rec, &actor.Call{Caller: as, EventSource: kms.EventSource, Operation: "GenerateDataKey", ReadOnly: true,
		RequestParameters: map[string]any{"keyId": keyARN, "encryptionContext": encCtx, "keySpec": "AES_256"}}, func(ctx context.Context) error {
		var err error
		dk, err = k.kms.GenerateDataKey(ctx, as, kms.DataKeyRequest{KeyID: keyARN, EncryptionContext: encCtx})
		return err
	})
	if err != nil {
		return "kms:GenerateDataKey", err
	}
	clear(dk.Plaintext)
	err = actor.Do(ctx, k.rec, &actor.Call{Caller: as, EventSource: kms.EventSource, Operation: "Decrypt", ReadOnly: true,
		RequestParameters: map[string]any{"keyId": keyARN, "encryptionContext": encCtx}}, func(ctx context.Context) error {
		out, err := k.kms.Decrypt(ctx, as, kms.DecryptRequest{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: encCtx, KeyID: keyARN})
		if err == nil {
			clear(out.Plaintext)
		}
		return err
	})
	if err != nil {
		return "kms:Decrypt", err
	}
	return "", nil
}

// lakeAccounts answers the lake's questions about the organization (lake.Accounts).
type lakeAccounts struct{ iam *iam.Service }

func (a lakeAccounts) InOrganization(ctx context.Context, account string) (bool, error) {
	_, err := a.iam.Account(ctx, account)
	if errors.Is(err, iam.ErrNoAccount) {
		return false, nil
	}
	return err == nil, err
}

func (a lakeAccounts) Management(ctx context.Context) (string, error) {
	m, err := a.iam.ManagementAccount(ctx)
	if err != nil {
		return "", err
	}
	return m.ID, nil
}

func (a lakeAccounts) Members(ctx context.Context) ([]lake.Member, error) {
	m, err := a.iam.ManagementAccount(ctx)
	if err != nil {
		return nil, err
	}
	root := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: m.ID, ARN: actor.RootARN(m.ID), ID: m.ID},
		SourceIP: lake.EventSource, UserAgent: lake.EventSource, InvokedBy: lake.EventSource}
	var out []lake.Member
	for token := ""; ; {
		accts, next, err := a.iam.ListAccounts(ctx, root, "", token, 20)
		if err != nil {
			return nil, err
		}
		for _, acc := range accts {
			joined := acc.Joined
			if joined.IsZero() {
				joined = acc.Created
			}
			out = append(out, lake.Member{Account: acc.ID, Joined: joined})
		}
		if next == "" {
			return out, nil
		}
		token = next
	}
}

// lakeRoles creates the roles Security Lake creates in the customer's account (lake.Roles).
type lakeRoles struct {
	iam *iam.Service
	rec actor.Recorder
}

func (r lakeRoles) EnsureRole(ctx context.Context, owner *actor.Caller, name, path, trust, policyName, policy string) (string, error) {
	var role *iam.Role
	err := lakeDo(ctx, r.rec, owner, iamEventSource, "CreateRole", map[string]any{"roleName": name, "path": path}, func(ctx context.Context) error {
		var err error
		role, err = r.iam.GetRole(ctx, owner, name)
		if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchEntity" {
			role, err = r.iam.CreateRole(ctx, owner, iam.CreateRoleInput{Name: name, Path: path, TrustPolicy: trust,
				Description: "Created by Security Lake"})
		} else if err == nil {
			err = r.iam.UpdateAssumeRolePolicy(ctx, owner, name, trust)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	err = lakeDo(ctx, r.rec, owner, iamEventSource, "PutRolePolicy", map[string]any{"roleName": name, "policyName": policyName},
		func(ctx context.Context) error {
			return r.iam.PutInlinePolicy(ctx, owner, iam.KindRole, name, policyName, policy)
		})
	if err != nil {
		return "", err
	}
	return role.ARN(), nil
}

func (r lakeRoles) DeleteRole(ctx context.Context, owner *actor.Caller, name, policyName string) error {
	return lakeDo(ctx, r.rec, owner, iamEventSource, "DeleteRole", map[string]any{"roleName": name}, func(ctx context.Context) error {
		if err := r.iam.DeleteInlinePolicy(ctx, owner, iam.KindRole, name, policyName); err != nil {
			if ae, ok := awserr.As(err); !ok || ae.Code != "NoSuchEntity" {
				return err
			}
		}
		err := r.iam.DeleteRole(ctx, owner, name)
		if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchEntity" {
			return nil
		}
		return err
	})
}

func (r lakeRoles) RoleExists(ctx context.Context, owner *actor.Caller, arn string) (bool, error) {
	name := arn[strings.LastIndex(arn, "/")+1:]
	var role *iam.Role
	err := actor.Do(ctx, r.rec, &actor.Call{Caller: owner, EventSource: iamEventSource, Operation: "GetRole", ReadOnly: true,
		RequestParameters: map[string]any{"roleName": name}}, func(ctx context.Context) error {
		var err error
		role, err = r.iam.GetRole(ctx, owner, name)
		return err
	})
	if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchEntity" {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return role.ARN() == arn, nil
}

// lakeQueues creates subscribers' notification queues (lake.Queues).
type lakeQueues struct {
	q   *queue.Service
	rec actor.Recorder
}

func dlqName(main string) string { return strings.TrimSuffix(main, "-Main-Queue") + "-DLQ" }

func (l lakeQueues) EnsureSubscriberQueue(ctx context.Context, owner *actor.Caller, name, policy string) (string, error) {
	var arn string
	err := lakeDo(ctx, l.rec, owner, queue.EventSource, "CreateQueue", map[string]any{"queueName": name}, func(ctx context.Context) error {
		dlq, err := l.q.CreateQueue(ctx, owner, dlqName(name), nil, nil)
		if err != nil {
			return err
		}
		q, err := l.q.CreateQueue(ctx, owner, name, map[string]string{"Policy": policy,
			"RedrivePolicy": `{"deadLetterTargetArn":"` + dlq.ARN() + `","maxReceiveCount":"3"}`}, nil)
		if err == nil {
			arn = q.ARN()
		}
		return err
	})
	return arn, err
}

func (l lakeQueues) DeleteSubscriberQueue(ctx context.Context, owner *actor.Caller, name string) error {
	return lakeDo(ctx, l.rec, owner, queue.EventSource, "DeleteQueue", map[string]any{"queueName": name}, func(ctx context.Context) error {
		for _, n := range []string{name, dlqName(name)} {
			err := l.q.DeleteQueue(ctx, owner, queue.Ref{Account: owner.Account, Name: n})
			if ae, ok := awserr.As(err); err != nil && (!ok || !strings.Contains(ae.Code, "NonExistentQueue")) {
				return err
			}
		}
		return nil
	})
}

func (l lakeQueues) SendAs(ctx context.Context, as *actor.Caller, queueARN, body string) error {
	_, err := l.q.SendAs(ctx, as, queueARN, queue.SendEntry{Body: body})
	return err
}

func (r lakeRoles) EnsureServiceLinkedRole(ctx context.Context, owner *actor.Caller, service string) (string, error) {
	name, ok := iam.ServiceLinkedRoleName(service)
	if !ok {
		return "", fmt.Errorf("no service-linked role for %s", service)
	}
	var role *iam.Role
	err := lakeDo(ctx, r.rec, owner, iamEventSource, "CreateServiceLinkedRole", map[string]any{"awsServiceName": service}, func(ctx context.Context) error {
		var err error
		role, err = r.iam.GetRole(ctx, owner, name)
		if ae, ok := awserr.As(err); ok && ae.Code == "NoSuchEntity" {
			role, err = r.iam.CreateServiceLinkedRole(ctx, owner, service, "", "")
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return role.ARN(), nil
}
