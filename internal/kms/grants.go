package kms

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Grant is a grant on a key, as stored and as ListGrants returns it.
type Grant struct {
	KeyARN   string    `json:"keyArn"`
	GrantID  string    `json:"grantId"`
	Name     string    `json:"name,omitempty"`
	Created  time.Time `json:"created"`
	Grantee  string    `json:"grantee"`
	Retiring string    `json:"retiring,omitempty"`
	// GranteeIsService and RetiringIsService mark service principals (GranteeServicePrincipal,
	// RetiringServicePrincipal) among the grantee and retiring principals.
	GranteeIsService  bool              `json:"granteeIsService,omitempty"`
	RetiringIsService bool              `json:"retiringIsService,omitempty"`
	Issuing           string            `json:"issuing"` // the issuing account's root ARN
	Operations        []string          `json:"operations"`
	Constraints       *GrantConstraints `json:"constraints,omitempty"`
}

// GrantConstraints limit a grant to requests with a given encryption context.
type GrantConstraints struct {
	// EncryptionContextSubset: the request's context must include these pairs.
	EncryptionContextSubset map[string]string `json:"subset,omitempty"`
	// EncryptionContextEquals: the request's context must be exactly this.
	EncryptionContextEquals map[string]string `json:"equals,omitempty"`
	// SourceArn: the request's aws:SourceArn must be this (grants to service principals).
	SourceArn string `json:"sourceArn,omitempty"`
}

// CreateGrantRequest is CreateGrant's input. The grantee is a principal (GranteePrincipal) or a service
// principal (GranteeServicePrincipal, which needs a SourceArn constraint and a retiring principal), and so is
// the retiring principal.
type CreateGrantRequest struct {
	KeyID                    string
	GranteePrincipal         string
	GranteeServicePrincipal  string
	RetiringPrincipal        string
	RetiringServicePrincipal string
	Operations               []string
	Constraints              *GrantConstraints
	GrantTokens              []string
	Name                     string
	DryRun                   bool
}

// CreateGrantResult is CreateGrant's output.
type CreateGrantResult struct {
	GrantToken string
	GrantID    string
}

// Grant operations valid on a symmetric encryption key. (Sign, Verify, GetPublicKey, GenerateDataKeyPair*,
// GenerateMac, VerifyMac and DeriveSharedSecret belong to other key types.)
var symmetricGrantOps = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
	"ReEncryptFrom", "ReEncryptTo", "CreateGrant", "RetireGrant", "DescribeKey"}

var allGrantOps = append(slices.Clone(symmetricGrantOps), "Sign", "Verify", "GetPublicKey", "GenerateDataKeyPair",
	"GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret")

const (
	maxGrantsPerKey      = 50000
	maxConstraintPairs   = 8
	maxConstraintValue   = 384
	grantConstraintEq    = "EncryptionContextEquals"
	grantConstraintSub   = "EncryptionContextSubset"
	grantPrincipalMaxLen = 256
)

