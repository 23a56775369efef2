package iam

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

const (
	tablePolicies   = "iam.policies"   // <account>/<lower(name)> → ManagedPolicy
	tableAttached   = "iam.attached"   // <account>/<kind>/<lower(entity)>/<policy ARN> → ""
	tablePolicyRefs = "iam.policyrefs" // <account>/<policy ARN> <ref kind>/<lower(entity)> → "" (who uses a policy)
)

// MaxPolicyVersions is how many versions a managed policy keeps.
const MaxPolicyVersions = 5

// refKind says how an entity uses a managed policy.
type refKind string

const (
	refUser         refKind = "user"
	refRole         refKind = "role"
	refBoundaryUser refKind = "buser"
	refBoundaryRole refKind = "brole"
)

// policyRefKey is the key of one use of a policy. Policy ARNs contain no spaces, so a space ends the ARN.
func policyRefKey(account, arn string, k refKind, entity string) string {
	return policyRefPrefix(account, arn) + string(k) + "/" + strings.ToLower(entity)
}

func policyRefPrefix(account, arn string) string { return account + "/" + arn + " " }

// ManagedPolicy is a customer managed policy, or (Account "aws") an AWS managed policy.
type ManagedPolicy struct {
	Account        string          `json:"account"`
	Name           string          `json:"name"`
	Path           string          `json:"path"`
	ID             string          `json:"id"`
	Description    string          `json:"description,omitempty"`
	Created        time.Time       `json:"created"`
	Updated        time.Time       `json:"updated"`
	DefaultVersion string          `json:"defaultVersion"`
	Versions       []PolicyVersion `json:"versions"`
	NextVersion    int             `json:"nextVersion"`
	Tags           []actor.Tag     `json:"tags,omitempty"`
	// AttachmentCount and BoundaryCount count the caller account's users and roles that use the policy;
	// they are filled in when the policy is read.
	AttachmentCount int `json:"-"`
	BoundaryCount   int `json:"-"`
}

// PolicyVersion is one version of a managed policy's document.
type PolicyVersion struct {
	ID       string    `json:"id"`
	Document string    `json:"document"`
	Created  time.Time `json:"created"`
	// Default is set when the version is the policy's default (filled in when read).
	Default bool `json:"-"`
}

// ARN returns the policy's ARN.
func (p *ManagedPolicy) ARN() string {
	return "arn:aws:iam::" + p.Account + ":policy" + p.Path + p.Name
}

// Document returns the default version's document.
func (p *ManagedPolicy) Document() string {
	if v := p.version(p.DefaultVersion); v != nil {
		return v.Document
	}
	return ""
}

func (p *ManagedPolicy) version(id string) *PolicyVersion {
	for i := range p.Versions {
		if p.Versions[i].ID == id {
			return &p.Versions[i]
		}
	}
	return nil
}

func policyKey(account, name string) string { return account + "/" + strings.ToLower(name) }

// checkManagedDocument validates a managed policy document: grammar and size.
func (s *Service) checkManagedDocument(doc string) error {
	if !policy.Managed.Fits([]byte(doc)) {
		return limitExceeded("Cannot exceed quota for PolicySize: %d", policy.Managed.Max())
	}
	if _, err := s.policies.parse(doc, policy.Identity); err != nil {
		return malformed(err)
	}
	return nil
}

// CreatePolicyInput is what CreatePolicy needs.
type CreatePolicyInput struct {
	Name        string
	Path        string
	Document    string
	Description string
	Tags        []actor.Tag
}

