package objstore

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
)

// TestCopyAndTaggingConditionKeys: CopyObject sets s3:x-amz-copy-source and s3:x-amz-metadata-directive, and
// the tagging operations see the object's tags as s3:ExistingObjectTag/<key>, as on S3.
func TestCopyAndTaggingConditionKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "keys-bucket")
	f.put(t, "keys-bucket", "public/a", "a")
	f.put(t, "keys-bucket", "private/b", "b", func(in *PutInput) { in.Tags = []Tag{{Key: "secret", Value: "yes"}} })
	pol := `{"Version":"2012-10-17","Statement":[
		{"Sid":"CopyOnlyPublic","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::keys-bucket/copies/*",
		 "Condition":{"StringNotLike":{"s3:x-amz-copy-source":"keys-bucket/public/*"}}},
		{"Sid":"NoReplace","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::keys-bucket/copies/*",
		 "Condition":{"StringEquals":{"s3:x-amz-metadata-directive":"REPLACE"}}},
		{"Sid":"SecretTags","Effect":"Deny","Principal":"*","Action":["s3:GetObjectTagging","s3:PutObjectTagging","s3:DeleteObjectTagging"],
		 "Resource":"arn:aws:s3:::keys-bucket/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/secret":"yes"}}}]}`
	require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "keys-bucket", pol))

	copyOf := func(src string, replace bool) error {
		in := CopyInput{Source: CopySource{Bucket: "keys-bucket", Key: src}, Bucket: "keys-bucket", Key: "copies/" + src}
		if replace {
			in.ReplaceMetadata, in.MetadataDirective = true, "REPLACE"
		}
		_, _, err := f.s.CopyObject(ctx, f.root, in)
		return err
	}
	require.NoError(t, copyOf("public/a", false))
	require.Equal(t, "AccessDenied", code(copyOf("private/b", false)), "the copy source is outside public/")
	err := copyOf("public/a", true)
	require.Equal(t, "AccessDenied", code(err), "the metadata directive is REPLACE")
	require.True(t, strings.Contains(err.Error(), "explicit deny"), err.Error())

	_, _, err = f.s.GetObjectTagging(ctx, f.root, ObjectVersion{Bucket: "keys-bucket", Key: "private/b"})
	require.Equal(t, "AccessDenied", code(err), "the object's tag secret=yes is an existing object tag")
	_, err = f.s.PutObjectTagging(ctx, f.root, ObjectVersion{Bucket: "keys-bucket", Key: "private/b"}, nil)
	require.Equal(t, "AccessDenied", code(err))
	tags, _, err := f.s.GetObjectTagging(ctx, f.root, ObjectVersion{Bucket: "keys-bucket", Key: "public/a"})
	require.NoError(t, err)
	require.Empty(t, tags)
}

// TestHeadOfMissingKeyIs404ToWhoMayList: a caller without s3:GetObject who may list the bucket under the key
// learns that the key is missing (404), as S3 answers; without the listing permission the answer stays 403.
func TestHeadOfMissingKeyIs404ToWhoMayList(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "list-only")
	f.put(t, "list-only", "logs/present", "x")
	anon := &actor.Caller{Identity: actor.Identity{Type: actor.TypeAnonymous}}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::list-only",
		"Condition":{"StringLike":{"s3:prefix":"logs/*"}}}]}`
	require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "list-only", pol))
	_, err := f.s.HeadObject(ctx, anon, GetInput{Bucket: "list-only", Key: "logs/missing"})
	require.Equal(t, "NoSuchKey", code(err))
	_, err = f.s.HeadObject(ctx, anon, GetInput{Bucket: "list-only", Key: "logs/present"})
	require.Equal(t, "AccessDenied", code(err), "listing does not let one read")
	_, err = f.s.HeadObject(ctx, anon, GetInput{Bucket: "list-only", Key: "other/missing"})
	require.Equal(t, "AccessDenied", code(err), "outside the prefix the caller may list")
}
