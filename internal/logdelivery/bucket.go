package logdelivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
)

// Destination is where a log source's files go, as the statements AWS adds to a bucket policy name it.
type Destination struct {
	// Account and Region are the source's; SourceARN is the aws:SourceArn its deliveries carry.
	Account, Region, SourceARN string
	Bucket                     string
	// Folder is the key prefix every file of the source starts with ("[prefix/]AWSLogs/<account>/").
	Folder string
}

// Buckets is the object store in which destinations are checked and prepared; *objstore.Service satisfies it.
type Buckets interface {
	CheckDelivery(ctx context.Context, in objstore.DeliveryCheck) (*objstore.Bucket, error)
	GetBucketPolicy(ctx context.Context, c *actor.Caller, bucket string) (string, error)
	PutBucketPolicy(ctx context.Context, c *actor.Caller, bucket, doc string) error
}

// PrepareBucket does what AWS does when a user points a vended log at a bucket: it checks that the log-delivery
// service may read the bucket's ACL and write files under d.Folder and, where the bucket policy does not allow
// that and the user (c) owns the bucket, adds AWS's two statements (AWSLogDeliveryWrite and
// AWSLogDeliveryAclCheck, conditioned on aws:SourceAccount and aws:SourceArn arn:aws:logs:<region>:<account>:*)
// to it as the user, whose own permissions (s3:GetBucketPolicy, s3:PutBucketPolicy) decide. The key is not
// checked here: a key policy that refuses shows in the stream's status when files are delivered. The error
// says what is missing, for the caller to wrap in its service's error.
func PrepareBucket(ctx context.Context, objs Buckets, c *actor.Caller, d Destination, now time.Time) error {
	check := objstore.DeliveryCheck{Caller: actor.ServicePrincipal(Principal, d.Region, now, actor.Source{ARN: d.SourceARN, Account: d.Account}),
		Bucket: d.Bucket, Key: d.Folder + "probe.log.gz", ACL: "bucket-owner-full-control", SkipKey: true}
	b, err := objs.CheckDelivery(ctx, check)
	var de *objstore.DeliveryError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &de) || b != nil && b.Owner != c.Account:
		return err
	}
	doc, err := objs.GetBucketPolicy(ctx, c, d.Bucket)
	if e, ok := awserr.As(err); ok && e.Code == "NoSuchBucketPolicy" {
		doc, err = "", nil
	}
	if err == nil {
		doc, err = WithStatements(doc, d)
	}
	if err == nil {
		err = objs.PutBucketPolicy(ctx, c, d.Bucket, doc)
	}
	if err != nil {
		return fmt.Errorf("the bucket policy of %s does not let %s write, and it could not be given AWS's statements: %w", d.Bucket, Principal, err)
	}
	_, err = objs.CheckDelivery(ctx, check)
	return err
}

// WithStatements adds to a bucket policy (doc, "" for none) the statements AWS adds for vended logs delivered
// to d. As AWS does, a statement of the same Sid and conditions already there gets d's resource added to its
// own; one whose conditions differ (another account's logs) is kept, and d's goes beside it under a numbered Sid.
func WithStatements(doc string, d Destination) (string, error) {
	pol := map[string]any{"Version": "2012-10-17"}
	if doc != "" {
		if err := json.Unmarshal([]byte(doc), &pol); err != nil {
			return "", err
		}
	}
	var stmts []any
	switch v := pol["Statement"].(type) {
	case []any:
		stmts = v
	case map[string]any:
		stmts = []any{v}
	}
	principal := map[string]any{"Service": Principal}
	src := map[string]any{"aws:SourceArn": "arn:aws:logs:" + d.Region + ":" + d.Account + ":*"}
	add := []map[string]any{
		{"Sid": "AWSLogDeliveryWrite", "Effect": "Allow", "Principal": principal,
			"Action": "s3:PutObject", "Resource": "arn:aws:s3:::" + d.Bucket + "/" + d.Folder + "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": d.Account, "s3:x-amz-acl": "bucket-owner-full-control"}, "ArnLike": src}},
		{"Sid": "AWSLogDeliveryAclCheck", "Effect": "Allow", "Principal": principal,
			"Action": "s3:GetBucketAcl", "Resource": "arn:aws:s3:::" + d.Bucket,
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": d.Account}, "ArnLike": src}},
	}
	for _, st := range add {
		stmts = merge(stmts, st)
	}
	pol["Statement"] = stmts
	b, err := json.Marshal(pol)
	return string(b), err
}

// merge adds statement st to stmts: into the statement of its Sid and conditions when there is one, else as a
// new statement whose Sid is free.
func merge(stmts []any, st map[string]any) []any {
	sid := st["Sid"].(string)
	res := st["Resource"].(string)
	wantCond, _ := json.Marshal(st["Condition"])
	taken := map[string]bool{}
	for _, x := range stmts {
		m, _ := x.(map[string]any)
		s, _ := m["Sid"].(string)
		taken[s] = true
		if !strings.HasPrefix(s, sid) {
			continue
		}
		if cond, _ := json.Marshal(m["Condition"]); !bytes.Equal(cond, wantCond) {
			continue
		}
		var have []any
		switch r := m["Resource"].(type) {
		case string:
			have = []any{r}
		case []any:
			have = r
		}
		if !slices.Contains(have, any(res)) {
			have = append(have, res)
		}
		if len(have) == 1 {
			m["Resource"] = have[0]
		} else {
			m["Resource"] = have
		}
		return stmts
	}
	name := sid
	for i := 2; taken[name]; i++ {
		name = sid + strconv.Itoa(i)
	}
	st["Sid"] = name
	return append(stmts, st)
}