// CreatePolicy creates a customer managed policy in the caller's account, with the document as version v1.
func (s *Service) CreatePolicy(ctx context.Context, c *actor.Caller, in CreatePolicyInput) (*ManagedPolicy, error) {
	if err := validateName(in.Name, "policyName", 128); err != nil {
		return nil, err
	}
	path, err := normalizePath(in.Path)
	if err != nil {
		return nil, err
	}
	if err := validateDescription(in.Description, "description"); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags, "tags"); err != nil {
		return nil, err
	}
	if err := s.checkManagedDocument(in.Document); err != nil {
		return nil, err
	}
	id, err := s.newID("ANPA")
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := &ManagedPolicy{Account: c.Account, Name: in.Name, Path: path, ID: id, Description: in.Description,
		Created: now, Updated: now, DefaultVersion: "v1", NextVersion: 2, Tags: in.Tags,
		Versions: []PolicyVersion{{ID: "v1", Document: in.Document, Created: now}}}
	err = s.change(ctx, func(tx meta.Tx) error {
		if err := s.authorizeCtx(ctx, tx, c, "iam:CreatePolicy", p.ARN(), requestTagContext(in.Tags)); err != nil {
			return err
		}
		err := insertJSON(tx, tablePolicies, policyKey(p.Account, p.Name), p)
		if errors.Is(err, meta.ErrExists) {
			return entityExists("A policy called %s already exists. Duplicate names are not allowed.", in.Name)
		}
		return err
	})
	if err != nil {
		return nil, wrapDomain(err, "create policy "+in.Name)
	}
	return p, nil
}

// loadPolicy returns the managed policy arn names as the caller's account sees it: one of its own customer
// managed policies, or an AWS managed policy.
func loadPolicy(tx meta.Tx, account, arn string) (*ManagedPolicy, error) {
	a, ok := parseIAMARN(arn)
	if !ok || a.Kind != "policy" {
		return nil, invalidInput("ARN %s is not valid.", arn)
	}
	var p *ManagedPolicy
	switch a.Account {
	case "aws":
		p = awsManaged(arn)
	case account:
		var stored ManagedPolicy
		found, err := getJSON(tx, tablePolicies, policyKey(account, a.Name), &stored)
		if err != nil {
			return nil, err
		}
		if found && stored.Path == a.Path && stored.Name == a.Name {
			p = &stored
		}
	}
	if p == nil {
		return nil, noSuchEntity("Policy %s was not found.", arn)
	}
	if err := countUses(tx, account, p); err != nil {
		return nil, err
	}
	return p, nil
}

// countUses fills in how many of the account's users and roles use the policy.
func countUses(tx meta.Tx, account string, p *ManagedPolicy) error {
	p.AttachmentCount, p.BoundaryCount = 0, 0
	return tx.Scan(tablePolicyRefs, meta.Range{Prefix: policyRefPrefix(account, p.ARN())}, func(k string, _ []byte) bool {
		kind, _, _ := strings.Cut(k[len(policyRefPrefix(account, p.ARN())):], "/")
		if kind == string(refBoundaryUser) || kind == string(refBoundaryRole) {
			p.BoundaryCount++
		} else {
			p.AttachmentCount++
		}
		return true
	})
}

// GetPolicy returns a managed policy.
func (s *Service) GetPolicy(ctx context.Context, c *actor.Caller, arn string) (*ManagedPolicy, error) {
	var out *ManagedPolicy
	err := s.readPolicy(ctx, c, "iam:GetPolicy", arn, func(p *ManagedPolicy) error {
		out = p
		return nil
	})
	return out, err
}

// DeletePolicy deletes a customer managed policy that no user or role uses and that has only its default
// version left.
func (s *Service) DeletePolicy(ctx context.Context, c *actor.Caller, arn string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, "iam:DeletePolicy", arn); err != nil {
			return err
		}
		p, err := s.ownPolicy(tx, c, arn)
		if err != nil {
			return err
		}
		if p.AttachmentCount+p.BoundaryCount > 0 {
			return deleteConflict("Cannot delete a policy attached to entities.")
		}
		if len(p.Versions) > 1 {
			return deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return tx.Delete(tablePolicies, policyKey(p.Account, p.Name))
	})
	return wrapDomain(err, "delete policy "+arn)
}

// ownPolicy loads a customer managed policy of the caller's account for a change; AWS managed policies
// cannot be changed.
func (s *Service) ownPolicy(tx meta.Tx, c *actor.Caller, arn string) (*ManagedPolicy, error) {
	p, err := loadPolicy(tx, c.Account, arn)
	if err != nil {
		return nil, err
	}
	if p.Account == "aws" {
		return nil, accessDenied("Policy " + arn + " is an AWS managed policy; only AWS can change it.")
	}
	return p, nil
}
