package iam

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

const tableSLRTasks = "iam.slrtasks" // <account>/<deletion task ID> → "" (finished deletions)

// serviceLinked describes the service-linked role of one service: its name and the AWS managed policy
// attached to it.
type serviceLinked struct {
	roleName, policyARN, description string
}

// serviceLinkedPath is the path prefix of service-linked roles, which IAM keeps for them.
const serviceLinkedPath = "/aws-service-role/"

// serviceLinkedRoles are the service-linked roles seclake creates, by service principal: Security Lake's (UG
// "Using service-linked roles": AWSServiceRoleForSecurityLake and
// AWSServiceRoleForSecurityLakeResourceManagement) and Lake Formation's data access role, which the Security
// Lake guides' key policies name; each under /aws-service-role/<service>/.
var serviceLinkedRoles = map[string]serviceLinked{
	"lakeformation.amazonaws.com": {"AWSServiceRoleForLakeFormationDataAccess",
		"arn:aws:iam::aws:policy/aws-service-role/LakeFormationDataAccessServiceRolePolicy",
		"Allows Lake Formation to access the S3 locations registered with it."},
	"securitylake.amazonaws.com": {"AWSServiceRoleForSecurityLake",
		"arn:aws:iam::aws:policy/aws-service-role/SecurityLakeServiceLinkedRole",
		"A service-linked role that Security Lake uses to manage the data lake and its sources."},
	"resource-management.securitylake.amazonaws.com": {"AWSServiceRoleForSecurityLakeResourceManagement",
		"arn:aws:iam::aws:policy/aws-service-role/SecurityLakeResourceManagementServiceRolePolicy",
		"A service-linked role that Security Lake uses to manage the resources of the data lake."},
}

// ServiceLinkedRoleName returns the name of a service's service-linked role, and whether seclake knows it.
func ServiceLinkedRoleName(service string) (string, bool) {
	sl, ok := serviceLinkedRoles[service]
	return sl.roleName, ok
}

// CreateServiceLinkedRole creates the service-linked role of a service in the caller's account: its trust
// policy lets only the service assume it, its permissions are the service's AWS managed policy, and only
// the service can change it.
func (s *Service) CreateServiceLinkedRole(ctx context.Context, c *actor.Caller, service, description, suffix string) (*Role, error) {
	sl, ok := serviceLinkedRoles[service]
	if !ok {
		names := make([]string, 0, len(serviceLinkedRoles))
		for n := range serviceLinkedRoles {
			names = append(names, n)
		}
		return nil, invalidInput("seclake has no service-linked role for %s; it creates those of %s.", service, strings.Join(slices.Sorted(slices.Values(names)), " and "))
	}
	if suffix != "" {
		return nil, invalidInput("Custom suffix is not allowed for %s.", service)
	}
	if description == "" {
		description = sl.description
	}
	if err := validateDescription(description, "description"); err != nil {
		return nil, err
	}
	id, err := s.newID("AROA")
	if err != nil {
		return nil, err
	}
	r := &Role{Account: c.Account, Name: sl.roleName, Path: serviceLinkedPath + service + "/", ID: id, Created: s.now(),
		Description: description, MaxSessionDuration: DefaultMaxSessionDuration, Service: service,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"` + service + `"},"Action":"sts:AssumeRole"}]}`}
	err = s.change(ctx, func(tx meta.Tx) error {
		var pc policy.Context
		pc.Set("iam:AWSServiceName", service)
		if err := s.authorizeCtx(ctx, tx, c, "iam:CreateServiceLinkedRole", r.ARN(), pc); err != nil {
			return err
		}
		if err := s.insertRole(tx, r); err != nil {
			if _, exists := asCode(err, "EntityAlreadyExists"); exists {
				return invalidInput("Service role name %s has been taken in this account, please try a different suffix.", r.Name)
			}
			return err
		}
		e := entity{kind: KindRole, role: r}
		if err := tx.Put(tableAttached, e.key()+"/"+sl.policyARN, nil); err != nil {
			return err
		}
		return tx.Put(tablePolicyRefs, policyRefKey(c.Account, sl.policyARN, refRole, r.Name), nil)
	})
	if err != nil {
		return nil, wrapDomain(err, "create service-linked role for "+service)
	}
	return r, nil
}

// DeleteServiceLinkedRole deletes a service-linked role and returns the deletion task's ID, which
// GetServiceLinkedRoleDeletionStatus reports as done (seclake deletes at once).
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, c *actor.Caller, name string) (string, error) {
	uuid, err := newUUID(s.rand)
	if err != nil {
		return "", err
	}
	var task string
	err = s.change(ctx, func(tx meta.Tx) error {
		r, err := getRole(tx, c.Account, name)
		if err != nil {
			return err
		}
		if err := s.authorize(ctx, tx, c, "iam:DeleteServiceLinkedRole", r.ARN()); err != nil {
			return err
		}
		if r.Service == "" {
			return validationError("Role %s is not a service-linked role.", name)
		}
		e := entity{kind: KindRole, role: r}
		arns, err := scanKeys(tx, tableAttached, e.key()+"/")
		if err != nil {
			return err
		}
		for _, arn := range arns {
			if err := tx.Delete(tableAttached, e.key()+"/"+arn); err != nil {
				return err
			}
			if err := deleteIfPresent(tx, tablePolicyRefs, policyRefKey(c.Account, arn, refRole, r.Name)); err != nil {
				return err
			}
		}
		if err := deleteRole(tx, r); err != nil {
			return err
		}
		task = "task/aws-service-role/" + r.Service + "/" + r.Name + "/" + uuid
		return tx.Put(tableSLRTasks, c.Account+"/"+task, nil)
	})
	return task, wrapDomain(err, "delete service-linked role "+name)
}

// ServiceLinkedRoleDeletionStatus returns "SUCCEEDED" for a deletion task of the caller's account.
func (s *Service) ServiceLinkedRoleDeletionStatus(ctx context.Context, c *actor.Caller, task string) (string, error) {
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, "iam:GetServiceLinkedRoleDeletionStatus", "*"); err != nil {
			return err
		}
		if _, err := tx.Get(tableSLRTasks, c.Account+"/"+task); err != nil {
			if isNotFound(err) {
				return noSuchEntity("Deletion task %s was not found.", task)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return "", wrapDomain(err, "service-linked role deletion status")
	}
	return "SUCCEEDED", nil
}

// newUUID returns a random (version 4) UUID.
func newUUID(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("generate uuid: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}
