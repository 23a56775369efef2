package kms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// defaultPolicyName is the name of a key's one key policy.
const defaultPolicyName = "default"

// DefaultKeyPolicy returns the key policy KMS gives a key created without one, byte for byte as GetKeyPolicy
// returns it: it lets the account's IAM policies decide (KMS DG key-policy-default, "Enable IAM User
// Permissions").
func DefaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

// checkPolicy validates a key policy for a key (ARN keyARN of account) as CreateKey and PutKeyPolicy do: its
// size (32 KB), its grammar, that every principal it names exists, and — unless bypass — that it still lets
// the caller change the policy later (the lockout safety check).
func (s *Service) checkPolicy(ctx context.Context, c *actor.Caller, keyARN, account, doc string, bypass bool) (*policy.Policy, error) {
	if !policy.KeyPolicySize.Fits([]byte(doc)) {
		return nil, errLimit("The key policy is %d bytes; a key policy may be at most %d bytes (32 KB).", len(doc), policy.KeyPolicySize.Max())
	}
	pol, err := policy.Parse([]byte(doc), policy.KeyPolicy)
	if err != nil {
		return nil, policyError(err)
	}
	if err := s.checkPrincipals(ctx, pol); err != nil {
		return nil, err
	}
	if bypass {
		return pol, nil
	}
	var pc policy.Context
	pc.SetBool("kms:BypassPolicyLockoutSafetyCheck", false)
	d, err := s.ids.Authorize(ctx, c, actor.Request{Action: "kms:PutKeyPolicy", Resource: keyARN, ResourceAccount: account,
		ResourcePolicy: pol, RequireResourcePolicy: true, Context: pc})
	if err != nil {
		return nil, err
	}
	if !d.Allowed {
		return nil, errLockout()
	}
	return pol, nil
}

// policyError turns the policy engine's validation error into MalformedPolicyDocumentException: AWS's message
// first, then where the fault is and what would fix it (for example the "AWS:" principal key of the Security
// Lake guide's replication statement).
func policyError(err error) error {
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		return errMalformedPolicy("%s", err.Error())
	}
	var where []string
	if ve.Statement >= 0 {
		where = append(where, "statement["+strconv.Itoa(ve.Statement)+"]")
	}
	if ve.Sid != "" {
		where = append(where, "Sid "+strconv.Quote(ve.Sid))
	}
	if ve.Element != "" {
		where = append(where, "element "+ve.Element)
	}
	detail := ve.Detail
	if len(where) > 0 {
		detail = strings.Join(where, ", ") + ": " + detail
	}
	if detail == "" {
		return errMalformedPolicy("%s", ve.Message)
	}
	return errMalformedPolicy("%s (%s)", ve.Message, detail)
}

// checkPrincipals refuses a policy that names a principal that does not exist, when a principal directory is
// configured.
func (s *Service) checkPrincipals(ctx context.Context, pol *policy.Policy) error {
	if s.cfg.Principals == nil {
		return nil
	}
	for i := range pol.Statements {
		st := &pol.Statements[i]
		for _, p := range st.Principals() {
			ok, err := s.cfg.Principals.PrincipalExists(ctx, p)
			if err != nil {
				return fmt.Errorf("check principal %s: %w", principalName(p), err)
			}
			if !ok {
				which := fmt.Sprintf("statement %d", i+1)
				if st.Sid != "" {
					which = fmt.Sprintf("statement %q", st.Sid)
				}
				return errMalformedPolicy("Policy contains a statement with one or more invalid principals. (%s names %s, which does not exist)", which, principalName(p))
			}
		}
	}
	return nil
}

func principalName(p policy.Principal) string {
	switch {
	case p.ARN != "":
		return p.ARN
	case p.ID != "":
		return p.ID
	}
	return p.Account
}

// checkPolicyName accepts the one policy name a key has.
func checkPolicyName(name string) error {
	if name == "" || name == defaultPolicyName {
		return nil
	}
	return kmsError("NotFoundException", "No such policy exists: %s. A key has one key policy, named default.", name)
}

// PutKeyPolicy replaces a key's policy.
func (s *Service) PutKeyPolicy(ctx context.Context, c *actor.Caller, keyID, name, doc string, bypass bool) error {
	var v validation
	v.length("policy", doc, 1, 131072, true)
	if err := v.err(); err != nil {
		return err
	}
	if err := checkPolicyName(name); err != nil {
		return err
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:PutKeyPolicy", sameAccountOnly: true,
		set: func(pc *policy.Context) { pc.SetBool("kms:BypassPolicyLockoutSafetyCheck", bypass) }})
	if err != nil {
		return err
	}
	if _, err := s.checkPolicy(ctx, c, e.arn, e.rec.Account, doc, bypass); err != nil {
		return err
	}
	_, err = s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		r.Policy = doc
		return nil
	})
	return err
}

// GetKeyPolicy returns a key's policy, as it was written.
func (s *Service) GetKeyPolicy(ctx context.Context, c *actor.Caller, keyID, name string) (string, error) {
	if err := checkPolicyName(name); err != nil {
		return "", err
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:GetKeyPolicy", sameAccountOnly: true})
	if err != nil {
		return "", err
	}
	return e.rec.Policy, nil
}

// ListKeyPolicies returns the names of a key's policies: always "default".
func (s *Service) ListKeyPolicies(ctx context.Context, c *actor.Caller, keyID string) ([]string, error) {
	if _, err := s.use(ctx, c, keyID, false, &access{action: "kms:ListKeyPolicies", sameAccountOnly: true}); err != nil {
		return nil, err
	}
	return []string{defaultPolicyName}, nil
}
