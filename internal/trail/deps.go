package trail

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/objstore"
)

// Records is the audit trail that trails deliver and LookupEvents reads; *audit.Log satisfies it.
type Records interface {
	// Read returns up to limit records after sequence number after, in order.
	Read(ctx context.Context, after uint64, limit int) ([]audit.Stored, error)
	// LastSeq returns the newest record's sequence number.
	LastSeq(ctx context.Context) (uint64, error)
	// Lookup finds an account's events as CloudTrail's LookupEvents does.
	Lookup(ctx context.Context, accountID string, in *audit.LookupInput) (*audit.LookupOutput, error)
}

// Objects is the object store that trails write to; *objstore.Service satisfies it.
type Objects interface {
	CheckDelivery(ctx context.Context, in objstore.DeliveryCheck) (*objstore.Bucket, error)
	Deliver(ctx context.Context, in objstore.DeliveryInput) (*objstore.Object, error)
}

// Keys resolves and authorizes the KMS key of a trail; *kms.Service satisfies it.
type Keys interface {
	DescribeKey(ctx context.Context, c *actor.Caller, keyID string) (*kms.KeyMetadata, error)
}

var (
	_ Records = (*audit.Log)(nil)
	_ Objects = (*objstore.Service)(nil)
	_ Keys    = (*kms.Service)(nil)
)