// CreateGrant adds a grant to a key. A request with the Name of an existing grant and the same parameters
// returns that grant's ID again (with a new token), as on AWS.
func (s *Service) CreateGrant(ctx context.Context, c *actor.Caller, in CreateGrantRequest) (*CreateGrantResult, error) {
	if err := validateCreateGrant(&in); err != nil {
		return nil, err
	}
	granteeIsService, retiringIsService := in.GranteeServicePrincipal != "", in.RetiringServicePrincipal != ""
	if granteeIsService {
		in.GranteePrincipal = in.GranteeServicePrincipal
	}
	if retiringIsService {
		in.RetiringPrincipal = in.RetiringServicePrincipal
	}
	if err := s.checkGranteePrincipal(ctx, in.GranteePrincipal); err != nil {
		return nil, err
	}
	if in.RetiringPrincipal != "" {
		if err := s.checkGranteePrincipal(ctx, in.RetiringPrincipal); err != nil {
			return nil, err
		}
	}
	a := &access{action: "kms:CreateGrant", grantOp: "CreateGrant", tokens: in.GrantTokens, ec: constraintContext(in.Constraints),
		grantFilter: func(g *Grant) bool { return grantCovers(g, &in) }, set: func(pc *policy.Context) {
			pc.Set("kms:GrantOperations", in.Operations...)
			pc.Set("kms:GranteePrincipal", in.GranteePrincipal)
			if in.RetiringPrincipal != "" {
				pc.Set("kms:RetiringPrincipal", in.RetiringPrincipal)
			}
			if types := constraintTypes(in.Constraints); len(types) > 0 {
				pc.Set("kms:GrantConstraintType", types...)
			}
			pc.SetBool("kms:GrantIsForAWSResource", c.InvokedBy != "")
		}}
	e, err := s.use(ctx, c, in.KeyID, false, a)
	if err != nil {
		return nil, err
	}
	if err := usable(e); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun()
	}
	g := &Grant{KeyARN: e.arn, Name: in.Name, Created: s.clock.Now().UTC(), Grantee: in.GranteePrincipal,
		Retiring: in.RetiringPrincipal, GranteeIsService: granteeIsService, RetiringIsService: retiringIsService,
		Issuing: actor.RootARN(e.rec.Account), Operations: in.Operations, Constraints: in.Constraints}
	newID, err := s.newGrantID()
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		g.GrantID = newID // Update may run this again
		grants, err := scanGrants(tx, e.rec.storeKey())
		if err != nil {
			return err
		}
		if same := sameNamedGrant(grants, g); same != nil {
			g.GrantID = same.GrantID
			return nil
		}
		if len(grants) >= maxGrantsPerKey {
			return errLimit("The request was rejected because key %s already has %d grants, the most a key may have.", e.arn, maxGrantsPerKey)
		}
		return putGrant(tx, e.rec.storeKey(), g)
	})
	if err != nil {
		return nil, err
	}
	s.invalidate(e.rec.storeKey())
	token, err := s.grantToken(e.arn, g.GrantID)
	if err != nil {
		return nil, err
	}
	return &CreateGrantResult{GrantToken: token, GrantID: g.GrantID}, nil
}

