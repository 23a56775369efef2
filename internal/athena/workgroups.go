package athena

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Work group states.
const (
	WorkGroupEnabled  = "ENABLED"
	WorkGroupDisabled = "DISABLED"
)

// Encryption options of results.
const (
	EncryptionSSES3  = "SSE_S3"
	EncryptionSSEKMS = "SSE_KMS"
	EncryptionCSEKMS = "CSE_KMS"
)

// Encryption is how result files are encrypted.
type Encryption struct {
	Option string
	KMSKey string `json:",omitempty"`
}

// ResultConfig is where and how results are written.
type ResultConfig struct {
	OutputLocation      string      `json:",omitempty"`
	Encryption          *Encryption `json:",omitempty"`
	ExpectedBucketOwner string      `json:",omitempty"`
	// ACL is the S3AclOption (BUCKET_OWNER_FULL_CONTROL) or "".
	ACL string `json:",omitempty"`
}

// WorkGroupConfig is a work group's configuration.
type WorkGroupConfig struct {
	Result ResultConfig
	// Enforce makes the work group's result configuration override the request's.
	Enforce              bool
	PublishMetrics       bool
	RequesterPays        bool
	BytesScannedCutoff   int64  `json:",omitempty"`
	EngineVersion        string `json:",omitempty"`
	AdditionalConfig     string `json:",omitempty"`
	ExecutionRole        string `json:",omitempty"`
	MinimumEncryptionSet bool   `json:",omitempty"`
}

// Tag is a resource tag.
type Tag struct{ Key, Value string }

// WorkGroup is a work group.
type WorkGroup struct {
	Name, State, Description string
	Created                  time.Time
	Config                   WorkGroupConfig
	Tags                     []Tag `json:",omitempty"`
}

// WorkGroupUpdate is UpdateWorkGroup's changes; nil fields change nothing.
type WorkGroupUpdate struct {
	Description, State *string
	Enforce            *bool
	PublishMetrics     *bool
	RequesterPays      *bool
	BytesScannedCutoff *int64
	RemoveCutoff       bool
	EngineVersion      *string
	// Result configuration changes.
	OutputLocation      *string
	RemoveOutput        bool
	Encryption          *Encryption
	RemoveEncryption    bool
	ExpectedBucketOwner *string
	RemoveBucketOwner   bool
	ACL                 *string
	RemoveACL           bool
}

