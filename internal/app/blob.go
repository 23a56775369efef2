package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/blob/s3blob"
	"github.com/seclake/seclake/internal/config"
)

// openBlob opens the blob store the config selects: the blobs directory in the data directory, or an
// S3-compatible bucket whose credentials come from the environment (config.BlobEnv), else the AWS SDK's
// default chain. It returns a name for logs.
func openBlob(ctx context.Context, cfg config.Config, opt Options) (blob.Store, string, error) {
	loc, remote, err := config.ParseBlob(cfg.Blob)
	if err != nil {
		return nil, "", fmt.Errorf("blob: %w", err)
	}
	if !remote {
		dir := filepath.Join(cfg.DataDir, blobDir)
		s, err := localfs.Open(dir)
		if err != nil {
			return nil, "", err
		}
		return s, dir, nil
	}
	region := loc.Region
	if region == "" {
		region = cfg.Region
	}
	s, err := s3blob.Open(ctx, s3blob.Config{
		Bucket: loc.Bucket, Prefix: loc.Prefix, Endpoint: loc.Endpoint, Region: region, PathStyle: loc.PathStyle,
		AccessKeyID:     getenv(opt, config.BlobEnv.AccessKeyID),
		SecretAccessKey: getenv(opt, config.BlobEnv.SecretAccessKey),
		SessionToken:    getenv(opt, config.BlobEnv.SessionToken),
		Clock:           opt.Clock,
	})
	if err != nil {
		return nil, "", err
	}
	return s, cfg.Blob, nil
}