func validateCreateGrant(in *CreateGrantRequest) error {
	var v validation
	v.length("keyId", in.KeyID, 1, 2048, true)
	v.length("granteePrincipal", in.GranteePrincipal, 1, grantPrincipalMaxLen, false)
	v.length("granteeServicePrincipal", in.GranteeServicePrincipal, 1, grantPrincipalMaxLen, false)
	v.length("retiringPrincipal", in.RetiringPrincipal, 1, grantPrincipalMaxLen, false)
	v.length("retiringServicePrincipal", in.RetiringServicePrincipal, 1, grantPrincipalMaxLen, false)
	v.length("name", in.Name, 1, 256, false)
	if in.Name != "" && strings.Trim(in.Name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/_-") != "" {
		v.add("name", in.Name, "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	}
	if in.Operations == nil {
		v.errs = append(v.errs, "Value null at 'operations' failed to satisfy constraint: Member must not be null")
	}
	for i, op := range in.Operations {
		if !slices.Contains(allGrantOps, op) {
			v.add(fmt.Sprintf("operations.%d.member", i+1), op, "Member must satisfy enum value set: ["+strings.Join(allGrantOps, ", ")+"]")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if err := checkGrantParties(in); err != nil {
		return err
	}
	if len(in.Operations) == 0 {
		return awserr.Validation("A grant must allow at least one operation.")
	}
	var bad []string
	for _, op := range in.Operations {
		if !slices.Contains(symmetricGrantOps, op) {
			bad = append(bad, op)
		}
	}
	if len(bad) > 0 {
		return awserr.Validation("Grant operations %s are not valid for a symmetric encryption KMS key; it allows %s.",
			strings.Join(bad, ", "), strings.Join(symmetricGrantOps, ", "))
	}
	return validateConstraints(in.Constraints)
}

// checkGrantParties checks the grantee and retiring principals: one grantee, at most one retiring principal,
// and for a service grantee a SourceArn constraint and a retiring principal.
func checkGrantParties(in *CreateGrantRequest) error {
	switch {
	case (in.GranteePrincipal == "") == (in.GranteeServicePrincipal == ""):
		return errValidationMsg("Specify exactly one of GranteePrincipal and GranteeServicePrincipal.")
	case in.RetiringPrincipal != "" && in.RetiringServicePrincipal != "":
		return errValidationMsg("Specify at most one of RetiringPrincipal and RetiringServicePrincipal.")
	case in.GranteeServicePrincipal != "" && (in.Constraints == nil || in.Constraints.SourceArn == ""):
		return errValidationMsg("A grant to a service principal needs a SourceArn constraint.")
	case in.GranteeServicePrincipal != "" && in.RetiringPrincipal == "" && in.RetiringServicePrincipal == "":
		return errValidationMsg("A grant to a service principal needs a retiring principal.")
	}
	for _, sp := range []string{in.GranteeServicePrincipal, in.RetiringServicePrincipal} {
		if p, ok := grantPrincipal(sp); sp != "" && (!ok || p.Type != policy.Service) {
			return kmsError("InvalidArnException", "%s is not a service principal such as cloudtrail.amazonaws.com", sp)
		}
	}
	return nil
}

func validateConstraints(gc *GrantConstraints) error {
	if gc == nil {
		return nil
	}
	for _, m := range []map[string]string{gc.EncryptionContextEquals, gc.EncryptionContextSubset} {
		if len(m) > maxConstraintPairs {
			return awserr.Validation("A grant constraint may have at most %d encryption context pairs.", maxConstraintPairs)
		}
		for _, v := range m {
			if len(v) > maxConstraintValue {
				return awserr.Validation("A grant constraint's encryption context values may be at most %d characters long.", maxConstraintValue)
			}
		}
	}
	return nil
}

// checkGranteePrincipal checks that a grantee or retiring principal is a principal KMS accepts and, with a
// principal directory, that it exists.
func (s *Service) checkGranteePrincipal(ctx context.Context, p string) error {
	pr, ok := grantPrincipal(p)
	if !ok {
		return kmsError("InvalidArnException", "ARN does not refer to a valid principal: %s", p)
	}
	if s.cfg.Principals == nil {
		return nil
	}
	exists, err := s.cfg.Principals.PrincipalExists(ctx, pr)
	if err != nil {
		return fmt.Errorf("check principal %s: %w", p, err)
	}
	if !exists {
		return kmsError("InvalidArnException", "ARN does not refer to a valid principal: %s", p)
	}
	return nil
}

// grantPrincipal parses a grantee or retiring principal: an account ID or root ARN, a user, role or
// assumed-role ARN, or a service principal name.
func grantPrincipal(p string) (policy.Principal, bool) {
	if validAccount(p) {
		return policy.RootPrincipal(p), true
	}
	if !strings.HasPrefix(p, "arn:") {
		if strings.HasSuffix(p, ".amazonaws.com") && !strings.ContainsAny(p, ":/*") {
			return policy.ServicePrincipal(p), true
		}
		return policy.Principal{}, false
	}
	parts := strings.SplitN(p, ":", 6)
	if len(parts) != 6 || parts[1] != "aws" || parts[3] != "" || !validAccount(parts[4]) || strings.ContainsAny(p, "*?") {
		return policy.Principal{}, false
	}
	kind, rest, _ := strings.Cut(parts[5], "/")
	switch {
	case parts[2] == "iam" && parts[5] == "root":
		return policy.RootPrincipal(parts[4]), true
	case parts[2] == "iam" && kind == "user" && rest != "":
		return policy.UserPrincipal(p, ""), true
	case parts[2] == "iam" && kind == "role" && rest != "":
		return policy.Principal{Type: policy.Role, Account: parts[4], ARN: p}, true
	case parts[2] == "sts" && kind == "assumed-role" && strings.Count(rest, "/") == 1:
		return policy.Principal{Type: policy.AssumedRole, Account: parts[4], ARN: p}, true
	}
	return policy.Principal{}, false
}

// constraintContext is the encryption context the kms:EncryptionContext keys describe for CreateGrant: the
// pairs of the grant's constraints.
func constraintContext(gc *GrantConstraints) map[string]string {
	if gc == nil {
		return nil
	}
	out := maps.Clone(gc.EncryptionContextSubset)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, gc.EncryptionContextEquals)
	return out
}

func constraintTypes(gc *GrantConstraints) []string {
	var out []string
	if gc != nil && gc.EncryptionContextEquals != nil {
		out = append(out, grantConstraintEq)
	}
	if gc != nil && gc.EncryptionContextSubset != nil {
		out = append(out, grantConstraintSub)
	}
	if gc != nil && gc.SourceArn != "" {
		out = append(out, "SourceArn")
	}
	return out
}

// grantCovers reports whether parent, a grant that allows CreateGrant, may create the requested grant: only
// with operations it has itself and constraints at least as strict as its own (KMS DG grants).
func grantCovers(parent *Grant, in *CreateGrantRequest) bool {
	for _, op := range in.Operations {
		if !slices.Contains(parent.Operations, op) {
			return false
		}
	}
	pc := parent.Constraints
	if pc == nil {
		return true
	}
	child := in.Constraints
	if child == nil {
		return false
	}
	if pc.EncryptionContextEquals != nil && !maps.Equal(pc.EncryptionContextEquals, child.EncryptionContextEquals) {
		return false
	}
	if pc.SourceArn != "" && pc.SourceArn != child.SourceArn {
		return false
	}
	for k, v := range pc.EncryptionContextSubset {
		got, ok := child.EncryptionContextSubset[k]
		if !ok {
			got, ok = child.EncryptionContextEquals[k]
		}
		if !ok || got != v {
			return false
		}
	}
	return true
}

// sameNamedGrant returns the existing grant that g repeats (same name and parameters), or nil.
func sameNamedGrant(grants []*Grant, g *Grant) *Grant {
	if g.Name == "" {
		return nil
	}
	for _, x := range grants {
		if x.Name == g.Name && x.Grantee == g.Grantee && x.Retiring == g.Retiring &&
			slices.Equal(sortedOps(x.Operations), sortedOps(g.Operations)) && sameConstraints(x.Constraints, g.Constraints) {
			return x
		}
	}
	return nil
}

func sortedOps(ops []string) []string { return slices.Sorted(slices.Values(ops)) }

func sameConstraints(a, b *GrantConstraints) bool {
	if a == nil || b == nil {
		return a == b
	}
	return maps.Equal(a.EncryptionContextEquals, b.EncryptionContextEquals) && maps.Equal(a.EncryptionContextSubset, b.EncryptionContextSubset) &&
		a.SourceArn == b.SourceArn
}

func (s *Service) newGrantID() (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", fmt.Errorf("generate grant ID: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func grantStoreKey(keyStoreKey, grantID string) string { return keyStoreKey + "/" + grantID }

// scanGrants returns every grant of a key, in grant ID order.
func scanGrants(tx meta.Tx, keyStoreKey string) ([]*Grant, error) {
	var out []*Grant
	var derr error
	err := tx.Scan(tableGrants, meta.Range{Prefix: keyStoreKey + "/"}, func(k string, v []byte) bool {
		g := new(Grant)
		if derr = json.Unmarshal(v, g); derr != nil {
			derr = fmt.Errorf("decode grant %s: %w", k, derr)
			return false
		}
		out = append(out, g)
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, fmt.Errorf("read grants of %s: %w", keyStoreKey, err)
	}
	return out, nil
}

func putGrant(tx meta.Tx, keyStoreKey string, g *Grant) error {
	b, err := json.Marshal(g)
	if err != nil {
		return fmt.Errorf("encode grant: %w", err)
	}
	gk := grantStoreKey(keyStoreKey, g.GrantID)
	if err := tx.Put(tableGrants, gk, b); err != nil {
		return fmt.Errorf("write grant %s: %w", g.GrantID, err)
	}
	if g.Retiring != "" {
		if err := tx.Put(tableRetiring, g.Retiring+"\x00"+gk, nil); err != nil {
			return fmt.Errorf("index grant %s: %w", g.GrantID, err)
		}
	}
	return nil
}

func deleteGrant(tx meta.Tx, keyStoreKey string, g *Grant) error {
	gk := grantStoreKey(keyStoreKey, g.GrantID)
	if err := tx.Delete(tableGrants, gk); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return fmt.Errorf("delete grant %s: %w", g.GrantID, err)
	}
	if g.Retiring != "" {
		if err := tx.Delete(tableRetiring, g.Retiring+"\x00"+gk); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return fmt.Errorf("unindex grant %s: %w", g.GrantID, err)
		}
	}
	return nil
}
