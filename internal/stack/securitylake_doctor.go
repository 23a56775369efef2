package stack

import (
	"context"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/queue"
)

// lakeProbe asks the services whether they would allow a principal an action, without performing it
// (lake.Probe, for CheckDataLake). The decisions are not noted on the doctor's call: they are simulations.
type lakeProbe struct{ s *Stack }

// quiet detaches the probes' decisions from the request's call.
func quiet(ctx context.Context) context.Context { return actor.WithCall(ctx, nil) }

func (p lakeProbe) S3(ctx context.Context, as *actor.Caller, action, bucket, key string) error {
	return p.s.Objects.Simulate(quiet(ctx), as, action, bucket, key)
}

func (p lakeProbe) KMS(ctx context.Context, as *actor.Caller, action, keyARN string, encCtx map[string]string) error {
	return p.s.KMS.Simulate(quiet(ctx), as, keyARN, strings.TrimPrefix(action, "kms:"), encCtx)
}

// queueRef is the queue an SQS ARN names.
func queueRef(arn string) (queue.Ref, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[2] != "sqs" {
		return queue.Ref{}, fmt.Errorf("not a queue ARN: %s", arn)
	}
	return queue.Ref{Account: parts[4], Name: parts[5]}, nil
}

func (p lakeProbe) SQS(ctx context.Context, as *actor.Caller, action, queueARN string) error {
	ref, err := queueRef(queueARN)
	if err != nil {
		return err
	}
	return p.s.Queues.Simulate(quiet(ctx), as, ref, action)
}

func (p lakeProbe) QueueKey(ctx context.Context, queueARN string) (string, error) {
	ref, err := queueRef(queueARN)
	if err != nil {
		return "", err
	}
	owner := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: ref.Account, ARN: actor.RootARN(ref.Account), ID: ref.Account},
		Region: strings.Split(queueARN, ":")[3]}
	attrs, err := p.s.Queues.GetAttributes(quiet(ctx), owner, ref, []string{queue.AttrKmsMasterKeyID})
	if err != nil {
		return "", err
	}
	return attrs[queue.AttrKmsMasterKeyID], nil
}

func (p lakeProbe) RoleSession(ctx context.Context, roleARN, region string) (*actor.Caller, error) {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 {
		return nil, fmt.Errorf("not a role ARN: %s", roleARN)
	}
	account, name := parts[4], roleARN[strings.LastIndex(roleARN, "/")+1:]
	owner := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account}, Region: region}
	role, err := p.s.IAM.GetRole(quiet(ctx), owner, name)
	if err != nil {
		return nil, err
	}
	const session = "seclake-doctor"
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeAssumedRole, Account: account,
		ARN: "arn:aws:sts::" + account + ":assumed-role/" + name + "/" + session, ID: role.ID + ":" + session, Name: name,
		Session: &actor.Session{RoleARN: role.ARN(), RoleID: role.ID, Name: session}}, Region: region}, nil
}

func (p lakeProbe) Locations(ctx context.Context, account, region string) ([][2]string, error) {
	if p.s.Locations == nil {
		return nil, nil
	}
	owner := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account}, Region: region}
	locs, err := p.s.Locations.List(quiet(ctx), owner)
	if err != nil {
		return nil, err
	}
	var out [][2]string
	for _, l := range locs {
		if l.Region == region && l.Remote == "" {
			out = append(out, [2]string{l.Bucket, l.Prefix})
		}
	}
	return out, nil
}
