package ram

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/ram"
)

type invitation struct {
	ARN                 string     `json:"resourceShareInvitationArn"`
	ShareName           string     `json:"resourceShareName"`
	ShareARN            string     `json:"resourceShareArn"`
	SenderAccountID     string     `json:"senderAccountId"`
	ReceiverAccountID   string     `json:"receiverAccountId"`
	InvitationTimestamp *time.Time `json:"invitationTimestamp,omitempty"`
	Status              string     `json:"status"`
}

func invitationOf(i *ram.Invitation) *invitation {
	t := i.Time
	return &invitation{ARN: i.ARN, ShareName: i.ShareName, ShareARN: i.ShareARN, SenderAccountID: i.Sender,
		ReceiverAccountID: i.Receiver, InvitationTimestamp: &t, Status: i.Status}
}

type getInvitationsIn struct {
	ResourceShareInvitationArns []string `json:"resourceShareInvitationArns"`
	ResourceShareArns           []string `json:"resourceShareArns"`
	NextToken                   string   `json:"nextToken"`
	MaxResults                  int      `json:"maxResults"`
}

type getInvitationsOut struct {
	Invitations []*invitation `json:"resourceShareInvitations"`
	NextToken   string        `json:"nextToken,omitempty"`
}

func (h *handler) getInvitations(ctx context.Context, c *api.Call, in *getInvitationsIn) (*getInvitationsOut, error) {
	invs, next, err := h.svc.GetResourceShareInvitations(ctx, c.Caller, in.ResourceShareInvitationArns, in.ResourceShareArns,
		ram.Page{Token: in.NextToken, Max: in.MaxResults})
	if err != nil {
		return nil, err
	}
	out := &getInvitationsOut{Invitations: []*invitation{}, NextToken: next}
	for i := range invs {
		out.Invitations = append(out.Invitations, invitationOf(&invs[i]))
	}
	return out, nil
}

type answerIn struct {
	ARN         string `json:"resourceShareInvitationArn"`
	ClientToken string `json:"clientToken"`
}

type answerOut struct {
	Invitation  *invitation `json:"resourceShareInvitation"`
	ClientToken string      `json:"clientToken,omitempty"`
}

func (h *handler) acceptInvitation(ctx context.Context, c *api.Call, in *answerIn) (*answerOut, error) {
	inv, err := h.svc.AcceptResourceShareInvitation(ctx, c.Caller, in.ARN)
	if err != nil {
		return nil, err
	}
	return &answerOut{Invitation: invitationOf(inv), ClientToken: in.ClientToken}, nil
}

func (h *handler) rejectInvitation(ctx context.Context, c *api.Call, in *answerIn) (*answerOut, error) {
	inv, err := h.svc.RejectResourceShareInvitation(ctx, c.Caller, in.ARN)
	if err != nil {
		return nil, err
	}
	return &answerOut{Invitation: invitationOf(inv), ClientToken: in.ClientToken}, nil
}

type listResourcesIn struct {
	ResourceOwner     string   `json:"resourceOwner"`
	Principal         string   `json:"principal"`
	ResourceType      string   `json:"resourceType"`
	ResourceArns      []string `json:"resourceArns"`
	ResourceShareArns []string `json:"resourceShareArns"`
	NextToken         string   `json:"nextToken"`
	MaxResults        int      `json:"maxResults"`
}

type resource struct {
	ARN              string     `json:"arn"`
	Type             string     `json:"type"`
	ResourceShareArn string     `json:"resourceShareArn"`
	Status           string     `json:"status"`
	CreationTime     *time.Time `json:"creationTime,omitempty"`
	LastUpdatedTime  *time.Time `json:"lastUpdatedTime,omitempty"`
	RegionScope      string     `json:"resourceRegionScope"`
}

type listResourcesOut struct {
	Resources []resource `json:"resources"`
	NextToken string     `json:"nextToken,omitempty"`
}

func (h *handler) listResources(ctx context.Context, c *api.Call, in *listResourcesIn) (*listResourcesOut, error) {
	as, next, err := h.svc.ListResources(ctx, c.Caller, ram.ResourcesFilter{Owner: in.ResourceOwner, Principal: in.Principal,
		Type: in.ResourceType, ARNs: in.ResourceArns, ShareARNs: in.ResourceShareArns}, ram.Page{Token: in.NextToken, Max: in.MaxResults})
	if err != nil {
		return nil, err
	}
	out := &listResourcesOut{Resources: []resource{}, NextToken: next}
	for _, a := range as {
		created, updated := a.Created, a.Updated
		out.Resources = append(out.Resources, resource{ARN: a.Entity, Type: ram.ResourceType(a.Entity), ResourceShareArn: a.ShareARN,
			Status: "AVAILABLE", CreationTime: &created, LastUpdatedTime: &updated, RegionScope: "REGIONAL"})
	}
	return out, nil
}

type enableIn struct{}

func (h *handler) enableSharing(ctx context.Context, c *api.Call, _ *enableIn) (*returnOut, error) {
	if err := h.svc.EnableSharingWithAwsOrganization(ctx, c.Caller); err != nil {
		return nil, err
	}
	return &returnOut{ReturnValue: true}, nil
}
