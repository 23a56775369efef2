package stack

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/objstore"
)

// JobLakeReencrypt advances the lakes' re-encryptions (lake.RunReencryption).
const JobLakeReencrypt = "lake.reencrypt"

// lakeObjects lists a lake bucket's objects with their encryption and copies them onto themselves under the
// lake's key (lake.LakeObjects); the copies are on the audit trail as Security Lake's.
type lakeObjects struct {
	o   *objstore.Service
	rec actor.Recorder
}

func (l lakeObjects) ListEncryption(ctx context.Context, as *actor.Caller, bucket, after string, max int) ([]lake.ObjectEncryption, bool, error) {
	out, err := l.o.ListObjects(ctx, as, objstore.ListInput{Bucket: bucket, After: after, MaxKeys: max})
	if err != nil {
		return nil, false, err
	}
	objs := make([]lake.ObjectEncryption, 0, len(out.Objects))
	for _, o := range out.Objects {
		k := ""
		if o.SSE.Algorithm == objstore.SSEKMS {
			k = o.SSE.KeyARN
		}
		objs = append(objs, lake.ObjectEncryption{Key: o.Key, KMSKeyARN: k})
	}
	return objs, out.IsTruncated, nil
}

func (l lakeObjects) Reencrypt(ctx context.Context, as *actor.Caller, bucket, key, kmsKeyARN string) error {
	sse, bucketKey := objstore.SSERequest{Algorithm: objstore.SSEAES256}, true
	if kmsKeyARN != "" {
		sse = objstore.SSERequest{Algorithm: objstore.SSEKMS, KMSKeyID: kmsKeyARN, BucketKey: &bucketKey}
	}
	return lakeDo(ctx, l.rec, as, objstore.EventSource, "CopyObject", map[string]any{"bucketName": bucket, "key": key,
		"x-amz-server-side-encryption": sse.Algorithm, "x-amz-server-side-encryption-aws-kms-key-id": kmsKeyARN},
		func(ctx context.Context) error {
			_, _, err := l.o.CopyObject(ctx, as, objstore.CopyInput{Source: objstore.CopySource{Bucket: bucket, Key: key},
				Bucket: bucket, Key: key, SSE: sse})
			return err
		})
}