var workGroupName = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,128}$`)

// DefaultEngineVersion is the engine version work groups report.
const DefaultEngineVersion = "Athena engine version 3"

func checkWorkGroupName(name string) error {
	if !workGroupName.MatchString(name) {
		return invalid(codeInvalidInput, "WorkGroup name %q is not valid: use 1 to 128 letters, digits, '.', '_' or '-'.", name)
	}
	return nil
}

// checkResult validates a result configuration as Athena does.
func checkResult(r ResultConfig) error {
	if r.OutputLocation != "" {
		if _, _, err := splitS3(r.OutputLocation); err != nil {
			return err
		}
	}
	if e := r.Encryption; e != nil {
		switch e.Option {
		case EncryptionSSES3:
		case EncryptionSSEKMS:
			if e.KMSKey == "" {
				return invalid(codeInvalidInput, "KmsKey is required when EncryptionOption is SSE_KMS.")
			}
		case EncryptionCSEKMS:
			return invalid(codeInvalidInput, "EncryptionOption CSE_KMS is not supported by seclake: use SSE_KMS (the object is encrypted with the KMS key before it reaches the disk).")
		default:
			return invalid(codeInvalidInput, "EncryptionOption %q is not valid: use SSE_S3 or SSE_KMS.", e.Option)
		}
	}
	if r.ACL != "" && r.ACL != "BUCKET_OWNER_FULL_CONTROL" {
		return invalid(codeInvalidInput, "S3AclOption %q is not valid: use BUCKET_OWNER_FULL_CONTROL.", r.ACL)
	}
	return nil
}

// splitS3 splits s3://bucket/prefix into the bucket and the key prefix (ending with "/" unless empty).
func splitS3(loc string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok || rest == "" || rest[0] == '/' {
		return "", "", invalid(codeInvalidInput, "The output location %q is not valid: give an S3 location such as s3://bucket/path/.", loc)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return bucket, prefix, nil
}

func primary(now time.Time) *WorkGroup {
	return &WorkGroup{Name: PrimaryWorkGroup, State: WorkGroupEnabled, Created: now.Truncate(24 * time.Hour),
		Config: WorkGroupConfig{PublishMetrics: true}}
}

// loadWorkGroup reads a work group in tx; primary exists even when never stored.
func (s *Service) loadWorkGroup(tx meta.Tx, account, region, name string) (*WorkGroup, error) {
	wg := &WorkGroup{}
	ok, err := getJSON(tx, tableWorkGroups, key(account, region, name), wg)
	if err != nil {
		return nil, err
	}
	if !ok {
		if name == PrimaryWorkGroup {
			return primary(s.cfg.Clock.Now()), nil
		}
		return nil, invalid(codeNotFound, "WorkGroup %s is not found.", name)
	}
	return wg, nil
}

// CreateWorkGroup creates a work group.
func (s *Service) CreateWorkGroup(ctx context.Context, c *actor.Caller, wg WorkGroup) error {
	if err := s.authorize(ctx, c, "athena:CreateWorkGroup", wg.Name); err != nil {
		return err
	}
	if err := checkWorkGroupName(wg.Name); err != nil {
		return err
	}
	if len(wg.Description) > 1024 {
		return invalid(codeInvalidInput, "Description must be at most 1024 characters long.")
	}
	if err := checkResult(wg.Config.Result); err != nil {
		return err
	}
	wg.State, wg.Created = WorkGroupEnabled, s.cfg.Clock.Now()
	region := s.region(c)
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if _, err := tx.Get(tableWorkGroups, key(c.Account, region, wg.Name)); err == nil || wg.Name == PrimaryWorkGroup {
			return invalid(codeExists, "WorkGroup %s is already created.", wg.Name)
		}
		return putJSON(tx, tableWorkGroups, key(c.Account, region, wg.Name), wg)
	})
}

// GetWorkGroup returns a work group.
func (s *Service) GetWorkGroup(ctx context.Context, c *actor.Caller, name string) (*WorkGroup, error) {
	if err := s.authorize(ctx, c, "athena:GetWorkGroup", name); err != nil {
		return nil, err
	}
	if err := checkWorkGroupName(name); err != nil {
		return nil, err
	}
	var wg *WorkGroup
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		wg, err = s.loadWorkGroup(tx, c.Account, s.region(c), name)
		return err
	})
	return wg, err
}

// ListWorkGroups returns the account's work groups in the caller's region, by name, primary included.
func (s *Service) ListWorkGroups(ctx context.Context, c *actor.Caller) ([]*WorkGroup, error) {
	if err := s.authorize(ctx, c, "athena:ListWorkGroups", ""); err != nil {
		return nil, err
	}
	var out []*WorkGroup
	havePrimary := false
	prefix := key(c.Account, s.region(c), "")
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var derr error
		err := tx.Scan(tableWorkGroups, meta.Range{Prefix: prefix}, func(_ string, v []byte) bool {
			wg := &WorkGroup{}
			if derr = json.Unmarshal(v, wg); derr != nil {
				return false
			}
			havePrimary = havePrimary || wg.Name == PrimaryWorkGroup
			out = append(out, wg)
			return true
		})
		if err == nil {
			err = derr
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if !havePrimary {
		out = append(out, primary(s.cfg.Clock.Now()))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// UpdateWorkGroup changes a work group.
func (s *Service) UpdateWorkGroup(ctx context.Context, c *actor.Caller, name string, u WorkGroupUpdate) error {
	if err := s.authorize(ctx, c, "athena:UpdateWorkGroup", name); err != nil {
		return err
	}
	if err := checkWorkGroupName(name); err != nil {
		return err
	}
	if u.State != nil && *u.State != WorkGroupEnabled && *u.State != WorkGroupDisabled {
		return invalid(codeInvalidInput, "State %q is not valid: use ENABLED or DISABLED.", *u.State)
	}
	region := s.region(c)
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		wg, err := s.loadWorkGroup(tx, c.Account, region, name)
		if err != nil {
			return err
		}
		applyUpdate(wg, u)
		if err := checkResult(wg.Config.Result); err != nil {
			return err
		}
		return putJSON(tx, tableWorkGroups, key(c.Account, region, name), wg)
	})
}

func applyUpdate(wg *WorkGroup, u WorkGroupUpdate) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&wg.Description, u.Description)
	set(&wg.State, u.State)
	setBool(&wg.Config.Enforce, u.Enforce)
	setBool(&wg.Config.PublishMetrics, u.PublishMetrics)
	setBool(&wg.Config.RequesterPays, u.RequesterPays)
	set(&wg.Config.EngineVersion, u.EngineVersion)
	if u.BytesScannedCutoff != nil {
		wg.Config.BytesScannedCutoff = *u.BytesScannedCutoff
	}
	if u.RemoveCutoff {
		wg.Config.BytesScannedCutoff = 0
	}
	r := &wg.Config.Result
	set(&r.OutputLocation, u.OutputLocation)
	if u.RemoveOutput {
		r.OutputLocation = ""
	}
	if u.Encryption != nil {
		e := *u.Encryption
		r.Encryption = &e
	}
	if u.RemoveEncryption {
		r.Encryption = nil
	}
	set(&r.ExpectedBucketOwner, u.ExpectedBucketOwner)
	if u.RemoveBucketOwner {
		r.ExpectedBucketOwner = ""
	}
	set(&r.ACL, u.ACL)
	if u.RemoveACL {
		r.ACL = ""
	}
}

// DeleteWorkGroup deletes a work group; with recursive, its named queries too (without, a work group that has
// named queries is not deleted).
func (s *Service) DeleteWorkGroup(ctx context.Context, c *actor.Caller, name string, recursive bool) error {
	if err := s.authorize(ctx, c, "athena:DeleteWorkGroup", name); err != nil {
		return err
	}
	if err := checkWorkGroupName(name); err != nil {
		return err
	}
	if name == PrimaryWorkGroup {
		return invalid(codeInvalidInput, "Primary workGroup could not be deleted.")
	}
	region := s.region(c)
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if _, err := s.loadWorkGroup(tx, c.Account, region, name); err != nil {
			return err
		}
		var ids []string
		prefix := key(c.Account, region, name, "")
		if err := tx.Scan(tableNamedList, meta.Range{Prefix: prefix}, func(k string, _ []byte) bool {
			ids = append(ids, k[len(prefix):])
			return true
		}); err != nil {
			return err
		}
		if len(ids) > 0 && !recursive {
			return invalid(codeInvalidInput, "WorkGroup %s is not empty: it has %d named queries. Delete them first, or pass RecursiveDeleteOption.", name, len(ids))
		}
		for _, id := range ids {
			if err := errors.Join(deleteIfThere(tx, tableNamedList, prefix+id), deleteIfThere(tx, tableNamed, id)); err != nil {
				return err
			}
		}
		return tx.Delete(tableWorkGroups, key(c.Account, region, name))
	})
}
