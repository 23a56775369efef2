package ram

import (
	"context"
	"slices"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// GetResourceShareInvitations lists the invitations the caller's account received.
func (s *Service) GetResourceShareInvitations(ctx context.Context, c *actor.Caller, arns, shareARNs []string, p Page) ([]Invitation, string, error) {
	if err := s.check(ctx, c, "ram:GetResourceShareInvitations", "*"); err != nil {
		return nil, "", err
	}
	var out []Invitation
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		invs, err := meta.ScanJSON[Invitation](tx, tableInvitations, meta.Range{Prefix: c.Account + "/"})
		for _, inv := range invs {
			if (len(arns) == 0 || slices.Contains(arns, inv.ARN)) && (len(shareARNs) == 0 || slices.Contains(shareARNs, inv.ShareARN)) {
				out = append(out, *inv)
			}
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if len(arns) > 0 && len(out) == 0 {
		return nil, "", errParamCode("ResourceShareInvitationArnNotFoundException", "The invitation %s was not sent to your account %s.", arns[0], c.Account)
	}
	return paged(out, p)
}

// AcceptResourceShareInvitation accepts an invitation of the caller's account: the share's association with the
// account becomes ASSOCIATED.
func (s *Service) AcceptResourceShareInvitation(ctx context.Context, c *actor.Caller, arn string) (*Invitation, error) {
	return s.answer(ctx, c, "ram:AcceptResourceShareInvitation", arn, InvitationAccepted, StatusAssociated)
}

// RejectResourceShareInvitation rejects an invitation of the caller's account.
func (s *Service) RejectResourceShareInvitation(ctx context.Context, c *actor.Caller, arn string) (*Invitation, error) {
	return s.answer(ctx, c, "ram:RejectResourceShareInvitation", arn, InvitationRejected, StatusDisassociated)
}

func (s *Service) answer(ctx context.Context, c *actor.Caller, action, arn, status, assoc string) (*Invitation, error) {
	if err := s.check(ctx, c, action, arn); err != nil {
		return nil, err
	}
	key, err := invitationKey(c.Account, arn)
	if err != nil {
		return nil, err
	}
	var inv Invitation
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		found, err := meta.GetJSON(tx, tableInvitations, key, &inv)
		if err != nil {
			return err
		}
		if !found || inv.ARN != arn {
			return errParamCode("ResourceShareInvitationArnNotFoundException", "The invitation %s was not sent to your account %s.", arn, c.Account)
		}
		switch inv.Status {
		case InvitationAccepted:
			return errParamCode("ResourceShareInvitationAlreadyAcceptedException", "The invitation %s was already accepted.", arn)
		case InvitationRejected:
			return errParamCode("ResourceShareInvitationAlreadyRejectedException", "The invitation %s was already rejected.", arn)
		}
		skey, err := shareKey(inv.ShareARN)
		if err != nil {
			return err
		}
		var sh Share
		if found, err := meta.GetJSON(tx, tableShares, skey, &sh); err != nil || !found || sh.Status != StatusActive {
			if err == nil {
				err = errParamCode("ResourceShareInvitationExpiredException", "The share of invitation %s no longer exists.", arn)
			}
			return err
		}
		now := s.cfg.Clock.Now().UTC()
		for i := range sh.Principals {
			if principalAccount(sh.Principals[i].Entity) == c.Account && sh.Principals[i].Status == StatusAssociating {
				sh.Principals[i].Status, sh.Principals[i].Updated = assoc, now
			}
		}
		inv.Status = status
		if err := meta.PutJSON(tx, tableShares, skey, &sh); err != nil {
			return err
		}
		return meta.PutJSON(tx, tableInvitations, key, &inv)
	})
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// EnableSharingWithAwsOrganization lets shares within the organization associate without invitations; only the
// management account may call it.
func (s *Service) EnableSharingWithAwsOrganization(ctx context.Context, c *actor.Caller) error {
	if err := s.check(ctx, c, "ram:EnableSharingWithAwsOrganization", "*"); err != nil {
		return err
	}
	mgmt := ""
	if s.cfg.Orgs != nil {
		var err error
		if mgmt, err = s.cfg.Orgs.Management(ctx); err != nil {
			return err
		}
	}
	if mgmt == "" || mgmt != c.Account {
		return errNotPermitted("Only the organization's management account can enable sharing with AWS Organizations; %s is not it.", c.Account)
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error { return tx.Put(tableSettings, "org", []byte("enabled")) })
}
